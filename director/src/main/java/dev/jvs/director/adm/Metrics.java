package dev.jvs.director.adm;

import dev.jvs.director.check.HealthChecker;
import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.director.config.RealServer;
import dev.jvs.director.config.VirtualServer;
import dev.jvs.director.ha.VrrpAgent;
import dev.jvs.engine.Counter;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import dev.jvs.schedulers.Destinations;
import dev.jvs.vrrp.VrrpCounter;
import dev.jvs.vrrp.VrrpInstance;

import java.util.List;
import java.util.Locale;

/**
 * The Prometheus text exposition (format 0.0.4) of a running director, in parts: the services' part reads
 * worker 0's tables and is written on its thread; the rest (health, engine counters, VRRP) on the conductor's.
 */
final class Metrics
{
    private static final String[][] PER_SERVICE = {
        {"jvs_service_connections_total", "Connections scheduled by the virtual service."},
        {"jvs_service_in_packets_total", "Packets from clients to the virtual service."},
        {"jvs_service_out_packets_total", "Packets from real servers back to clients (NAT)."},
        {"jvs_service_in_bytes_total", "Bytes from clients to the virtual service."},
        {"jvs_service_out_bytes_total", "Bytes from real servers back to clients (NAT)."}};
    private static final String[][] PER_SERVER = {
        {"jvs_real_server_connections_total", "counter", "Connections scheduled to the real server."},
        {"jvs_real_server_active_connections", "gauge", "Established connections (ipvsadm ActiveConn)."},
        {"jvs_real_server_inactive_connections", "gauge", "Other connections (ipvsadm InActConn)."},
        {"jvs_real_server_weight", "gauge", "Current weight (0 when inhibited)."},
        {"jvs_real_server_in_packets_total", "counter", "Packets forwarded to the real server."},
        {"jvs_real_server_out_packets_total", "counter", "Packets from the real server to clients (NAT)."},
        {"jvs_real_server_in_bytes_total", "counter", "Bytes forwarded to the real server."},
        {"jvs_real_server_out_bytes_total", "counter", "Bytes from the real server to clients (NAT)."}};
    private static final int[] SERVICE_COLUMNS = {Totals.CONNS, Totals.IN_PKTS, Totals.OUT_PKTS, Totals.IN_BYTES,
        Totals.OUT_BYTES};
    private static final int[] SERVER_COLUMNS = {Totals.CONNS, Totals.ACTIVE, Totals.INACTIVE, -1, Totals.IN_PKTS,
        Totals.OUT_PKTS, Totals.IN_BYTES, Totals.OUT_BYTES};
    private static final String[] RATE_NAMES = {"jvs_service_connections_per_second",
        "jvs_service_in_packets_per_second", "jvs_service_out_packets_per_second", "jvs_service_in_bytes_per_second",
        "jvs_service_out_bytes_per_second"};

    private Metrics()
    {
    }

    static void help(final StringBuilder b, final String name, final String type, final String help)
    {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(' ')
            .append(type).append('\n');
    }

    /**
     * A service's labels: jvs's {@code service="TCP 198.19.0.80:80"} and node_exporter's IPVS set (proto,
     * local_address, local_port, local_mark as its collector reads /proc/net/ip_vs: a fwmark service has proto FWM,
     * no address, port 0 and the mark in 8 hex digits).
     */
    static String serviceLabels(final VirtualService s)
    {
        return "service=\"" + AdmHandler.service(s) + "\"," + nodeService(s.fwmark(), s.protocol(), s.address().toString(), s.vport());
    }

    private static String nodeService(final int fwmark, final int protocol, final String vip, final int port)
    {
        return 0 != fwmark ? "proto=\"FWM\",local_address=\"\",local_port=\"0\",local_mark=\"" +
            String.format(Locale.ROOT, "%08X", fwmark) + "\"" : "proto=\"" + (6 == protocol ? "TCP" : "UDP") +
            "\",local_address=\"" + vip + "\",local_port=\"" + port + "\",local_mark=\"\"";
    }

    /** node_exporter's backend labels, in its order. */
    private static String nodeBackend(final VirtualService s, final String rip, final int rport)
    {
        final boolean fwm = 0 != s.fwmark();
        return "local_address=\"" + (fwm ? "" : s.address().toString()) + "\",local_port=\"" + (fwm ? 0 : s.vport()) +
            "\",remote_address=\"" + rip + "\",remote_port=\"" + rport + "\",proto=\"" +
            (fwm ? "FWM" : 6 == s.protocol() ? "TCP" : "UDP") + "\",local_mark=\"" +
            (fwm ? String.format(Locale.ROOT, "%08X", s.fwmark()) : "") + "\"";
    }

