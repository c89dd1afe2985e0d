package dev.jvs.testbed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jvs adm} over the control socket and the Prometheus endpoint of a director carrying traffic. */
@Timeout(120)
class AdmLabTest extends LabTest
{

    @Test
    void admShouldPrintIpvsadmFormatsAndMetricsTheCounts() throws Exception
    {
        final Path socket = work.resolve("jvs.sock");
        try (Lab lab = new Lab(Lab.Mode.NAT, 2, work, JAR))
        {
            lab.startDirector("global_defs {\n lvs_timeouts tcp 7200 udp 100\n}\n" +
                "virtual_server " + Lab.VIP + " 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n" +
                " real_server " + Lab.rs(1) + " 80 {\n  TCP_CHECK {\n   connect_timeout 1\n  }\n }\n" +
                " real_server " + Lab.rs(2) + " 80\n}\n",
                List.of("--control", socket.toString(), "--metrics", "198.19.0.2:9742"));
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(socket)), "root only");
            assertEquals(Map.of("rs1", 2, "rs2", 2), Map.copyOf(lab.counts(4)));
            Thread.sleep(300);

            assertEquals("Timeout (tcp tcpfin udp): 7200 120 100\n", adm(socket, "-L", "--timeout").out(),
                "global_defs lvs_timeouts, as keepalived sets them");
            final Netns.Result list = adm(socket, "-L", "-n");
            assertEquals(0, list.exit(), list.out());
            assertEquals("""
                IP Virtual Server version 1.2.1 (size=65536)
                Prot LocalAddress:Port Scheduler Flags
                  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
                TCP  198.19.0.80:80 rr
                  -> 198.19.0.11:80               Masq    1      0          2        \s
                  -> 198.19.0.12:80               Masq    1      0          2        \s
                """, list.out());

            // One service, as ipvsadm -L -t lists it: no version line; one that is not there: status 1.
            final Netns.Result one = adm(socket, "-Ln", "-t", Lab.VIP + ":80");
            assertEquals(list.out().substring(list.out().indexOf('\n') + 1), one.out());
            final Netns.Result none = adm(socket, "-L", "-t", Lab.VIP + ":81");
            assertEquals(1, none.exit());
            assertTrue(none.out().contains("No such service"), none.out());
            // ipvsadm's command line is checked before the director is asked: its words, status 2.
            final Netns.Result badWeight = adm(socket, "-a", "-t", Lab.VIP + ":80", "-r", Lab.rs(2), "-w", "70000");
            assertEquals(2, badWeight.exit());
            assertTrue(badWeight.out().contains("illegal weight specified"), badWeight.out());
            final String checkers = adm(socket, "--checkers").out();
            assertTrue(checkers.lines().anyMatch(l -> l.matches("198\\.19\\.0\\.80:80 +198\\.19\\.0\\.11:80 +" +
                "TCP_CHECK 198\\.19\\.0\\.11:80 +UP +ok at .*")), checkers);
            assertTrue(checkers.lines().anyMatch(l -> l.matches("198\\.19\\.0\\.80:80 +198\\.19\\.0\\.12:80 +- +UP +" +
                "no checker")), checkers);

            final Netns.Result save = adm(socket, "-S", "-n");
            assertEquals("-A -t 198.19.0.80:80 -s rr\n-a -t 198.19.0.80:80 -r 198.19.0.11:80 -m -w 1\n" +
                "-a -t 198.19.0.80:80 -r 198.19.0.12:80 -m -w 1\n", save.out());

            final Netns.Result stats = adm(socket, "-Ln", "--stats");
            final List<String> lines = stats.out().lines().toList();
            assertEquals("Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes",
                lines.get(1));
            assertTrue(lines.get(3).startsWith(String.format("%-33s%9d", "TCP  198.19.0.80:80", 4)), lines.get(3));
            assertTrue(lines.get(4).startsWith(String.format("  -> %-28s%9d", "198.19.0.11:80", 2)), lines.get(4));

            final Netns.Result conns = adm(socket, "-L", "-n", "-c");
            final List<String> c = conns.out().lines().toList();
            assertEquals("IPVS connection entries", c.get(0));
            assertEquals("pro expire state       source             virtual            destination", c.get(1));
            assertEquals(6, c.size(), conns.out());
            for (final String l : c.subList(2, 6))
            {
                assertTrue(l.matches("TCP \\d\\d:\\d\\d  (TIME_WAIT  |CLOSE      ) 198\\.18\\.0\\.5:\\d+ +" +
                    "198\\.19\\.0\\.80:80 +198\\.19\\.0\\.1[12]:80"), l);
            }

