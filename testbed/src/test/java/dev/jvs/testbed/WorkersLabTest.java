package dev.jvs.testbed;

import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.io.Fanout;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jvs run --workers 2}: two forwarding threads on one interface, joined in a PACKET_FANOUT group whose
 * BPF program keeps every client (requests and NAT replies) on one worker. Clients are 16 addresses of the
 * client host.
 */
@Timeout(240)
class WorkersLabTest extends LabTest
{
    private static final int CLIENTS = 16;

    @BeforeAll
    static void requirements()
    {
        needs("/usr/bin/curl");
    }

    private static String client(final int i)
    {
        return "198.18.0." + (20 + i);
    }

    private static String config(final int... servers)
    {
        final StringBuilder b = new StringBuilder("virtual_server " + Lab.VIP + " 80 {\n lb_algo rr\n lb_kind NAT\n" +
            " protocol TCP\n persistence_timeout 300\n");
        for (final int s : servers)
        {
            b.append(" real_server ").append(Lab.rs(s)).append(" 80\n");
        }
        return b.append("}\n").toString();
    }

    /** One request from each of these clients; returns who answered each. */
    private static Map<Integer, String> round(final Lab lab, final List<Integer> clients) throws Exception
    {
        return round(lab, clients, 5);
    }

    private static Map<Integer, String> round(final Lab lab, final List<Integer> clients, final int seconds)
        throws Exception
    {
        final StringBuilder sh = new StringBuilder();
        for (final int c : clients)
        {
            sh.append("echo ").append(c).append(" $(curl -s --max-time ").append(seconds).append(" --interface ").append(client(c))
                .append(" http://").append(Lab.VIP).append("/); ");
        }
        final Map<Integer, String> who = new HashMap<>();
        for (final String line : lab.ns().sh("client", sh.toString()).lines().toList())
        {
            final String[] w = line.trim().split("\\s+");
            who.put(Integer.parseInt(w[0]), w.length > 1 ? w[1] : "(none)");
        }
        return who;
    }

    private static long forwarded(final Lab lab, final int worker) throws Exception
    {
        final String m = lab.ns().sh("director", "curl -s --max-time 5 http://198.19.0.2:9742/metrics");
        final Matcher x = Pattern.compile("jvs_worker_forwarded_total\\{worker=\"" + worker + "\"} (\\d+)").matcher(m);
        assertTrue(x.find(), m);
        return Long.parseLong(x.group(1));
    }

