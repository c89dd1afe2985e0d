package dev.jvs.testbed;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two jvs directors, VRRP between them and connection sync from master to backup: long-lived TCP streams
 * through the VIP survive the master's crash (SIGKILL) in NAT, DR and TUN. Every stream completes without a
 * reset and byte for byte (MD5 of what arrived equals the file's), and persistence keeps the client on its
 * real server across the failover.
 */
@Timeout(180)
class FailoverLabTest extends LabTest
{
    private static final int STREAMS = 4;

    static String config(final Lab.Mode mode, final int priority, final Path notify)
    {
        final String kind = switch (mode)
        {
            case NAT -> "NAT";
            case DR -> "DR";
            case TUN -> "TUN";
        };
        return "global_defs {\n  router_id jvs-" + priority + "\n  lvs_sync_daemon eth0 VI_1 id 7\n}\n" +
            "vrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 51\n  priority " + priority +
            "\n  advert_int 1\n  notify_master \"/bin/sh -c 'echo master >> " + notify + "'\"\n  notify \"/bin/sh -c " +
            "'echo $0 $1 $2 $3 >> " + notify + "'\"\n  authentication {\n    auth_type PASS\n    auth_pass jvs\n  }\n" +
            "  virtual_ipaddress {\n    " + Lab.VIP + "\n" +
            (Lab.Mode.NAT == mode ? "    198.19.0.1/24\n    198.18.0.1/24\n" : "") + "  }\n}\n" +
            "virtual_server " + Lab.VIP + " 80 {\n  lb_algo rr\n  lb_kind " + kind + "\n  protocol TCP\n" +
            "  persistence_timeout 120\n  real_server " + Lab.rs(1) + " 80\n  real_server " + Lab.rs(2) + " 80\n}\n";
    }

    @ParameterizedTest
    @EnumSource(Lab.Mode.class)
    void streamsShouldSurviveTheMastersCrash(final Lab.Mode mode) throws Exception
    {
        failover(mode, 1);
    }

    /**
     * Both directors with two workers: the streams come from four client addresses, two for each worker;
     * each worker syncs its own clients, and the backup's worker 0 hands every message to the others.
     */
    @ParameterizedTest
    @EnumSource(value = Lab.Mode.class, names = {"NAT", "DR"})
    void streamsShouldSurviveTheMastersCrashWithTwoWorkersEach(final Lab.Mode mode) throws Exception
    {
        failover(mode, 2);
    }

    /** Four client addresses (beside the client's own), two of them on each of two workers. */
    private static List<String> clients(final Lab.Mode mode)
    {
        final String net = Lab.Mode.NAT == mode ? "198.18.0." : "198.19.0.";
        final List<String> w0 = new java.util.ArrayList<>();
        final List<String> w1 = new java.util.ArrayList<>();
        for (int h = 20; h < 60 && (w0.size() < 2 || w1.size() < 2); h++)
        {
            final String a = net + h;
            (0 == dev.jvs.engine.io.Fanout.worker(dev.jvs.engine.frame.Ipv4.parse(a), -1, 2) ? w0 : w1).add(a);
        }
        return List.of(w0.get(0), w0.get(1), w1.get(0), w1.get(1));
    }

    private void failover(final Lab.Mode mode, final int workers) throws Exception
    {
        try (Lab lab = new Lab(mode, 2, work, JAR, false, true))
        {
            final List<String> opts = List.of("--workers", String.valueOf(workers));
            final Path log1 = lab.startDirectorOn("director", config(mode, 150, work.resolve("notify1")), opts);
            final Path log2 = lab.startDirectorOn("director2", config(mode, 100, work.resolve("notify2")),
                List.of("--metrics", "198.19.0.3:9742", "--workers", String.valueOf(workers)));
            final List<String> from = workers > 1 ? clients(mode) : List.of();
            for (final String a : from)
            {
                lab.ns().sh("client", "ip addr add " + a + "/24 dev eth0");
            }
            assertTrue(await(log1, "-> MASTER", 8000), Files.readString(log1));
            final Path data = work.resolve("stream.bin");
            lab.ns().sh("client", "head -c 4194304 /dev/urandom > " + data);
            for (int i = 1; i <= 2; i++)
            {
                Files.copy(data, work.resolve("rs" + i).resolve("stream.bin"));
            }
            final String md5 = lab.ns().sh("client", "md5sum < " + data).split(" ")[0];
            // Small socket buffers keep each stream on the wire for its whole life: with Linux's defaults the
            // client's kernel would take the 4 MiB at once (veth is fast) and curl's rate limit would only slow
            // its reading, so a "stream" could be over, FIN and all, before the crash.
            lab.ns().sh("client", "sysctl -qw net.ipv4.tcp_rmem='4096 32768 65536'");
            for (int i = 1; i <= 2; i++)
            {
                lab.ns().sh("rs" + i, "sysctl -qw net.ipv4.tcp_wmem='4096 16384 65536'");
            }
            final String before = lab.get("/").trim();
            assertTrue(before.startsWith("rs"), before);

            final Path out = work.resolve("out");
            Files.createDirectories(out);
            final StringBuilder cmd = new StringBuilder();
            for (int i = 0; i < STREAMS; i++)
            {
                cmd.append("(curl -f -s -S --max-time 90 --limit-rate 350k ")
                    .append(from.isEmpty() ? "" : "--interface " + from.get(i) + " ").append("-o ").append(out).append("/s").append(i)
                    .append(" http://").append(Lab.VIP).append("/stream.bin; echo $? > ").append(out).append("/s")
                    .append(i).append(".rc) & ");
            }
            lab.ns().spawn("client", List.of("sh", "-c", cmd + "wait"), work.resolve("curl.log"));
            Thread.sleep(3000);
            final Netns.Result synced = Netns.run(List.of("java", "-jar", JAR.toString(), "adm", "--socket",
                work.resolve("director2.sock").toString(), "-L", "-n", "-c"), 30);
            final long onBackup = synced.out().lines().filter(l -> l.contains("ESTABLISHED")).count();
            final String onMaster = onBackup >= STREAMS ? "" : Netns.run(List.of("java", "-jar", JAR.toString(), "adm",
                "--socket", work.resolve("director.sock").toString(), "-L", "-n", "-c"), 30).out() + "\nclient: " +
                lab.ns().shAllowFail("client", "ss -tn", 5).out() + "\nrs: " +
                lab.ns().shAllowFail("rs1", "ss -tn", 5).out() + lab.ns().shAllowFail("rs2", "ss -tn", 5).out();
            assertTrue(onBackup >= STREAMS, "the backup holds the streams before the crash:\n" + synced + "\nmaster: " +
                onMaster + "\n" +
                Files.readString(log2) + "\n" + Files.readString(log1) + "\ncurl: " +
                Files.readString(work.resolve("curl.log")) + rcs(out));

            assertTrue(metrics(lab).contains("jvs_vrrp_state{vrrp_instance=\"VI_1\"} 1\n"), "BACKUP in the metrics");
            // As ipvsadm 1.31 lists the kernel's backup daemon: maxlen from a 1500 MTU, the group, port, TTL.
            final String daemon = "backup sync daemon (mcast=eth0, syncid=7, maxlen=1472, group=224.0.0.81, " +
                "port=8848, ttl=1)\n";
            assertEquals(daemon, Netns.run(List.of("java", "-jar", JAR.toString(), "adm", "--socket",
                work.resolve("director2.sock").toString(), "-L", "--daemon"), 30).out(), "ipvsadm -L --daemon");
            final long crashAt = System.currentTimeMillis();
            lab.crashDirector("director");
            final String takeover = awaitLine(log2, "BACKUP -> MASTER", 10_000);
            assertNotNull(takeover, Files.readString(log2));
            for (int i = 0; i < STREAMS; i++)
            {
                final Path rc = out.resolve("s" + i + ".rc");
                for (int t = 0; t < 1200 && !(Files.exists(rc) && !Files.readString(rc).isBlank()); t++)
                {
                    Thread.sleep(100);
                }
                assertEquals("0", Files.readString(rc).trim(), "stream " + i + " ended without error (no reset): " +
                    Files.readString(work.resolve("curl.log")) + "\n" + Files.readString(log2));
                assertEquals(4194304L, Files.size(out.resolve("s" + i)), "stream " + i + ": no byte lost");
                assertEquals(md5, lab.ns().sh("client", "md5sum < " + out.resolve("s" + i)).split(" ")[0],
                    "stream " + i + ": every byte as sent");
            }
            final long streamsDone = System.currentTimeMillis();
            assertEquals("INSTANCE VI_1 BACKUP 100\nmaster\nINSTANCE VI_1 MASTER 100\n",
                Files.readString(work.resolve("notify2")), "notify_backup, notify_master and notify, in order");
            final String m = metrics(lab);
            assertTrue(m.contains("jvs_vrrp_state{vrrp_instance=\"VI_1\"} 2\n"), "MASTER in the metrics:\n" + m);
            assertTrue(m.contains("jvs_vrrp_events_total{vrrp_instance=\"VI_1\",event=\"become_master\"} 1\n"), m);
            assertEquals(before, lab.get("/").trim(), "persistence survives the failover");
            lab.stopDirectorOn("director2");
            final String log = Files.readString(log2);
            assertTrue(log.contains("entries installed"), log);
            if (workers > 1)
            {
                assertTrue(log.contains("worker 1: connection sync:") && !log.contains("(0 entries installed"), log);
            }
            System.out.printf(Locale.ROOT, "%s failover, %d worker(s): %d streams of 4 MiB intact; backup held %d " +
                "entries; takeover logged: %s; streams done %.1f s after the crash%n", mode, workers, STREAMS,
                onBackup, takeover, (streamsDone - crashAt) / 1000.0);
        }
    }

    /**
     * The same over IPv6, DR: VRRPv3 over IPv6 between the directors (ff02::12 from their link-local
     * addresses), the connections synced in ip_vs_sync_v6's layout, and the client's neighbour entry for the
     * VIP moved by the new master's unsolicited neighbour advertisement: four downloads survive the crash.
     */
    @org.junit.jupiter.api.Test
    void ipv6StreamsShouldSurviveTheMastersCrash() throws Exception
    {
        try (Lab lab = new Lab(Lab.Mode.DR, 2, work, JAR, false, true))
        {
            lab.ns().sh("director", "ip -6 addr add 2001:2::2/64 dev eth0 nodad");
            lab.ns().sh("director2", "ip -6 addr add 2001:2::3/64 dev eth0 nodad");
            lab.ns().sh("client", "ip -6 addr add 2001:2::5/64 dev eth0 nodad && " +
                "sysctl -qw net.ipv4.tcp_rmem='4096 32768 65536'");
            final Path data = work.resolve("stream.bin");
            lab.ns().sh("client", "head -c 4194304 /dev/urandom > " + data);
            final String md5 = lab.ns().sh("client", "md5sum < " + data).split(" ")[0];
            for (int i = 1; i <= 2; i++)
            {
                Files.copy(data, work.resolve("rs" + i).resolve("stream.bin"));
                lab.ns().sh("rs" + i, "ip -6 addr add 2001:2::1" + i + "/64 dev eth0 nodad && " +
                    "ip -6 addr add 2001:2::80/128 dev lo && sysctl -qw net.ipv4.tcp_wmem='4096 16384 65536'");
                lab.ns().spawn("rs" + i, List.of("timeout", "150", "/usr/bin/python3", "-m", "http.server", "8080",
                    "--bind", "::", "--directory", work.resolve("rs" + i).toString()), work.resolve("rs" + i + "-6.log"));
            }
            final java.util.function.IntFunction<String> conf = priority -> "global_defs {\n  lvs_sync_daemon eth0 " +
                "VI_6 id 7\n}\nvrrp_instance VI_6 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 61\n" +
                "  priority " + priority + "\n  advert_int 1\n  virtual_ipaddress {\n    2001:2::80\n  }\n}\n" +
                "virtual_server 2001:2::80 8080 {\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n" +
                "  persistence_timeout 120\n  real_server 2001:2::11 8080\n  real_server 2001:2::12 8080\n}\n";
            final Path log1 = lab.startDirectorOn("director", conf.apply(150), List.of());
            final Path log2 = lab.startDirectorOn("director2", conf.apply(100), List.of());
            assertTrue(await(log1, "VI_6: BACKUP -> MASTER", 8000), Files.readString(log1));
            for (int i = 1; i <= 2; i++)
            {
                for (int t = 0; t < 50 && 0 != lab.ns().shAllowFail("rs" + i, "curl -g -s -o /dev/null --max-time 1 " +
                    "'http://[2001:2::1" + i + "]:8080/'", 5).exit(); t++)
                {
                    Thread.sleep(100);
                }
            }
            final Path out = work.resolve("out6");
            Files.createDirectories(out);
            final StringBuilder cmd = new StringBuilder();
            for (int i = 0; i < STREAMS; i++)
            {
                cmd.append("(curl -g -f -s -S --max-time 90 --limit-rate 350k -o ").append(out).append("/s").append(i)
                    .append(" 'http://[2001:2::80]:8080/stream.bin'; echo $? > ").append(out).append("/s").append(i)
                    .append(".rc) & ");
            }
            lab.ns().spawn("client", List.of("sh", "-c", cmd + "wait"), work.resolve("curl6.log"));
            Thread.sleep(3000);
            final String synced = Netns.run(List.of("java", "-jar", JAR.toString(), "adm", "--socket",
                work.resolve("director2.sock").toString(), "-L", "-n", "-c"), 30).out();
            assertTrue(synced.lines().filter(l -> l.contains("ESTABLISHED") && l.contains("[2001:2::5]:")).count() >=
                STREAMS, "the backup holds the IPv6 streams before the crash:\n" + synced + Files.readString(log2));
            lab.crashDirector("director");
            assertNotNull(awaitLine(log2, "VI_6: BACKUP -> MASTER", 10_000), Files.readString(log2));
            for (int i = 0; i < STREAMS; i++)
            {
                final Path rc = out.resolve("s" + i + ".rc");
                for (int t = 0; t < 1200 && !(Files.exists(rc) && !Files.readString(rc).isBlank()); t++)
                {
                    Thread.sleep(100);
                }
                assertEquals("0", Files.readString(rc).trim(), "stream " + i + " ended without error: " +
                    Files.readString(work.resolve("curl6.log")) + "\n" + Files.readString(log2));
                assertEquals(md5, lab.ns().sh("client", "md5sum < " + out.resolve("s" + i)).split(" ")[0],
                    "stream " + i + ": every byte as sent");
            }
            final String neigh = lab.ns().sh("client", "ip -6 neigh show 2001:2::80 dev eth0");
            final String mac2 = lab.ns().sh("director2", "cat /sys/class/net/eth0/address").trim();
            assertTrue(neigh.contains("lladdr " + mac2), "the client's entry moved to director2: " + neigh);
            lab.stopDirectorOn("director2");
            assertTrue(Files.readString(log2).contains("entries installed"), Files.readString(log2));
        }
    }

    /**
     * Active-active, as keepalived users run it: two instances with opposite priorities, each director master
     * of one VIP. Each forwards only its own VIP's traffic; when one dies the other serves both.
     */
    @org.junit.jupiter.api.Test
    void activeActiveDirectorsShouldEachServeTheirOwnVip() throws Exception
    {
        final String vip2 = "198.19.0.81";
        try (Lab lab = new Lab(Lab.Mode.DR, 2, work, JAR, false, true))
        {
            for (int i = 1; i <= 2; i++)
            {
                lab.ns().sh("rs" + i, "ip addr add " + vip2 + "/32 dev lo");
            }
            final Path log1 = lab.startDirectorOn("director", activeActive(150, 100), List.of());
            final Path log2 = lab.startDirectorOn("director2", activeActive(100, 150), List.of());
            assertTrue(await(log1, "VI_1: BACKUP -> MASTER", 8000), Files.readString(log1));
            assertTrue(await(log2, "VI_2: BACKUP -> MASTER", 8000), Files.readString(log2));
            for (int i = 0; i < 4; i++)
            {
                assertTrue(lab.get("/").startsWith("rs"));
                assertTrue(lab.ns().sh("client", "curl -s -S --max-time 5 http://" + vip2 + "/").startsWith("rs"));
            }
            assertEquals(List.of(4L, 0L), conns(work.resolve("director.sock"), Lab.VIP, vip2), "director: VIP 1 only");
            assertEquals(List.of(0L, 4L), conns(work.resolve("director2.sock"), Lab.VIP, vip2),
                "director2: VIP 2 only");
            lab.crashDirector("director");
            assertTrue(await(log2, "VI_1: BACKUP -> MASTER", 8000), Files.readString(log2));
            assertTrue(lab.get("/").startsWith("rs"), "director2 serves both now");
            assertTrue(lab.ns().sh("client", "curl -s -S --max-time 5 http://" + vip2 + "/").startsWith("rs"));
        }
    }

    /**
     * use_vmac: the VIP answers ARP from the virtual router MAC 00:00:5e:00:01:33 (VRID 51), the master's
     * adverts and gratuitous ARP come from it, so the client's ARP entry never changes; on takeover the
     * bridge learns the MAC on the new master's port from its gratuitous ARP.
     */
    @org.junit.jupiter.api.Test
    void useVmacShouldKeepTheClientsArpEntryAcrossAFailover() throws Exception
    {
        final String vmac = "00:00:5e:00:01:33";
        try (Lab lab = new Lab(Lab.Mode.DR, 2, work, JAR, false, true))
        {
            final java.util.function.IntFunction<String> conf = p -> "vrrp_instance VI_1 {\n  interface eth0\n" +
                "  virtual_router_id 51\n  priority " + p + "\n  advert_int 1\n  use_vmac\n" +
                "  virtual_ipaddress {\n    " + Lab.VIP + "\n  }\n}\nvirtual_server " + Lab.VIP + " 80 {\n" +
                "  lb_algo rr\n  lb_kind DR\n  protocol TCP\n  real_server " + Lab.rs(1) + " 80\n  real_server " + Lab.rs(2) +
                " 80\n}\n";
            final Path log1 = lab.startDirectorOn("director", conf.apply(150), List.of());
            final Path log2 = lab.startDirectorOn("director2", conf.apply(100), List.of());
            assertTrue(await(log1, "-> MASTER", 8000), Files.readString(log1));
            assertTrue(Files.readString(log1).contains("use_vmac, virtual MAC " + vmac), Files.readString(log1));
            assertTrue(lab.get("/").startsWith("rs"));
            assertTrue(lab.ns().sh("client", "ip neigh show " + Lab.VIP + " dev eth0").contains(vmac),
                "the VIP's MAC is the virtual router's");
            assertTrue(lab.ns().sh("lan", "bridge fdb show br br0").lines()
                .anyMatch(l -> l.startsWith(vmac) && l.contains("dev v-director ")), "the bridge learnt it on the master");
            lab.crashDirector("director");
            assertTrue(await(log2, "BACKUP -> MASTER", 8000), Files.readString(log2));
            Thread.sleep(300);
            for (int i = 0; i < 4; i++)
            {
                assertTrue(lab.get("/").startsWith("rs"), "served by the new master through the same MAC");
            }
            assertTrue(lab.ns().sh("client", "ip neigh show " + Lab.VIP + " dev eth0").contains(vmac));
            final String fdb = lab.ns().sh("lan", "bridge fdb show br br0");
            assertTrue(fdb.lines().anyMatch(l -> l.startsWith(vmac) && l.contains("dev v-director2 ")),
                "the new master's gratuitous ARP moved it:\n" + fdb);
        }
    }

    private static String activeActive(final int p1, final int p2)
    {
        final StringBuilder b = new StringBuilder();
        final String[] vips = {Lab.VIP, "198.19.0.81"};
        final int[] prio = {p1, p2};
        for (int i = 0; i < 2; i++)
        {
            b.append("vrrp_instance VI_").append(i + 1).append(" {\n  interface eth0\n  virtual_router_id ")
                .append(51 + i).append("\n  priority ").append(prio[i]).append("\n  advert_int 1\n")
                .append("  virtual_ipaddress {\n    ").append(vips[i]).append("\n  }\n}\n");
            b.append("virtual_server ").append(vips[i]).append(" 80 {\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n  real_server ")
                .append(Lab.rs(1)).append(" 80\n  real_server ").append(Lab.rs(2)).append(" 80\n}\n");
        }
        return b.toString();
    }

    /** Connections scheduled per service, from jvs adm -L -n --stats --exact. */
    private static List<Long> conns(final Path socket, final String... vips) throws Exception
    {
        final String out = Netns.run(List.of("java", "-jar", JAR.toString(), "adm", "--socket", socket.toString(), "-L",
            "-n", "--stats", "--exact"), 30).out();
        final List<Long> n = new java.util.ArrayList<>();
        for (final String v : vips)
        {
            n.add(out.lines().filter(l -> l.startsWith("TCP  " + v + ":80")).map(l -> Long.parseLong(
                l.substring(33).trim().split(" +")[0])).findFirst().orElseThrow(() -> new AssertionError(out)));
        }
        return n;
    }

    private static String metrics(final Lab lab) throws Exception
    {
        return lab.ns().sh("director2", "curl -s --max-time 5 http://198.19.0.3:9742/metrics");
    }

    private static String rcs(final Path out) throws java.io.IOException
    {
        final StringBuilder b = new StringBuilder();
        for (int i = 0; i < STREAMS; i++)
        {
            final Path rc = out.resolve("s" + i + ".rc");
            b.append(" s").append(i).append('=').append(Files.exists(rc) ? Files.readString(rc).trim() : "running");
        }
        return b.toString();
    }

    private static boolean await(final Path log, final String text, final long ms) throws Exception
    {
        return null != awaitLine(log, text, ms);
    }

    private static String awaitLine(final Path log, final String text, final long ms) throws Exception
    {
        final long end = System.currentTimeMillis() + ms;
        while (System.currentTimeMillis() < end)
        {
            for (final String l : Files.readAllLines(log))
            {
                if (l.contains(text))
                {
                    return l;
                }
            }
            Thread.sleep(50);
        }
        return null;
    }
}
