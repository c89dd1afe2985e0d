package dev.jvs.director.adm;

import dev.jvs.engine.Method;
import dev.jvs.engine.conn.ConnectionEntries;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import dev.jvs.schedulers.Destinations;
import dev.jvs.schedulers.Scheduler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * ipvsadm's save format ({@code ipvsadm-save -n} / {@code ipvsadm -Sn}): one {@code -A} line per service and
 * one {@code -a} line per real server, services and real servers sorted as ipvsadm sorts them (protocol,
 * then address, then port; firewall-mark services by mark).
 */
public final class IpvsadmFormat
{
    private IpvsadmFormat()
    {
    }

    private static String service(final VirtualService s)
    {
        if (0 != s.fwmark())
        {
            return "-f " + Integer.toUnsignedString(s.fwmark()) + (s.ipv6() ? " -6" : "");
        }
        return (6 == s.protocol() ? "-t " : "-u ") + s.address().withPort(s.vport());
    }

    /** The persistence granularity unless it is the whole address: a netmask, or an IPv6 prefix length. */
    private static String mask(final VirtualService s, final String word)
    {
        if (s.ipv6())
        {
            return 128 == s.persistenceNetmask() ? "" : word + s.persistenceNetmask();
        }
        return 0xFFFFFFFF == s.persistenceNetmask() ? "" : word + Ipv4.toString(s.persistenceNetmask());
    }

    /** The scheduler flags that ipvsadm shows (SCHED1..3) and jvs's own mh-sorted. */
    private static final int SHOWN_FLAGS = Scheduler.FLAG_SCHED1 | Scheduler.FLAG_SCHED2 | Scheduler.FLAG_SCHED3 |
        Scheduler.FLAG_SORTED;

    /**
     * ipvsadm 1.31's print_sched_flags: sh and mh name their first two flags (sh-fallback, sh-port; mh-fallback,
     * mh-port) and do not show flag-3; any other scheduler shows flag-1, flag-2, flag-3. jvs's mh-sorted last.
     */
    static String flags(final String scheduler, final int f)
    {
        final List<String> n = new ArrayList<>();
        final boolean named = "sh".equals(scheduler) || "mh".equals(scheduler);
        if (0 != (f & Scheduler.FLAG_SCHED1))
        {
            n.add(named ? scheduler + "-fallback" : "flag-1");
        }
        if (0 != (f & Scheduler.FLAG_SCHED2))
        {
            n.add(named ? scheduler + "-port" : "flag-2");
        }
        if (0 != (f & Scheduler.FLAG_SCHED3) && !named)
        {
            n.add("flag-3");
        }
        if (0 != (f & Scheduler.FLAG_SORTED))
        {
            n.add("mh-sorted");
        }
        return String.join(",", n);
    }

    /**
     * @param services the services (removed ones are skipped).
     * @return the lines.
     */
    static List<VirtualService> sorted(final ServiceTable services)
    {
        final List<VirtualService> list = new ArrayList<>(services.all().stream().filter(s -> !s.isRemoved()).toList());
        // ipvsadm's ipvs_cmp_services: mark, family, protocol, address, port.
        list.sort(Comparator.comparingLong((VirtualService s) -> Integer.toUnsignedLong(s.fwmark()))
            .thenComparing(VirtualService::ipv6)
            .thenComparingInt(VirtualService::protocol)
            .thenComparing(VirtualService::address)
            .thenComparingInt(VirtualService::vport));
        return list;
    }

    /**
     * A service's real servers in the order ipvsadm lists them: sorted by address, then port (libipvs's
     * ipvs_cmp_dests, every listing and -S) unless --nosort, which keeps the kernel's list order (the newest
     * first: ip_vs_add_dest puts a server at the head).
     *
     * @param s the service.
     * @param sort false for --nosort.
     * @return the real servers' ids.
     */
    static List<Integer> dests(final VirtualService s, final boolean sort)
    {
        final Destinations d = s.dests();
        final List<Integer> ids = new ArrayList<>();
        for (int p = 0; p < d.count(); p++)
        {
            ids.add(d.idAt(p));
        }
        if (sort)
        {
            ids.sort(Comparator.comparing((Integer id) -> s.realServer(id)).thenComparingInt(d::port));
        }
        return ids;
    }

