package dev.jvs.testbed;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code make demo}: the testbed in NAT, then DR, then TUN, the same keepalived.conf style a user would write,
 * real HTTP requests through the VIP, per-real-server counts and the director's own statistics; then two
 * directors with VRRP and connection sync, the master killed under load. Everything is torn down at the
 * end, also on failure.
 */
public final class Demo
{
    private Demo()
    {
    }

    static String config(final Lab.Mode mode)
    {
        return """
            ! jvs demo: three web servers behind one VIP, weights 3:2:1, checked every second
            virtual_server 198.19.0.80 80 {
                delay_loop 1
                lb_algo wrr
                lb_kind %s
                protocol TCP
                real_server 198.19.0.11 80 {
                    weight 3
                    TCP_CHECK { connect_timeout 1 }
                }
                real_server 198.19.0.12 80 {
                    weight 2
                    TCP_CHECK { connect_timeout 1 }
                }
                real_server 198.19.0.13 80 {
                    weight 1
                    HTTP_GET {
                        url { path /index.html; status_code 200 }
                        connect_timeout 1
                        retry 1
                        delay_before_retry 1
                    }
                }
            }
            """.formatted(mode).replace("; ", "\n");
    }

    /** Two directors (VRRP and connection sync), DR; the master killed in the middle of four downloads. */
    static String haConfig(final int priority)
    {
        return """
            ! jvs demo: two directors, VRRP and connection sync
            global_defs {
                router_id jvs-%d
                lvs_sync_daemon eth0 VI_1
            }
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                priority %d
                advert_int 1
                authentication {
                    auth_type PASS
                    auth_pass demo
                }
                virtual_ipaddress {
                    198.19.0.80
                }
            }
            virtual_server 198.19.0.80 80 {
                lb_algo rr
                lb_kind DR
                protocol TCP
                real_server 198.19.0.11 80
                real_server 198.19.0.12 80
            }
            """.formatted(priority, priority);
    }

    /** Two forwarding threads: clients spread over them by the fanout program, each client kept on one. */
    private static int workers(final Path jar, final Path work) throws Exception
    {
        System.out.println();
        System.out.println("== WORKERS: NAT with --workers 2: eight client addresses (198.18.0.20-27), spread over " +
            "two forwarding threads by a PACKET_FANOUT BPF program that keys on the client");
        try (Lab lab = new Lab(Lab.Mode.NAT, 3, work, jar))
        {
            final StringBuilder sh = new StringBuilder();
            for (int c = 20; c < 28; c++)
            {
                lab.ns().sh("client", "ip addr add 198.18.0." + c + "/24 dev eth0");
                for (int r = 0; r < 5; r++)
                {
                    sh.append("curl -s --max-time 5 --interface 198.18.0.").append(c)
                        .append(" http://198.19.0.80/ || echo ERROR; ");
                }
            }
            lab.startDirector(config(Lab.Mode.NAT), List.of("--workers", "2", "--control", "none", "--metrics",
                "198.19.0.2:9742"));
            final Map<String, Integer> counts = new java.util.TreeMap<>();
            lab.ns().sh("client", sh.toString()).lines().forEach(l -> counts.merge(l.trim(), 1, Integer::sum));
            System.out.println("   40 HTTP requests, 5 from each address: " + counts);
            lab.ns().sh("director", "curl -s --max-time 5 http://198.19.0.2:9742/metrics").lines()
                .filter(l -> l.startsWith("jvs_worker_forwarded_total")).forEach(l -> System.out.println("   " + l));
            System.out.println("   director log:");
            for (final String l : lab.stopDirector().split("\n"))
            {
                System.out.println("     " + l);
            }
            if (counts.containsKey("ERROR") || 40 != counts.values().stream().mapToInt(Integer::intValue).sum())
            {
                System.out.println("   UNEXPECTED: every request should be answered");
                return 1;
            }
            return 0;
        }
    }

