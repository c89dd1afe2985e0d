package dev.jvs.testbed;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code make demo}: the testbed in NAT, then DR, then TUN, the same keepalived.conf style a user would write,
 * real HTTP requests through the VIP, per-real-server counts and the director's own statistics. Everything
 * is torn down at the end, also on failure.
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
            "client 198.19.0.5 --> VIP --> IPIP from 198.19.0.2 to rs1..rs3 (decapsulated by jvs rs-tun); " +
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
        System.out.println();
        System.out.println(0 == failures ? "demo: all requests answered, in the expected proportions" :
            "demo: " + failures + " mode(s) misbehaved");
        System.exit(0 == failures ? 0 : 1);
    }
}