    public static List<String> save(final ServiceTable services)
    {
        final List<String> out = new ArrayList<>();
        for (final VirtualService s : sorted(services))
        {
            // ipvsadm's FMT_RULE order: -p [-M], -o, then -b.
            final StringBuilder a = new StringBuilder("-A ").append(service(s)).append(" -s ").append(s.schedulerName());
            if (s.persistenceTimeoutMs() > 0)
            {
                a.append(" -p ").append(s.persistenceTimeoutMs() / 1000);
                a.append(mask(s, " -M "));
            }
            if (s.onePacket())
            {
                a.append(" -o");
            }
            if (0 != (s.schedulerFlags() & SHOWN_FLAGS))
            {
                a.append(" -b ").append(flags(s.schedulerName(), s.schedulerFlags()));
            }
            out.add(a.toString());
            final Destinations d = s.dests();
            for (final int id : dests(s, true))
            {
                final StringBuilder r = new StringBuilder("-a ").append(service(s)).append(" -r ")
                    .append(s.realServer(id).withPort(d.port(id))).append(' ')
                    .append(switch (s.method(id))
                    {
                        case Method.NAT -> "-m";
                        case Method.TUN -> "-i";
                        default -> "-g";
                    }).append(" -w ").append(d.weight(id));
                if (0 != d.upperThreshold(id))
                {
                    r.append(" -x ").append(d.upperThreshold(id));
                }
                if (0 != d.lowerThreshold(id))
                {
                    r.append(" -y ").append(d.lowerThreshold(id));
                }
                out.add(r.toString());
            }
        }
        return out;
    }

    /** "TCP  198.19.0.80:80" or "FWM  7": ipvsadm's service name. */
    private static String listName(final VirtualService s)
    {
        if (0 != s.fwmark())
        {
            return "FWM  " + Integer.toUnsignedString(s.fwmark()) + (s.ipv6() ? " IPv6" : "");
        }
        return (6 == s.protocol() ? "TCP  " : "UDP  ") + s.address().withPort(s.vport());
    }

    /** The service line of ipvsadm -L -n (and of --thresholds, --persistent-conn). */
    private static String serviceLine(final VirtualService s)
    {
        final StringBuilder b = new StringBuilder(listName(s)).append(' ').append(s.schedulerName());
        if (0 != (s.schedulerFlags() & SHOWN_FLAGS))
        {
            // print_service_entry: " (" flags ")" after the scheduler.
            b.append(" (").append(flags(s.schedulerName(), s.schedulerFlags())).append(')');
        }
        if (s.persistenceTimeoutMs() > 0)
        {
            b.append(" persistent ").append(s.persistenceTimeoutMs() / 1000);
            b.append(mask(s, " mask "));
        }
        if (s.onePacket())
        {
            b.append(" ops");
        }
        return b.toString();
    }

    /**
     * ipvsadm -L -n --thresholds.
     *
     * @param services the services.
     * @param tableSize the connection table's size.
     * @return the text.
     */
    static String thresholds(final ServiceTable services, final int tableSize)
    {
        return thresholds(services, tableSize, Totals.of(services));
    }

    /** As {@link #thresholds(ServiceTable, int)}, with the connection counts of every worker. */
    static String thresholds(final ServiceTable services, final int tableSize, final Totals t)
    {
        return thresholds(services, tableSize, t, true);
    }

    /** As above; {@code sort} false for --nosort. */
    static String thresholds(final ServiceTable services, final int tableSize, final Totals t, final boolean sort)
    {
        final StringBuilder b = new StringBuilder();
        b.append("IP Virtual Server version 1.2.1 (size=").append(tableSize).append(")\n");
        // ipvsadm's "%-33s %-10s %-10s %-10s %-10s": InActConn is padded to 10, a space at the end.
        b.append("Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n");
        b.append("  -> RemoteAddress:Port\n");
        for (final VirtualService s : sorted(services))
        {
            b.append(serviceLine(s)).append('\n');
            final Destinations d = s.dests();
            for (final int id : dests(s, sort))
            {
                b.append(String.format(java.util.Locale.ROOT, "  -> %-28s %-10d %-10d %-10d %-10d%n",
                    s.realServer(id).withPort(d.port(id)), d.upperThreshold(id), d.lowerThreshold(id),
                    t.dest(s, id, Totals.ACTIVE), t.dest(s, id, Totals.INACTIVE)));
            }
        }
        return b.toString();
    }

    private static String forward(final int method)
    {
        return switch (method)
        {
            case Method.NAT -> "Masq";
            case Method.TUN -> "Tunnel";
            default -> "Route";
        };
    }