    /** With either receive ring: the fanout group is made of the sockets, whatever their ring. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"v2", "v3"})
    void twoWorkersShouldShareTheClientsAndAgreeOnEveryChange(final String ring) throws Exception
    {
        final Path socket = work.resolve("jvs.sock");
        try (Lab lab = new Lab(Lab.Mode.NAT, 3, work, JAR))
        {
            final List<Integer> all = new ArrayList<>();
            final List<Integer> ofWorker1 = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++)
            {
                lab.ns().sh("client", "ip addr add " + client(c) + "/24 dev eth0");
                all.add(c);
                if (1 == Fanout.worker(Ipv4.parse(client(c)), -1, 2))
                {
                    ofWorker1.add(c);
                }
            }
            assertTrue(!ofWorker1.isEmpty() && ofWorker1.size() < CLIENTS, "both workers have clients: " + ofWorker1);
            lab.startDirector(config(1, 2, 3), List.of("--workers", "2", "--control", socket.toString(),
                "--metrics", "198.19.0.2:9742", "--rt-priority", "5", "--cpus", "1,0", "--ring", ring));
            assertTrue(lab.directorLog().contains("io afpacket " + ring + ", 2 workers"), lab.directorLog());
            // --rt-priority: both forwarding threads (worker 0 runs on the main thread) and only they are FIFO.
            Thread.sleep(300);
            final String threads = lab.ns().sh("director", "ps -L -o cls=,rtprio=,comm= -p " + lab.directorPid());
            assertEquals(2, threads.lines().filter(l -> l.trim().startsWith("FF")).count(), threads);
            assertFalse(lab.directorLog().contains("SCHED_FIFO"), lab.directorLog());
            // --cpus 1,0: worker 0 (the main thread) on CPU 1, worker 1 on CPU 0.
            final String pinned = lab.ns().sh("director", "for t in /proc/" + lab.directorPid() + "/task/*; do " +
                "echo $(cat $t/comm) $(grep Cpus_allowed_list $t/status | cut -f2); done");
            assertTrue(pinned.lines().anyMatch(l -> l.equals("jvs-worker-1 0")), pinned);
            assertTrue(lab.directorLog().contains("worker 0 on CPU 1") &&
                lab.directorLog().contains("worker 1 on CPU 0"), lab.directorLog());
            assertTrue(pinned.lines().filter(l -> l.endsWith(" 1")).count() == 1, "only worker 0 on CPU 1 alone:\n" +
                pinned);

            // Every client's requests are answered, and by one real server (its persistence template).
            final Map<Integer, String> first = round(lab, all);
            for (int r = 0; r < 3; r++)
            {
                assertEquals(first, round(lab, all), "each client stays on its real server");
            }
            assertEquals(Set.of("rs1", "rs2", "rs3"), new HashSet<>(first.values()), "rr over the clients: " + first);
            assertTrue(forwarded(lab, 0) > 0 && forwarded(lab, 1) > 0, "both workers forward");

            // The kernel steers as Fanout.worker says: only worker 1's clients now, and worker 0 sees none of it.
            final long w0 = forwarded(lab, 0);
            final long w1 = forwarded(lab, 1);
            round(lab, ofWorker1);
            assertEquals(w0, forwarded(lab, 0), "worker 0 forwarded nothing of worker 1's clients");
            assertTrue(forwarded(lab, 1) >= w1 + 8L * ofWorker1.size(), "worker 1 forwarded them");

            // ipvsadm's view sums the workers: 64 connections, every client in the connection list.
            final String stats = adm(socket, "-L", "-n", "--stats").out();
            assertTrue(stats.lines().anyMatch(l -> l.startsWith("TCP  " + Lab.VIP + ":80") && l.split("\\s+")[2]
                .equals(String.valueOf(4 * CLIENTS + ofWorker1.size()))), stats);
            final String conns = adm(socket, "-L", "-n", "-c").out();
            for (final int c : all)
            {
                assertTrue(conns.contains(client(c) + ":"), client(c) + " listed:\n" + conns);
            }

            // A reload reaches both workers: rs3 is gone for every client.
            assertTrue(lab.reloadDirector(config(1, 2)).contains("reloaded"), lab.directorLog());
            final Map<Integer, String> afterReload = round(lab, all);
            assertFalse(afterReload.containsValue("rs3"), "no client on a removed server: " + afterReload);
            assertFalse(afterReload.containsValue("(none)"), afterReload.toString());

            // So does an edit: rs2 deleted, everyone on rs1.
            assertEquals(0, adm(socket, "-d", "-t", Lab.VIP + ":80", "-r", Lab.rs(2) + ":80").exit());
            assertEquals(Set.of("rs1"), new HashSet<>(round(lab, all).values()));

            final String log = lab.stopDirector();
            assertTrue(log.contains(" 0 dropped"), log);
            assertTrue(log.contains("fanout over 2 workers"), log);
        }
    }

    /**
     * VRRP's gate is worker 0's to set and every worker's to obey: in FAULT (a track_file turns non-zero) no
     * worker forwards, whichever clients it has; back to MASTER, all do again.
     */
    @Test
    void theVrrpGateShouldHoldOnEveryWorker() throws Exception
    {
        try (Lab lab = new Lab(Lab.Mode.NAT, 1, work, JAR))
        {
            final List<Integer> all = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++)
            {
                lab.ns().sh("client", "ip addr add " + client(c) + "/24 dev eth0");
                all.add(c);
            }
            final Path gate = work.resolve("gate");
            Files.writeString(gate, "0\n");
            lab.startDirector("vrrp_track_file gate {\n file \"" + gate + "\"\n}\n" +
                "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n advert_int 1\n" +
                " virtual_ipaddress {\n  " + Lab.VIP + "\n }\n track_file {\n  gate weight 0\n }\n}\n" + config(1),
                List.of("--workers", "2", "--metrics", "198.19.0.2:9742"));
            lab.awaitLog("-> MASTER", 10_000);
            assertEquals(Set.of("rs1"), new HashSet<>(round(lab, all).values()), "MASTER: every client served");

            Files.writeString(gate, "1\n");
            lab.awaitLog("-> FAULT", 10_000);
            Thread.sleep(200);
            assertEquals(Set.of("(none)"), new HashSet<>(round(lab, all, 1).values()), "FAULT: no worker forwards");
            final String m = lab.ns().sh("director", "curl -s --max-time 5 http://198.19.0.2:9742/metrics");
            assertTrue(m.contains("jvs_drops_total{reason=\"standby\"}") &&
                !m.contains("jvs_drops_total{reason=\"standby\"} 0\n"), m);

            Files.writeString(gate, "0\n");
            final long masters = lab.directorLog().lines().filter(l -> l.contains("-> MASTER")).count();
            for (int t = 0; t < 100 && lab.directorLog().lines().filter(l -> l.contains("-> MASTER")).count() == masters; t++)
            {
                Thread.sleep(100);
            }
            assertEquals(Set.of("rs1"), new HashSet<>(round(lab, all).values()), "MASTER again: every client served");
            lab.stopDirector();
        }
    }

    /**
     * lc over three servers: two slow downloads from clients of worker 0 take rs3 and rs2 (the list's head
     * first); a request from a client of worker 1 then goes to rs1, because worker 1 counts worker 0's
     * connections too, as IPVS's one counter per real server does.
     */
    @Test
    void leastConnectionShouldCountEveryWorkersConnections() throws Exception
    {
        try (Lab lab = new Lab(Lab.Mode.NAT, 3, work, JAR))
        {
            final List<String> w0 = new ArrayList<>();
            String w1 = null;
            for (int c = 0; c < CLIENTS && (w0.size() < 2 || null == w1); c++)
            {
                lab.ns().sh("client", "ip addr add " + client(c) + "/24 dev eth0");
                if (0 == Fanout.worker(Ipv4.parse(client(c)), -1, 2))
                {
                    w0.add(client(c));
                }
                else if (null == w1)
                {
                    w1 = client(c);
                }
            }
            lab.startDirector(config(1, 2, 3).replace("lb_algo rr", "lb_algo lc").replace(
                " persistence_timeout 300\n", ""), List.of("--workers", "2"));
            for (final String c : w0.subList(0, 2))
            {
                lab.ns().spawn("client", List.of("curl", "-s", "-o", "/dev/null", "--max-time", "4", "--limit-rate",
                    "20k", "--interface", c, "http://" + Lab.VIP + "/big.bin"), work.resolve("slow-" + c + ".log"));
                Thread.sleep(300);
            }
            Thread.sleep(300);
            assertEquals("rs1", lab.ns().sh("client", "curl -s --max-time 5 --interface " + w1 + " http://" + Lab.VIP +
                "/").trim(), "worker 1 sees rs3 and rs2 busy with worker 0's downloads");
            Thread.sleep(4000);
            assertTrue(lab.stopDirector().contains(" 0 dropped"), lab.directorLog());
        }
    }
}