    /**
     * node_exporter's IPVS families, exactly (names, types, labels), so that its dashboards read a jvs director as
     * they read a kernel one: the totals over every service, and each real server's connections and weight.
     */
    static void nodeIpvs(final StringBuilder b, final ServiceTable table, final Totals t)
    {
        final List<VirtualService> services = IpvsadmFormat.sorted(table);
        final String[][] totals = {
            {"node_ipvs_connections_total", "The total number of connections made."},
            {"node_ipvs_incoming_packets_total", "The total number of incoming packets."},
            {"node_ipvs_outgoing_packets_total", "The total number of outgoing packets."},
            {"node_ipvs_incoming_bytes_total", "The total amount of incoming data."},
            {"node_ipvs_outgoing_bytes_total", "The total amount of outgoing data."}};
        for (int m = 0; m < totals.length; m++)
        {
            long sum = 0;
            for (final VirtualService s : services)
            {
                sum += t.service(s, SERVICE_COLUMNS[m]);
            }
            help(b, totals[m][0], "counter", totals[m][1]);
            b.append(totals[m][0]).append(' ').append(sum).append('\n');
        }
        final String[][] backends = {
            {"node_ipvs_backend_connections_active", "The current active connections by local and remote address."},
            {"node_ipvs_backend_connections_inactive",
                "The current inactive connections by local and remote address."},
            {"node_ipvs_backend_weight", "The current backend weight by local and remote address."}};
        for (int m = 0; m < backends.length; m++)
        {
            help(b, backends[m][0], "gauge", backends[m][1]);
            for (final VirtualService s : services)
            {
                final Destinations d = s.dests();
                for (int p = 0; p < d.count(); p++)
                {
                    final int id = d.idAt(p);
                    final long v = 2 == m ? d.weight(id) : t.dest(s, id, 0 == m ? Totals.ACTIVE : Totals.INACTIVE);
                    b.append(backends[m][0]).append('{').append(nodeBackend(s, s.realServer(id).toString(), d.port(id)))
                        .append("} ").append(v).append('\n');
                }
            }
        }
    }

    /** Per service and real server: counts, weights and rates (worker 0's thread: its tables). */
    static void services(final StringBuilder b, final ServiceTable table, final Totals t, final RateEstimator rates)
    {
        final List<VirtualService> services = IpvsadmFormat.sorted(table);
        for (int m = 0; m < PER_SERVICE.length; m++)
        {
            help(b, PER_SERVICE[m][0], "counter", PER_SERVICE[m][1]);
            for (final VirtualService s : services)
            {
                b.append(PER_SERVICE[m][0]).append('{').append(serviceLabels(s)).append("} ")
                    .append(t.service(s, SERVICE_COLUMNS[m])).append('\n');
            }
        }
        for (int m = 0; m < PER_SERVER.length; m++)
        {
            help(b, PER_SERVER[m][0], PER_SERVER[m][1], PER_SERVER[m][2]);
            for (final VirtualService s : services)
            {
                final Destinations d = s.dests();
                for (int p = 0; p < d.count(); p++)
                {
                    final int id = d.idAt(p);
                    final long v = SERVER_COLUMNS[m] < 0 ? d.weight(id) : t.dest(s, id, SERVER_COLUMNS[m]);
                    b.append(PER_SERVER[m][0]).append('{').append(serviceLabels(s)).append(",server=\"")
                        .append(s.realServer(id).withPort(d.port(id)))
                        .append("\",remote_address=\"").append(s.realServer(id))
                        .append("\",remote_port=\"").append(d.port(id)).append("\"} ").append(v).append('\n');
                }
            }
        }
        for (int m = 0; m < RATE_NAMES.length; m++)
        {
            help(b, RATE_NAMES[m], "gauge", "The kernel estimator's 2 s EWMA, as ipvsadm --rate shows it.");
            for (final VirtualService s : services)
            {
                b.append(RATE_NAMES[m]).append('{').append(serviceLabels(s)).append("} ")
                    .append(rates.rates(s, -1)[m]).append('\n');
            }
        }
    }