    private static int failover(final Path jar, final Path work) throws Exception
    {
        System.out.println();
        System.out.println("== HA: director (priority 150) and director2 (100) share VIP 198.19.0.80 by VRRP; the " +
            "master syncs its connections; it is killed (SIGKILL) during 4 downloads of 4 MiB");
        try (Lab lab = new Lab(Lab.Mode.DR, 2, work, jar, false, true))
        {
            final Path log1 = lab.startDirectorOn("director", haConfig(150), List.of());
            final Path log2 = lab.startDirectorOn("director2", haConfig(100), List.of());
            for (int t = 0; t < 100 && !Files.readString(log1).contains("-> MASTER"); t++)
            {
                Thread.sleep(100);
            }
            final Path data = work.resolve("stream.bin");
            lab.ns().sh("client", "head -c 4194304 /dev/urandom > " + data + " && sysctl -qw " +
                "net.ipv4.tcp_rmem='4096 32768 65536'");
            for (int i = 1; i <= 2; i++)
            {
                Files.copy(data, work.resolve("rs" + i).resolve("stream.bin"));
                lab.ns().sh("rs" + i, "sysctl -qw net.ipv4.tcp_wmem='4096 16384 65536'");
            }
            final String md5 = lab.ns().sh("client", "md5sum < " + data).split(" ")[0];
            final StringBuilder cmd = new StringBuilder();
            for (int i = 0; i < 4; i++)
            {
                cmd.append("(curl -f -s -S --max-time 90 --limit-rate 350k -o ").append(work).append("/s").append(i)
                    .append(" http://198.19.0.80/stream.bin; echo $? > ").append(work).append("/s").append(i)
                    .append(".rc) & ");
            }
            lab.ns().spawn("client", List.of("sh", "-c", cmd + "wait"), work.resolve("curl.log"));
            Thread.sleep(3000);
            final long crash = System.nanoTime();
            lab.crashDirector("director");
            System.out.println("   3 s in: director killed");
            int intact = 0;
            for (int i = 0; i < 4; i++)
            {
                final Path rc = work.resolve("s" + i + ".rc");
                for (int t = 0; t < 1200 && !(Files.exists(rc) && !Files.readString(rc).isBlank()); t++)
                {
                    Thread.sleep(100);
                }
                if ("0".equals(Files.readString(rc).trim()) &&
                    md5.equals(lab.ns().sh("client", "md5sum < " + work.resolve("s" + i)).split(" ")[0]))
                {
                    intact++;
                }
            }
            System.out.printf(java.util.Locale.ROOT, "   %d of 4 downloads complete and intact (MD5), the last %.1f s " +
                "after the crash%n", intact, (System.nanoTime() - crash) / 1e9);
            lab.stopDirectorOn("director2");
            System.out.println("   director2 log:");
            Files.readString(log2).lines().filter(l -> l.contains("VRRP") || l.contains("sync") ||
                l.contains("stopped")).forEach(l -> System.out.println("     " + l));
            if (4 != intact)
            {
                System.out.println("   UNEXPECTED: every download should survive the failover");
                return 1;
            }
            return 0;
        }
    }