    /** ipvsadm's print_largenum: 9 columns, K/M/G/T above 10^8 unless exact. */
    static void largenum(final StringBuilder b, final long i, final boolean exact)
    {
        if (exact)
        {
            final String v = Long.toUnsignedString(i);
            b.append(String.format(java.util.Locale.ROOT, "%" + (v.length() <= 8 ? 9 : v.length() + 1) + "s", v));
        }
        else if (i < 100_000_000L)
        {
            b.append(String.format(java.util.Locale.ROOT, "%9d", i));
        }
        else if (i < 1_000_000_000L)
        {
            b.append(String.format(java.util.Locale.ROOT, "%8dK", i / 1000));
        }
        else if (i < 100_000_000_000L)
        {
            b.append(String.format(java.util.Locale.ROOT, "%8dM", i / 1_000_000));
        }
        else if (i < 100_000_000_000_000L)
        {
            b.append(String.format(java.util.Locale.ROOT, "%8dG", i / 1_000_000_000L));
        }
        else
        {
            b.append(String.format(java.util.Locale.ROOT, "%8dT", i / 1_000_000_000_000L));
        }
    }

    /**
     * ipvsadm -L -n [--stats] [--exact], in ipvsadm 1.31's layout; real servers sorted as ipvsadm sorts them.
     *
     * @param services the services.
     * @param tableSize the connection table's size, for the title line.
     * @param stats --stats.
     * @param exact --exact.
     * @return the text.
     */
    static String list(final ServiceTable services, final int tableSize, final boolean stats, final boolean exact)
    {
        return list(services, tableSize, stats, exact, null, false);
    }

    /**
     * As {@link #list(ServiceTable, int, boolean, boolean)}, with rates (ipvsadm --rate) when given them, or
     * ipvsadm --persistent-conn's columns when {@code persistent}.
     */
    static String list(final ServiceTable services, final int tableSize, final boolean stats, final boolean exact,
        final RateEstimator rates, final boolean persistent)
    {
        return list(services, tableSize, stats, exact, rates, persistent, Totals.of(services));
    }

    /** As above, with the numbers of every worker summed in {@code t}. */
    static String list(final ServiceTable services, final int tableSize, final boolean stats, final boolean exact,
        final RateEstimator rates, final boolean persistent, final Totals t)
    {
        return list(services, tableSize, stats, exact, rates, persistent, t, s -> true, true);
    }