    /** What the health checks found, by virtual and real server as keepalived.conf names them. */
    static void health(final StringBuilder b, final KeepalivedConfig config, final HealthChecker hc)
    {
        help(b, "jvs_real_server_up", "gauge", "1 when the health checks pass (or there are none), else 0.");
        final StringBuilder transitions = new StringBuilder();
        for (final VirtualServer vs : config.virtualServers)
        {
            for (final RealServer rs : vs.realServers())
            {
                // TCP and UDP on one VIP:port are two virtual servers: the protocol keeps their series apart.
                final String labels = "{virtual_server=\"" + vs.name() + "\",server=\"" + rs.address().withPort(rs.port()) +
                    "\"," + configLabels(vs) + ",remote_address=\"" + rs.address() +
                    "\",remote_port=\"" + rs.port() + "\"} ";
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
        for (final VirtualServer vs : config.virtualServers)
        {
            b.append("jvs_virtual_server_quorum_up{virtual_server=\"").append(vs.name()).append("\",")
                .append(configLabels(vs)).append("} ")
                .append(hc.quorumUp(vs) ? 1 : 0).append('\n');
        }
    }

    /** A configured virtual server's node_exporter labels (a group has no one address: empty). */
    private static String configLabels(final VirtualServer vs)
    {
        return null != vs.group() ? "proto=\"" + (6 == vs.protocol() ? "TCP" : "UDP") +
            "\",local_address=\"\",local_port=\"0\",local_mark=\"\"" :
            nodeService(vs.fwmark(), vs.protocol(), null == vs.address() ? "" : vs.address().toString(), vs.port());
    }

    /**
     * What the daemon itself did: its build, and its reloads (applied, refused, the last one's time and result).
     */
    static void daemon(final StringBuilder b, final AdmHandler.Reloads r)
    {
        help(b, "jvs_build_info", "gauge", "1, labelled with the version of jvs and of the Java runtime.");
        b.append("jvs_build_info{version=\"").append(dev.jvs.director.Version.get()).append("\",java=\"")
            .append(System.getProperty("java.runtime.version")).append("\"} 1\n");
        help(b, "jvs_reloads_total", "counter", "Configuration reloads (SIGHUP, jvs adm --reload), by result.");
        b.append("jvs_reloads_total{result=\"applied\"} ").append(r.ok()).append('\n');
        b.append("jvs_reloads_total{result=\"failed\"} ").append(r.failed()).append('\n');
        help(b, "jvs_reload_last_success", "gauge", "1 when the last reload was applied (or there was none), else 0.");
        b.append("jvs_reload_last_success ").append(r.lastOk() ? 1 : 0).append('\n');
        help(b, "jvs_reload_last_timestamp_seconds", "gauge", "When the last reload ended (0: none yet).");
        b.append("jvs_reload_last_timestamp_seconds ").append(r.lastMs() / 1000.0).append('\n');
    }

    /** The engine's counters and table, summed over the workers, and each worker's share. */
    static void engine(final StringBuilder b, final Totals t, final List<Long> perWorker)
    {
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
        if (perWorker.size() > 1)
        {
            help(b, "jvs_worker_forwarded_total", "counter",
                "Frames each worker forwarded, both ways (how the fanout spreads clients).");
            for (int w = 0; w < perWorker.size(); w++)
            {
                b.append("jvs_worker_forwarded_total{worker=\"").append(w).append("\"} ").append(perWorker.get(w))
                    .append('\n');
            }
        }
    }

    private static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999, 1.0};

    /**
     * Per worker: how long a batch's first frame waited in the receive ring, and how long a cycle took, as
     * Prometheus summaries in seconds (since the start).
     */
    static void latency(final StringBuilder b, final List<org.HdrHistogram.Histogram[]> perWorker)
    {
        final String[][] names = {
            {"jvs_worker_ring_wait_seconds", "How long the first frame of a batch waited in the receive ring."},
            {"jvs_worker_cycle_seconds", "How long a worker's cycle with frames took."}};
        for (int m = 0; m < names.length; m++)
        {
            help(b, names[m][0], "summary", names[m][1]);
            for (int w = 0; w < perWorker.size(); w++)
            {
                final org.HdrHistogram.Histogram h = perWorker.get(w)[m];
                for (final double q : QUANTILES)
                {
                    b.append(names[m][0]).append("{worker=\"").append(w).append("\",quantile=\"").append(q)
                        .append("\"} ").append(h.getValueAtPercentile(q * 100) / 1e9).append('\n');
                }
                b.append(names[m][0]).append("_sum{worker=\"").append(w).append("\"} ")
                    .append(h.getMean() * h.getTotalCount() / 1e9).append('\n');
                b.append(names[m][0]).append("_count{worker=\"").append(w).append("\"} ")
                    .append(h.getTotalCount()).append('\n');
            }
        }
    }

    /** VRRP per instance: state as keepalived numbers it (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT), counters. */
    static void vrrp(final StringBuilder b, final VrrpAgent vrrp)
    {
        help(b, "jvs_vrrp_state", "gauge", "VRRP state: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 4 STOP.");
        for (final VrrpInstance i : vrrp.instances())
        {
            b.append("jvs_vrrp_state{vrrp_instance=\"").append(i.config().name()).append("\"} ").append(i.state().ordinal())
                .append('\n');
        }
        help(b, "jvs_vrrp_priority", "gauge", "Effective priority (configured plus tracking weights).");
        for (final VrrpInstance i : vrrp.instances())
        {
            b.append("jvs_vrrp_priority{vrrp_instance=\"").append(i.config().name()).append("\"} ")
                .append(i.effectivePriority()).append('\n');
        }
        help(b, "jvs_vrrp_dropped_total", "counter", "VRRP packets no instance took (unknown VRID, malformed).");
        for (final VrrpCounter c : VrrpCounter.values())
        {
            if (c.isDrop())
            {
                b.append("jvs_vrrp_dropped_total{reason=\"").append(c.label()).append("\"} ").append(vrrp.dropped(c))
                    .append('\n');
            }
        }
        help(b, "jvs_vrrp_events_total", "counter", "keepalived's vrrp statistics, by its names.");
        for (final VrrpInstance i : vrrp.instances())
        {
            for (final VrrpCounter c : VrrpCounter.values())
            {
                b.append("jvs_vrrp_events_total{vrrp_instance=\"").append(i.config().name()).append("\",event=\"")
                    .append(c.label()).append("\"} ").append(i.counter(c)).append('\n');
            }
        }
    }
}