    /** The guides' two-armed NAT pair: spread, a dead server taken out, a crash under load, the master back. */
    private static int twoArmed(final Path jar, final Path work) throws Exception
    {
        System.out.println();
        System.out.println("== TWO-ARMED: client --> VIP 198.18.0.80 on eth0 of director|director2 --> eth1 --> rs1..rs3 " +
            "198.19.0.11-13, whose gateway is the floating DIP 198.19.0.254; VI_1 (VIP) and VI_2 (DIP) in sync group " +
            "VG1, connection sync on eth1");
        try (TwoArmedLab lab = new TwoArmedLab(Lab.Mode.NAT, 3, work, jar, true, false))
        {
            final List<String> clients = List.of("198.18.0.20", "198.18.0.21", "198.18.0.22", "198.18.0.23",
                "198.18.0.24", "198.18.0.25");
            for (final String a : clients)
            {
                lab.ns().sh("client", "ip addr add " + a + "/24 dev eth0");
            }
            final Path ld1 = lab.startDirector("director", lab.config("LD1", "MASTER", 150, "wlc", 600), List.of());
            lab.startDirector("director2", lab.config("LD2", "BACKUP", 100, "wlc", 600), List.of());
            final boolean master = null != TwoArmedLab.awaitLog(ld1, "VRRP sync group VG1: MASTER", 10_000);
            System.out.println("   director: " + (master ? "MASTER of VI_1 and VI_2" : "NOT MASTER"));
            final Map<String, Integer> spread = new java.util.TreeMap<>();
            for (final String a : clients)
            {
                spread.merge(lab.get(a), 1, Integer::sum);
            }
            System.out.println("   six clients (wlc, persistence 600 s): " + spread);
            lab.stopWebServer(3);
            final String down = TwoArmedLab.awaitLog(ld1, "198.19.0.13:80 of 198.18.0.80:80 is DOWN", 10_000);
            System.out.println("   rs3's web server stopped: " + (null == down ? "NOT DETECTED" : "TCP_CHECK took it out"));
            final Path data = work.resolve("stream.bin");
            lab.ns().sh("client", "head -c 4194304 /dev/urandom > " + data + " && sysctl -qw " +
                "net.ipv4.tcp_rmem='4096 32768 65536'");
            for (int i = 1; i <= 2; i++)
            {
                Files.copy(data, work.resolve("rs" + i).resolve("stream.bin"));
                lab.ns().sh("rs" + i, "sysctl -qw net.ipv4.tcp_wmem='4096 16384 65536'");
            }
            final String md5 = lab.ns().sh("client", "md5sum < " + data).split(" ")[0];
            final StringBuilder cmd = new StringBuilder();
            for (int i = 0; i < 4; i++)
            {
                cmd.append("(curl -f -s -S --max-time 90 --limit-rate 350k --interface ").append(clients.get(i))
                    .append(" -o ").append(work).append("/s").append(i).append(" http://").append(TwoArmedLab.VIP)
                    .append("/stream.bin; echo $? > ").append(work).append("/s").append(i).append(".rc) & ");
            }
            lab.ns().spawn("client", List.of("sh", "-c", cmd + "wait"), work.resolve("curl.log"));
            Thread.sleep(3000);
            final long crash = System.nanoTime();
            lab.crashDirector("director");
            System.out.println("   3 s into four 4 MiB downloads: director killed (SIGKILL)");
            int intact = 0;
            for (int i = 0; i < 4; i++)
            {
                final Path rc = work.resolve("s" + i + ".rc");
                for (int t = 0; t < 1200 && !(Files.exists(rc) && !Files.readString(rc).isBlank()); t++)
                {
                    Thread.sleep(100);
                }
                if ("0".equals(Files.readString(rc).trim()) &&
                    md5.equals(lab.ns().sh("client", "md5sum < " + work.resolve("s" + i)).split(" ")[0]))
                {
                    intact++;
                }
            }
            System.out.printf(java.util.Locale.ROOT, "   %d of 4 downloads complete and intact (MD5), the last %.1f s " +
                "after the crash; director2 took both VIP and DIP%n", intact, (System.nanoTime() - crash) / 1e9);
            final Path back = lab.startDirector("director", lab.config("LD1", "MASTER", 150, "wlc", 600), List.of());
            final boolean preempted = null != TwoArmedLab.awaitLog(back, "VRRP sync group VG1: MASTER", 12_000);
            System.out.println("   director restarted: " + (preempted ? "preempted VI_1 and VI_2 together" :
                "DID NOT PREEMPT") + "; a request now answered by " + lab.get(clients.get(5)));
            if (!master || null == down || 4 != intact || !preempted || spread.size() < 2)
            {
                System.out.println("   UNEXPECTED: see above");
                return 1;
            }
            return 0;
        }
    }

    private static int scaleOut(final Path jar, final Path work) throws Exception
    {
        System.out.println();
        System.out.println("== SCALE-OUT: client --> router (BIRD, ECMP by L4 hash) --> d1|d2|d3 (jvs DR, mh-sorted, " +
            "sloppy_tcp, each announcing VIP 198.18.1.80 through its BIRD) --> rs1|rs2");
        try (ScaleOutLab lab = new ScaleOutLab(3, 2, work, jar))
        {
            final String conf = "virtual_server 198.18.1.80 80 {\n lb_algo mh\n mh-sorted\n mh-port\n lb_kind DR\n" +
                " protocol TCP\n real_server 198.19.0.11 80 {\n  weight 1\n }\n real_server 198.19.0.12 80 {\n" +
                "  weight 1\n }\n}\n";
            for (int d = 1; d <= 3; d++)
            {
                lab.startDirector(d, conf, List.of("--vs-sysctl", "sloppy_tcp=1"));
            }
            final long up = lab.awaitNextHops(3, 30_000);
            System.out.println("   router's route to the VIP: " + lab.nextHops().size() + " next hops " + lab.nextHops());
            Files.write(work.resolve("rs1/flow.bin"), new byte[1 << 20]);
            Files.write(work.resolve("rs2/flow.bin"), new byte[1 << 20]);
            final Path out = work.resolve("flows.txt");
            final Process p = lab.ns().spawn("client", List.of("sh", "-c", "for i in $(seq 1 60); do curl -s " +
                "-o /dev/null --limit-rate 64k --max-time 60 -w '%{http_code} %{size_download}\\n' http://" +
                ScaleOutLab.VIP + "/flow.bin >> " + out + " & done; wait"), work.resolve("flows.log"));
            Thread.sleep(5000);
            Netns.crash(lab.process(3));
            final long gone = lab.awaitNextHops(2, 10_000);
            System.out.println("   60 downloads of 1 MiB at 64 KiB/s; 5 s in, d3 killed (SIGKILL): its route withdrawn " +
                "in " + gone + " ms");
            p.waitFor();
            final long ok = Files.readAllLines(out).stream().filter(l -> l.equals("200 1048576")).count();
            System.out.println("   " + ok + " of 60 downloads complete: the flows ECMP moved off d3 were picked up by " +
                "d1 and d2 (sloppy_tcp) and sent to the same real server (mh-sorted)");
            if (up < 0 || gone < 0 || ok != 60)
            {
                System.out.println("   UNEXPECTED: see above");
                return 1;
            }
            return 0;
        }
    }