    /**
     * As above, for the services {@code only} takes (ipvsadm -L -t VIP:PORT lists one); {@code sort} false for
     * --nosort (real servers in the kernel's order; services stay sorted, the kernel's hash order being its own).
     */
    static String list(final ServiceTable services, final int tableSize, final boolean stats, final boolean exact,
        final RateEstimator rates, final boolean persistent, final Totals t,
        final java.util.function.Predicate<VirtualService> only, final boolean sort)
    {
        final StringBuilder b = new StringBuilder();
        b.append("IP Virtual Server version 1.2.1 (size=").append(tableSize).append(")\n");
        if (null != rates)
        {
            b.append(String.format(java.util.Locale.ROOT, "%-33s %8s %8s %8s %8s %8s%n", "Prot LocalAddress:Port",
                "CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"));
            b.append("  -> RemoteAddress:Port\n");
        }
        else if (stats)
        {
            b.append(String.format(java.util.Locale.ROOT, "%-33s %8s %8s %8s %8s %8s%n", "Prot LocalAddress:Port",
                "Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"));
            b.append("  -> RemoteAddress:Port\n");
        }
        else if (persistent)
        {
            // "%-33s %-9s %-11s %-10s %-10s": a space at the end here too.
            b.append("Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn \n");
            b.append("  -> RemoteAddress:Port\n");
        }
        else
        {
            b.append("Prot LocalAddress:Port Scheduler Flags\n");
            b.append("  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
        }
        for (final VirtualService s : sorted(services).stream().filter(only).toList())
        {
            final Destinations d = s.dests();
            if (null != rates)
            {
                b.append(String.format(java.util.Locale.ROOT, "%-33s", listName(s)));
                for (final long v : rates.rates(s, -1))
                {
                    largenum(b, v, exact);
                }
                b.append('\n');
            }
            else if (stats)
            {
                b.append(String.format(java.util.Locale.ROOT, "%-33s", listName(s)));
                largenum(b, t.service(s, Totals.CONNS), exact);
                largenum(b, t.service(s, Totals.IN_PKTS), exact);
                largenum(b, t.service(s, Totals.OUT_PKTS), exact);
                largenum(b, t.service(s, Totals.IN_BYTES), exact);
                largenum(b, t.service(s, Totals.OUT_BYTES), exact);
                b.append('\n');
            }
            else
            {
                b.append(serviceLine(s)).append('\n');
            }
            for (final int id : dests(s, sort))
            {
                final String name = s.realServer(id).withPort(d.port(id));
                if (null != rates)
                {
                    b.append(String.format(java.util.Locale.ROOT, "  -> %-28s", name));
                    for (final long v : rates.rates(s, id))
                    {
                        largenum(b, v, exact);
                    }
                    b.append('\n');
                }
                else if (stats)
                {
                    b.append(String.format(java.util.Locale.ROOT, "  -> %-28s", name));
                    largenum(b, t.dest(s, id, Totals.CONNS), exact);
                    largenum(b, t.dest(s, id, Totals.IN_PKTS), exact);
                    largenum(b, t.dest(s, id, Totals.OUT_PKTS), exact);
                    largenum(b, t.dest(s, id, Totals.IN_BYTES), exact);
                    largenum(b, t.dest(s, id, Totals.OUT_BYTES), exact);
                    b.append('\n');
                }
                else if (persistent)
                {
                    b.append(String.format(java.util.Locale.ROOT, "  -> %-28s %-9d %-11d %-10d %-10d%n", name,
                        d.weight(id), t.dest(s, id, Totals.PERSISTENT), t.dest(s, id, Totals.ACTIVE),
                        t.dest(s, id, Totals.INACTIVE)));
                }
                else
                {
                    b.append(String.format(java.util.Locale.ROOT, "  -> %-28s %-7s %-6d %-10d %-10d%n", name,
                        forward(s.method(id)), d.weight(id), t.dest(s, id, Totals.ACTIVE),
                        t.dest(s, id, Totals.INACTIVE)));
                }
            }
        }
        return b.toString();
    }

    /** An entry's address of either family ({@code which}: one of ConnectionEntries' EXT_ offsets). */
    private static IpAddress address(final dev.jvs.engine.conn.ConnectionTable t, final int e, final int which)
    {
        if (t.isIpv6(e))
        {
            return new IpAddress(true, t.address6(e, which), t.address6(e, which + 8));
        }
        return IpAddress.ofV4(ConnectionEntries.EXT_CADDR == which ? t.caddr(e) : ConnectionEntries.EXT_VADDR == which ?
            t.vaddr(e) : t.daddr(e));
    }

    /** ip_vs_state_name of a template: ip_vs_ctpl_state_name_table, "ERR!" beyond it. */
    static String templateState(final int state)
    {
        return switch (state)
        {
            case 0 -> "NONE";
            case dev.jvs.engine.conn.ConnectionTable.TPL_ASSURED -> "ASSURED";
            default -> "ERR!";
        };
    }

    /**
     * ipvsadm -L -n -c: the connection entries (templates show state NONE or ASSURED and the client's port 0).
     *
     * @param t the connection table.
     * @param nowMs the table's clock.
     * @return the text.
     */
    static String connections(final dev.jvs.engine.conn.ConnectionTable t, final long nowMs)
    {
        return connections(t, nowMs, false);
    }

    /**
     * As above; {@code persistent} (ipvsadm -Lnc --persistent-conn) adds the persistence engine's two columns to
     * the title. Rows stay as they are: an entry shows them only with a persistence engine's data, and jvs has
     * no persistence engine (keepalived's persistence_engine sip).
     */
    static String connections(final dev.jvs.engine.conn.ConnectionTable t, final long nowMs, final boolean persistent)
    {
        final StringBuilder b = new StringBuilder("IPVS connection entries\n");
        b.append(persistent ?
            "pro expire state       source             virtual            destination        pe name          pe_data\n" :
            "pro expire state       source             virtual            destination\n");
        for (int e = 0; e < t.capacity(); e++)
        {
            if (!t.inUse(e))
            {
                continue;
            }
            // /proc/net/ip_vs_conn's whole seconds left, rounded down; ipvsadm prints them as %02d:%02d in %-6s.
            final long left = Math.max(0, (t.expires(e) - nowMs) / 1000);
            final boolean template = 0 != (t.flags(e) & dev.jvs.engine.conn.ConnectionTable.F_TEMPLATE);
            final String state = template ? templateState(t.state(e)) : 17 == t.proto(e) ? "UDP" :
                dev.jvs.engine.conn.TcpStates.name(t.state(e));
            b.append(String.format(java.util.Locale.ROOT, "%-3s %-6s %-11s %-18s %-18s %s%n",
                6 == t.proto(e) ? "TCP" : 17 == t.proto(e) ? "UDP" : "IP",
                String.format(java.util.Locale.ROOT, "%02d:%02d", left / 60, left % 60), state,
                address(t, e, ConnectionEntries.EXT_CADDR).withPort(t.cport(e)),
                address(t, e, ConnectionEntries.EXT_VADDR).withPort(t.vport(e)),
                address(t, e, ConnectionEntries.EXT_DADDR).withPort(t.dport(e))));
        }
        return b.toString();
    }
}
