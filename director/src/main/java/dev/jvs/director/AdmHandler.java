package dev.jvs.director;

import dev.jvs.director.adm.ControlPlane;
import dev.jvs.director.check.HealthChecker;
import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.engine.Counter;
import dev.jvs.engine.Forwarder;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.service.VirtualService;
import dev.jvs.schedulers.Destinations;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Answers {@code jvs adm} and the metrics endpoint on the control thread (worker 0's): it owns worker 0's
 * tables, posts changes to the other workers and sums what they count ({@link Shards}).
 */
final class AdmHandler implements ControlPlane.Handler
{
    private final Forwarder fwd;
    private final Shards shards;
    private final Supplier<KeepalivedConfig> config;
    private final Supplier<HealthChecker> checker;
    private final AtomicBoolean reload;
    private final RateEstimator rates = new RateEstimator();
    private Runnable onEdit = () -> { };
    /** Made once: tick runs every cycle of the forwarding thread, which allocates nothing. */
    private final Supplier<Totals> totals;
    private dev.jvs.director.ha.VrrpAgent vrrp;
    private java.util.function.Supplier<dev.jvs.director.ha.ConnSync> sync = () -> null;

    AdmHandler(final Shards shards, final Supplier<KeepalivedConfig> config, final Supplier<HealthChecker> checker,
        final AtomicBoolean reload)
    {
        this.shards = shards;
        this.fwd = shards.primary();
        this.totals = shards::totals;
        this.config = config;
        this.checker = checker;
        this.reload = reload;
    }

    /** @param daemon the connection sync (ipvsadm -L --daemon), may give null. */
    void sync(final java.util.function.Supplier<dev.jvs.director.ha.ConnSync> daemon)
    {
        this.sync = daemon;
    }

    /** @param action run after a change to the services (-A/-E/-D/-C, -a/-e/-d, -R). */
    void onEdit(final Runnable action)
    {
        this.onEdit = action;
    }

    /** @param agent the VRRP instances, for the metrics. */
    void vrrp(final dev.jvs.director.ha.VrrpAgent agent)
    {
        this.vrrp = agent;
    }

    /**
     * Tick the rate estimator; call from the forwarding thread each cycle.
     *
     * @param nowMs the time.
     */
    void tick(final long nowMs)
    {
        rates.tick(fwd.services(), totals, nowMs);
    }

    @Override
    public String handle(final List<String> args)
    {
        if (List.of("metrics").equals(args))
        {
            return metrics();
        }
        if (!args.isEmpty() && ("-R".equals(args.get(0)) || "--restore".equals(args.get(0))))
        {
            return restore(args.size() > 1 ? args.get(1) : "");
        }
        if (args.stream().anyMatch(IpvsadmEdit.COMMANDS::contains))
        {
            final IpvsadmEdit edit = IpvsadmEdit.parse(args);
            final long now = System.currentTimeMillis();
            shards.everywhere(f -> edit.apply(f.services(), f.config(), now));
            onEdit.run();
            return "";
        }
        boolean list = false;
        boolean save = false;
        boolean stats = false;
        boolean exact = false;
        boolean conns = false;
        boolean rate = false;
        boolean zero = false;
        boolean persistent = false;
        boolean thresholds = false;
        boolean daemon = false;
        boolean timeout = false;
        String service = null;
        for (int i = 0; i < args.size(); i++)
        {
            final String a = args.get(i);
            switch (a)
            {
                case "-Z", "--zero" -> zero = true;
                case "-t", "--tcp-service", "-u", "--udp-service", "-f", "--fwmark-service" ->
                {
                    if (i + 1 >= args.size())
                    {
                        throw new IllegalArgumentException("jvs adm: " + a + " needs a service");
                    }
                    final String v = args.get(++i);
                    service = a.startsWith("-f") || a.startsWith("--f") ? "FWM " + v :
                        (a.startsWith("-t") || a.startsWith("--t") ? "TCP " : "UDP ") + v;
                }
                case "-L", "-l", "--list" -> list = true;
                case "-S", "--save" -> save = true;
                case "-n", "--numeric" ->
                {
                    // Addresses are always printed as numbers.
                }
                case "--stats" -> stats = true;
                case "--rate" -> rate = true;
                case "--persistent-conn" -> persistent = true;
                case "--thresholds" -> thresholds = true;
                case "--daemon" -> daemon = true;
                case "--timeout" -> timeout = true;
                case "--exact" -> exact = true;
                case "-c", "--connection" -> conns = true;
                case "-Lnc", "-Lcn", "-lnc", "-Lc" ->
                {
                    list = true;
                    conns = true;
                }
                case "-Ln", "-nL", "-ln" -> list = true;
                case "-Sn" -> save = true;
                case "--reload" ->
                {
                    reload.set(true);
                    return "reload requested: the daemon checks the configuration and logs the result\n";
                }
                default -> throw new IllegalArgumentException("jvs adm: " + a + " is not supported " +
                    "(supported: -A/-E/-D/-C, -a/-e/-d, --set, -R, -L/-l [-n] [-c] " +
                    "[--stats|--rate|--thresholds|--persistent-conn|--timeout|--daemon] [--exact], -Z, -S [-n], --reload)");
            }
        }
        if (zero)
        {
            final String only = service;
            if (null != only && fwd.services().all().stream().noneMatch(s -> only.equals(service(s))))
            {
                throw new IllegalArgumentException("jvs adm: no such service " + service);
            }
            fwd.services().all().stream().filter(s -> null == only || only.equals(service(s))).forEach(rates::zero);
            shards.everywhere(f -> f.services().all().stream().filter(s -> null == only || only.equals(service(s)))
                .forEach(VirtualService::zeroStats));
            return "";
        }
        if (save)
        {
            final List<String> lines = IpvsadmFormat.save(fwd.services());
            return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
        }
        if (conns)
        {
            final long now = System.currentTimeMillis();
            final List<String> parts = shards.all(f -> IpvsadmFormat.connections(f.connections(), now));
            final StringBuilder b = new StringBuilder(parts.get(0));
            for (final String p : parts.subList(1, parts.size()))
            {
                // Each worker lists its own clients' entries under the same two header lines.
                b.append(p, p.indexOf('\n', p.indexOf('\n') + 1) + 1, p.length());
            }
            return b.toString();
        }
        if (timeout)
        {
            return IpvsadmEdit.timeouts(fwd.config());
        }
        if (daemon)
        {
            final dev.jvs.director.ha.ConnSync d = sync.get();
            return null == d ? "" : d.daemonLine() + "\n";
        }
        if (thresholds)
        {
            final Totals t = shards.totals();
            return IpvsadmFormat.thresholds(fwd.services(), t.tableCapacity(), t);
        }
        if (list || args.isEmpty())
        {
            final Totals t = shards.totals();
            return IpvsadmFormat.list(fwd.services(), t.tableCapacity(), stats, exact, rate ? rates : null,
                persistent, t);
        }
        throw new IllegalArgumentException("jvs adm: nothing to do");
    }

    /**
     * ipvsadm -R: apply ipvsadm-save lines in order; the first bad line stops the restore (those before it
     * stay applied, as with ipvsadm).
     */
    private String restore(final String text)
    {
        int n = 0;
        for (final String raw : text.split("\n", -1))
        {
            n++;
            final String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#"))
            {
                continue;
            }
            try
            {
                final IpvsadmEdit edit = IpvsadmEdit.parse(List.of(line.split("\\s+")));
                final long now = System.currentTimeMillis();
                shards.everywhere(f -> edit.apply(f.services(), f.config(), now));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("jvs adm -R: line " + n + ": " + ex.getMessage() + ": " + line);
            }
            finally
            {
                onEdit.run();
            }
        }
        return "";
    }

    private static String service(final VirtualService s)
    {
        return 0 != s.fwmark() ? "FWM " + Integer.toUnsignedString(s.fwmark()) :
            (6 == s.protocol() ? "TCP " : "UDP ") + Ipv4.toString(s.vaddr()) + ":" + s.vport();
    }

    private static void help(final StringBuilder b, final String name, final String type, final String help)
    {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(' ')
            .append(type).append('\n');
    }

    /** VRRP per instance: state as keepalived numbers it (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT), counters. */
    private void vrrpMetrics(final StringBuilder b)
    {
        help(b, "jvs_vrrp_state", "gauge", "VRRP state: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 4 STOP.");
        for (final dev.jvs.vrrp.VrrpInstance i : vrrp.instances())
        {
            b.append("jvs_vrrp_state{instance=\"").append(i.config().name).append("\"} ").append(i.state().ordinal())
                .append('\n');
        }
        help(b, "jvs_vrrp_priority", "gauge", "Effective priority (configured plus tracking weights).");
        for (final dev.jvs.vrrp.VrrpInstance i : vrrp.instances())
        {
            b.append("jvs_vrrp_priority{instance=\"").append(i.config().name).append("\"} ")
                .append(i.effectivePriority()).append('\n');
        }
        help(b, "jvs_vrrp_dropped_total", "counter", "VRRP packets no instance took (unknown VRID, malformed).");
        for (final dev.jvs.vrrp.VrrpCounter c : dev.jvs.vrrp.VrrpCounter.values())
        {
            if (c.isDrop())
            {
                b.append("jvs_vrrp_dropped_total{reason=\"").append(c.label()).append("\"} ").append(vrrp.dropped(c))
                    .append('\n');
            }
        }
        help(b, "jvs_vrrp_events_total", "counter", "keepalived's vrrp statistics, by its names.");
        for (final dev.jvs.vrrp.VrrpInstance i : vrrp.instances())
        {
            for (final dev.jvs.vrrp.VrrpCounter c : dev.jvs.vrrp.VrrpCounter.values())
            {
                b.append("jvs_vrrp_events_total{instance=\"").append(i.config().name).append("\",event=\"")
                    .append(c.label()).append("\"} ").append(i.counter(c)).append('\n');
            }
        }
    }

    /** Prometheus text exposition format 0.0.4. */
    private String metrics()
    {
        final StringBuilder b = new StringBuilder(4096);
        final Totals t = shards.totals();
        final List<VirtualService> services = IpvsadmFormat.sorted(fwd.services());
        final String[][] perService = {
            {"jvs_service_connections_total", "Connections scheduled by the virtual service."},
            {"jvs_service_in_packets_total", "Packets from clients to the virtual service."},
            {"jvs_service_out_packets_total", "Packets from real servers back to clients (NAT)."},
            {"jvs_service_in_bytes_total", "Bytes from clients to the virtual service."},
            {"jvs_service_out_bytes_total", "Bytes from real servers back to clients (NAT)."}};
        for (int m = 0; m < perService.length; m++)
        {
            help(b, perService[m][0], "counter", perService[m][1]);
            for (final VirtualService s : services)
            {
                final long v = switch (m)
                {
                    case 0 -> t.service(s, Totals.CONNS);
                    case 1 -> t.service(s, Totals.IN_PKTS);
                    case 2 -> t.service(s, Totals.OUT_PKTS);
                    case 3 -> t.service(s, Totals.IN_BYTES);
                    default -> t.service(s, Totals.OUT_BYTES);
                };
                b.append(perService[m][0]).append("{service=\"").append(service(s)).append("\"} ").append(v)
                    .append('\n');
            }
        }
        final String[][] perServer = {
            {"jvs_real_server_connections_total", "counter", "Connections scheduled to the real server."},
            {"jvs_real_server_active_connections", "gauge", "Established connections (ipvsadm ActiveConn)."},
            {"jvs_real_server_inactive_connections", "gauge", "Other connections (ipvsadm InActConn)."},
            {"jvs_real_server_weight", "gauge", "Current weight (0 when inhibited)."},
            {"jvs_real_server_in_packets_total", "counter", "Packets forwarded to the real server."},
            {"jvs_real_server_out_packets_total", "counter", "Packets from the real server to clients (NAT)."},
            {"jvs_real_server_in_bytes_total", "counter", "Bytes forwarded to the real server."},
            {"jvs_real_server_out_bytes_total", "counter", "Bytes from the real server to clients (NAT)."}};
        for (int m = 0; m < perServer.length; m++)
        {
            help(b, perServer[m][0], perServer[m][1], perServer[m][2]);
            for (final VirtualService s : services)
            {
                final Destinations d = s.dests();
                for (int p = 0; p < d.count(); p++)
                {
                    final int id = d.idAt(p);
                    final long v = switch (m)
                    {
                        case 0 -> t.dest(s, id, Totals.CONNS);
                        case 1 -> t.dest(s, id, Totals.ACTIVE);
                        case 2 -> t.dest(s, id, Totals.INACTIVE);
                        case 3 -> d.weight(id);
                        case 4 -> t.dest(s, id, Totals.IN_PKTS);
                        case 5 -> t.dest(s, id, Totals.OUT_PKTS);
                        case 6 -> t.dest(s, id, Totals.IN_BYTES);
                        default -> t.dest(s, id, Totals.OUT_BYTES);
                    };
                    b.append(perServer[m][0]).append("{service=\"").append(service(s)).append("\",server=\"")
                        .append(Ipv4.toString(d.address(id))).append(':').append(d.port(id)).append("\"} ")
                        .append(v).append('\n');
                }
            }
        }
        final String[] rateNames = {"jvs_service_connections_per_second", "jvs_service_in_packets_per_second",
            "jvs_service_out_packets_per_second", "jvs_service_in_bytes_per_second",
            "jvs_service_out_bytes_per_second"};
        for (int m = 0; m < rateNames.length; m++)
        {
            help(b, rateNames[m], "gauge", "The kernel estimator's 2 s EWMA, as ipvsadm --rate shows it.");
            for (final VirtualService s : services)
            {
                b.append(rateNames[m]).append("{service=\"").append(service(s)).append("\"} ")
                    .append(rates.rates(s, -1)[m]).append('\n');
            }
        }
        final HealthChecker hc = checker.get();
        help(b, "jvs_real_server_up", "gauge", "1 when the health checks pass (or there are none), else 0.");
        final StringBuilder transitions = new StringBuilder();
        for (final KeepalivedConfig.VirtualServer vs : config.get().virtualServers)
        {
            for (final KeepalivedConfig.RealServer rs : vs.realServers)
            {
                final String labels = "{virtual_server=\"" + vs.name() + "\",server=\"" + Ipv4.toString(rs.addr) + ":" +
                    rs.port + "\"} ";
                b.append("jvs_real_server_up").append(labels).append(hc.isDown(rs) ? 0 : 1).append('\n');
                final long n = hc.transitions(rs);
                if (n >= 0)
                {
                    transitions.append("jvs_real_server_health_transitions_total").append(labels).append(n)
                        .append('\n');
                }
            }
        }
        help(b, "jvs_real_server_health_transitions_total", "counter", "Times the checks took it down or up.");
        b.append(transitions);
        help(b, "jvs_virtual_server_quorum_up", "gauge", "1 while the live weight meets the quorum, else 0.");
        for (final KeepalivedConfig.VirtualServer vs : config.get().virtualServers)
        {
            b.append("jvs_virtual_server_quorum_up{virtual_server=\"").append(vs.name()).append("\"} ")
                .append(hc.quorumUp(vs) ? 1 : 0).append('\n');
        }
        help(b, "jvs_packets_total", "counter", "Frames by what the engine did with them.");
        for (final Counter c : Counter.values())
        {
            if (!c.isDrop())
            {
                b.append("jvs_packets_total{what=\"").append(c.name().toLowerCase(Locale.ROOT)).append("\"} ")
                    .append(t.counter(c)).append('\n');
            }
        }
        help(b, "jvs_drops_total", "counter", "Frames dropped, by reason.");
        for (final Counter c : Counter.values())
        {
            if (c.isDrop())
            {
                b.append("jvs_drops_total{reason=\"").append(c.name().substring(5).toLowerCase(Locale.ROOT))
                    .append("\"} ").append(t.counter(c)).append('\n');
            }
        }
        help(b, "jvs_connection_table_entries", "gauge", "Connections and templates in the table.");
        b.append("jvs_connection_table_entries ").append(t.tableSize()).append('\n');
        help(b, "jvs_connection_table_capacity", "gauge", "Entries the table can hold.");
        b.append("jvs_connection_table_capacity ").append(t.tableCapacity()).append('\n');
        if (shards.count() > 1)
        {
            help(b, "jvs_worker_forwarded_total", "counter",
                "Frames each worker forwarded, both ways (how the fanout spreads clients).");
            final List<Long> per = shards.all(f -> f.counters().get(Counter.FORWARDED_IN) +
                f.counters().get(Counter.FORWARDED_OUT));
            for (int w = 0; w < per.size(); w++)
            {
                b.append("jvs_worker_forwarded_total{worker=\"").append(w).append("\"} ").append(per.get(w))
                    .append('\n');
            }
        }
        if (null != vrrp && !vrrp.isEmpty())
        {
            vrrpMetrics(b);
        }
        return b.toString();
    }
}