    /** IPv6 DR: the same web servers over 2001:2::/64, the director answering neighbour solicitations for the VIP. */
    private static int ipv6(final Path jar, final Path work) throws Exception
    {
        System.out.println();
        System.out.println("== IPv6: client 2001:2::5 --> VIP [2001:2::80]:8080 (the director answers neighbour " +
            "solicitations) --> rs1..rs3 2001:2::11-13 by MAC; replies go straight to the client");
        try (Lab lab = new Lab(Lab.Mode.DR, 3, work, jar))
        {
            lab.ns().sh("director", "ip -6 addr add 2001:2::2/64 dev eth0 nodad");
            lab.ns().sh("client", "ip -6 addr add 2001:2::5/64 dev eth0 nodad");
            final StringBuilder conf = new StringBuilder("virtual_server 2001:2::80 8080 {\n lb_algo wrr\n" +
                " lb_kind DR\n protocol TCP\n");
            for (int i = 1; i <= 3; i++)
            {
                lab.ns().sh("rs" + i, "ip -6 addr add 2001:2::1" + i + "/64 dev eth0 nodad && " +
                    "ip -6 addr add 2001:2::80/128 dev lo");
                lab.ns().spawn("rs" + i, List.of("timeout", "300", "/usr/bin/python3", "-m", "http.server", "8080",
                    "--bind", "::", "--directory", work.resolve("rs" + i).toString()), work.resolve("rs" + i + "-6.log"));
                conf.append(" real_server 2001:2::1").append(i).append(" 8080 {\n  weight ").append(4 - i)
                    .append("\n }\n");
                for (int t = 0; t < 50 && 0 != lab.ns().shAllowFail("rs" + i, "curl -g -s -o /dev/null --max-time 1 " +
                    "'http://[2001:2::1" + i + "]:8080/'", 5).exit(); t++)
                {
                    Thread.sleep(100);
                }
            }
            final Path sock = work.resolve("jvs-ipv6.sock");
            lab.startDirector(conf.append("}\n").toString(), List.of("--control", sock.toString()));
            final Map<String, Integer> counts = new java.util.TreeMap<>();
            for (int i = 0; i < 60; i++)
            {
                final Netns.Result r = lab.ns().shAllowFail("client", "curl -g -s --max-time 5 " +
                    "'http://[2001:2::80]:8080/'", 10);
                counts.merge(0 == r.exit() ? r.out().strip() : "errors", 1, Integer::sum);
            }
            System.out.println("   60 HTTP requests over IPv6 (one connection each): " + counts);
            System.out.println("   jvs adm -L -n:");
            adm(jar, sock).lines().forEach(l -> System.out.println("     " + l));
            lab.stopDirector();
            if (!Map.of("rs1", 30, "rs2", 20, "rs3", 10).equals(counts))
            {
                System.out.println("   UNEXPECTED: wrr 3:2:1 over 60 connections gives rs1=30 rs2=20 rs3=10");
                return 1;
            }
            return 0;
        }
    }

    private static String adm(final Path jar, final Path sock) throws Exception
    {
        return Netns.run(List.of("java", "-jar", jar.toString(), "adm", "--socket", sock.toString(), "-L", "-n"), 30)
            .out();
    }

