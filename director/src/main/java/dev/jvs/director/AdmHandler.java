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
 * Answers {@code jvs adm} and the metrics endpoint on the forwarding thread: the only thread that writes what
 * they read.
 */
final class AdmHandler implements ControlPlane.Handler
{
    private final Forwarder fwd;
    private final Supplier<KeepalivedConfig> config;
    private final Supplier<HealthChecker> checker;
    private final AtomicBoolean reload;
    private final RateEstimator rates = new RateEstimator();
    private dev.jvs.director.ha.VrrpAgent vrrp;
    private java.util.function.Supplier<dev.jvs.director.ha.ConnSync> sync = () -> null;

    AdmHandler(final Forwarder fwd, final Supplier<KeepalivedConfig> config, final Supplier<HealthChecker> checker,
        final AtomicBoolean reload)
    {
        this.fwd = fwd;
        this.config = config;
        this.checker = checker;
        this.reload = reload;
    }

    /** @param daemon the connection sync (ipvsadm -L --daemon), may give null. */
    void sync(final java.util.function.Supplier<dev.jvs.director.ha.ConnSync> daemon)
    {
        this.sync = daemon;
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
        rates.tick(fwd.services(), nowMs);
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
            IpvsadmEdit.parse(args).apply(fwd.services(), fwd.config(), System.currentTimeMillis());
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
            int n = 0;
            for (final VirtualService s : fwd.services().all())
            {
                if (null == service || service.equals(service(s)))
                {
                    s.zeroStats();
                    rates.zero(s);
                    n++;
                }
            }
            if (0 == n && null != service)
            {
                throw new IllegalArgumentException("jvs adm: no such service " + service);
            }
            return "";
        }
        if (save)
        {
            final List<String> lines = IpvsadmFormat.save(fwd.services());
            return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
        }
        if (conns)
        {
            return IpvsadmFormat.connections(fwd.connections(), System.currentTimeMillis());
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
            return IpvsadmFormat.thresholds(fwd.services(), fwd.connections().capacity());
        }
        if (list || args.isEmpty())
        {
            return IpvsadmFormat.list(fwd.services(), fwd.connections().capacity(), stats, exact,
                rate ? rates : null, persistent);
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
                IpvsadmEdit.parse(List.of(line.split("\\s+"))).apply(fwd.services(), fwd.config(),
                    System.currentTimeMillis());
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("jvs adm -R: line " + n + ": " + ex.getMessage() + ": " + line);
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
                    case 0 -> s.conns();
                    case 1 -> s.inPkts();
                    case 2 -> s.outPkts();
                    case 3 -> s.inBytes();
                    default -> s.outBytes();
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
                        case 0 -> s.destConns(id);
                        case 1 -> d.activeConns(id);
                        case 2 -> d.inactiveConns(id);
                        case 3 -> d.weight(id);
                        case 4 -> s.destInPkts(id);
                        case 5 -> s.destOutPkts(id);
                        case 6 -> s.destInBytes(id);
                        default -> s.destOutBytes(id);
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
                final long t = hc.transitions(rs);
                if (t >= 0)
                {
                    transitions.append("jvs_real_server_health_transitions_total").append(labels).append(t)
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
                    .append(fwd.counters().get(c)).append('\n');
            }
        }
        help(b, "jvs_drops_total", "counter", "Frames dropped, by reason.");
        for (final Counter c : Counter.values())
        {
            if (c.isDrop())
            {
                b.append("jvs_drops_total{reason=\"").append(c.name().substring(5).toLowerCase(Locale.ROOT))
                    .append("\"} ").append(fwd.counters().get(c)).append('\n');
            }
        }
        help(b, "jvs_connection_table_entries", "gauge", "Connections and templates in the table.");
        b.append("jvs_connection_table_entries ").append(fwd.connections().size()).append('\n');
        help(b, "jvs_connection_table_capacity", "gauge", "Entries the table can hold.");
        b.append("jvs_connection_table_capacity ").append(fwd.connections().capacity()).append('\n');
        if (null != vrrp && !vrrp.isEmpty())
        {
            vrrpMetrics(b);
        }
        return b.toString();
    }
}