            // The estimator ticks every 2 s: 40 more connections then show as a rate above zero.
            lab.counts(40);
            Thread.sleep(2500);
            final List<String> rate = adm(socket, "-L", "-n", "--rate").out().lines().toList();
            assertEquals("Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS",
                rate.get(1));
            final long cps = Long.parseLong(rate.get(3).substring(33).trim().split(" +")[0]);
            assertTrue(cps > 0, rate.get(3));

            // Editing the running table as with ipvsadm: a deleted server takes nothing new; added back with
            // weight 3 under wrr it takes three of every four.
            final String vs = Lab.VIP + ":80";
            assertEquals(0, adm(socket, "-d", "-t", vs, "-r", Lab.rs(2) + ":80").exit());
            assertEquals(Map.of("rs1", 4), Map.copyOf(lab.counts(4)));
            assertEquals(0, adm(socket, "-a", "-t", vs, "-r", Lab.rs(2) + ":80", "-m", "-w", "3").exit());
            assertEquals(0, adm(socket, "-E", "-t", vs, "-s", "wrr").exit());
            assertEquals(Map.of("rs1", 2, "rs2", 6), Map.copyOf(lab.counts(8)));
            final Netns.Result bad = adm(socket, "-a", "-t", vs, "-r", Lab.rs(2) + ":80", "-m");
            assertEquals(255, bad.exit(), "ipvsadm's status for what the kernel refuses");
            assertTrue(bad.out().contains("Destination already exists"), bad.out());

            final String m = lab.ns().sh("director", "curl -s --max-time 5 http://198.19.0.2:9742/metrics");
            final String svc = "service=\"TCP 198.19.0.80:80\",proto=\"TCP\",local_address=\"198.19.0.80\"," +
                "local_port=\"80\",local_mark=\"\"";
            assertTrue(m.contains("jvs_service_connections_total{" + svc + "} 56\n"), m);
            assertTrue(m.contains("# TYPE jvs_service_connections_per_second gauge\n"), m);
            assertTrue(m.contains("jvs_real_server_connections_total{" + svc + ",server=\"198.19.0.11:80\"," +
                "remote_address=\"198.19.0.11\",remote_port=\"80\"} 28\n"), m);
            final String rs1 = "{virtual_server=\"198.19.0.80:80\",server=\"198.19.0.11:80\",proto=\"TCP\"," +
                "local_address=\"198.19.0.80\",local_port=\"80\",local_mark=\"\",remote_address=\"198.19.0.11\"," +
                "remote_port=\"80\"} ";
            assertTrue(m.contains("jvs_real_server_up" + rs1 + "1\n"), m);
            assertTrue(m.contains("jvs_real_server_health_transitions_total" + rs1 + "0\n"), m);
            // node_exporter's IPVS families, as its dashboards query them.
            assertTrue(m.contains("# TYPE node_ipvs_connections_total counter\nnode_ipvs_connections_total 56\n"), m);
            assertTrue(m.contains("node_ipvs_backend_weight{local_address=\"198.19.0.80\",local_port=\"80\"," +
                "remote_address=\"198.19.0.11\",remote_port=\"80\",proto=\"TCP\",local_mark=\"\"} 1\n"), m);
            assertTrue(m.contains("# TYPE node_ipvs_backend_connections_active gauge\n"), m);
            assertTrue(m.contains("jvs_build_info{version=\"") && m.contains("jvs_reloads_total{result=\"failed\"} 0\n"),
                m);
            PromText.check(m);
            PromText.documented(m);
            assertTrue(m.contains("# TYPE jvs_drops_total counter\n"), m);
            assertTrue(m.contains("jvs_connection_table_capacity 65536\n"), m);
            assertEquals(0, adm(socket, "-Z", "-t", "198.19.0.80:80").exit());
            final List<String> zeroed = adm(socket, "-Ln", "--stats").out().lines().toList();
            assertTrue(zeroed.get(3).startsWith(String.format("%-33s%9d%9d", "TCP  198.19.0.80:80", 0, 0)),
                zeroed.get(3));
            final Netns.Result noSuch = adm(socket, "-Z", "-t", "198.19.0.81:80");
            assertEquals(255, noSuch.exit());
            assertTrue(noSuch.out().contains("no such service TCP 198.19.0.81:80"), noSuch.out());
            lab.stopDirector();
            assertTrue(!Files.exists(socket), "the socket is removed at exit");
        }
    }
}