    /**
     * @param args the jvs jar.
     * @throws Exception on failure (exit status 1).
     */
    public static void main(final String[] args) throws Exception
    {
        final Path jar = Path.of(args.length > 0 ? args[0] : "build/jvs.jar").toAbsolutePath();
        final Path work = Files.createTempDirectory("jvs-demo");
        final String[] topo = {
            "client 198.18.0.5 --(router: the director, 198.18.0.2)--> VIP 198.19.0.80:80 --> rs1..rs3 " +
                "198.19.0.11-13, replies back through the director",
            "client 198.19.0.5 --> VIP 198.19.0.80:80 (the director answers ARP) --> rs1..rs3 by MAC; " +
                "replies go straight to the client",
            "client 198.19.0.5 --> VIP --> IPIP from 198.19.0.2 to rs1..rs3 (decapsulated by jvs realserver tun --userspace); " +
                "replies go straight to the client"};
        int failures = 0;
        for (final Lab.Mode mode : Lab.Mode.values())
        {
            System.out.println();
            System.out.println("== " + mode + ": " + topo[mode.ordinal()]);
            try (Lab lab = new Lab(mode, 3, work.resolve(mode.name()), jar))
            {
                lab.startDirector(config(mode), Lab.Mode.NAT == mode ?
                    List.of("--control", work.resolve("jvs-" + mode + ".sock").toString()) : List.of("--control", "none"));
                final Map<String, Integer> counts = lab.counts(60);
                final StringBuilder line = new StringBuilder("   60 HTTP requests (one connection each):");
                counts.forEach((k, v) -> line.append(' ').append(k.startsWith("ERROR") ? "errors" : k).append('=')
                    .append(v));
                System.out.println(line);
                if (!Map.of("rs1", 30, "rs2", 20, "rs3", 10).equals(counts))
                {
                    failures++;
                    System.out.println("   UNEXPECTED: wrr 3:2:1 over 60 connections gives rs1=30 rs2=20 rs3=10");
                }
                if (Lab.Mode.NAT == mode)
                {
                    final Path sock = work.resolve("jvs-" + mode + ".sock");
                    System.out.println("   jvs adm -L -n:");
                    adm(jar, sock).lines().forEach(l -> System.out.println("     " + l));
                    // rs3's web server stops: HTTP_GET fails, is retried once, and rs3 leaves the service.
                    Netns.run(List.of("sh", "-c", "kill $(ip netns pids " + Netns.name("rs3") + ")"), 5);
                    final long t0 = System.nanoTime();
                    final String down = lab.awaitLog("real server 198.19.0.13:80 of 198.19.0.80:80 is DOWN", 15000);
                    System.out.printf(java.util.Locale.ROOT, "   rs3's web server stopped; %s after %.1f s%n",
                        null == down ? "NOT DETECTED" : "the checker took rs3 out", (System.nanoTime() - t0) / 1e9);
                    lab.awaitLog("health: 0 services added, 0 removed; 0 real servers added, 1 removed", 2000);
                    final Map<String, Integer> after = lab.counts(30);
                    final StringBuilder l2 = new StringBuilder("   30 more requests:");
                    after.forEach((k, v) -> l2.append(' ').append(k.startsWith("ERROR") ? "errors" : k).append('=')
                        .append(v));
                    System.out.println(l2);
                    if (null == down || !Map.of("rs1", 18, "rs2", 12).equals(after))
                    {
                        failures++;
                        System.out.println("   UNEXPECTED: with rs3 out, wrr 3:2 over 30 connections gives rs1=18 rs2=12");
                    }
                }
                System.out.println("   director log:");
                for (final String l : lab.stopDirector().split("\n"))
                {
                    System.out.println("     " + l);
                }
            }
        }
        failures += ipv6(jar, work.resolve("IPv6"));
        failures += workers(jar, work.resolve("WORKERS"));
        failures += failover(jar, work.resolve("HA"));
        failures += twoArmed(jar, work.resolve("TWO-ARMED"));
        failures += scaleOut(jar, work.resolve("SCALE-OUT"));
        System.out.println();
        System.out.println(0 == failures ? "demo: all requests answered, in the expected proportions" :
            "demo: " + failures + " mode(s) misbehaved");
        System.exit(0 == failures ? 0 : 1);
    }
}
