package dev.jvs.testbed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code make bench-e2e}: HTTP through the testbed with wrk, interleaved (A B C ... A B C, three rounds,
 * medians, each measured run after a 3 s unmeasured one): no director (client to one real server), jvs DR, NAT and TUN, the kernel's own NAT load
 * balancing (nftables dnat to a numgen map) and HAProxy in TCP mode. Real servers run nginx with one worker.
 * Writes a table (markdown) and a chart (PNG, gnuplot) under bench/results.
 */
public final class E2eBench
{
    private static final String[] CONFIGS = {"none", "jvs-dr", "jvs-nat", "jvs-tun", "nft-nat", "haproxy",
        "none-2arm", "jvs-nat-2arm", "jvs-dr-2arm", "nft-nat-2arm", "haproxy-2arm"};
    /** Two-armed configurations: run on {@link TwoArmedLab}, compared with its own "no director". */
    private static final String TWO_ARMED = "-2arm";
    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern P50 = Pattern.compile("\\s50%\\s+([0-9.]+)(us|ms|s)");
    private static final Pattern P99 = Pattern.compile("\\s99%\\s+([0-9.]+)(us|ms|s)");

    private E2eBench()
    {
    }

    /** One measured run; how busy CPU 0 and CPU 1 were (0..1): CPU 1 is the director's core when isolated. */
    record Sample(double rps, double p50Ms, double p99Ms, double cpu0, double cpu1)
    {
    }

    static double ms(final Matcher m)
    {
        final double v = Double.parseDouble(m.group(1));
        return switch (m.group(2))
        {
            case "us" -> v / 1000;
            case "s" -> v * 1000;
            default -> v;
        };
    }

    static String jvsConf(final String kind)
    {
        return Demo.config(Lab.Mode.valueOf(kind)).replace("wrr", "rr").replaceAll("weight [0-9]", "weight 1");
    }

    private static List<String> directorOptions = List.of();
    /** {@code --director-core}: the director on CPU 1, everything else on CPU 0 (see {@link #isolate}). */
    private static boolean directorCore;

    private static Sample run(final String config, final Path work, final Path jar, final int seconds)
        throws IOException, InterruptedException
    {
        if (config.endsWith(TWO_ARMED))
        {
            return runTwoArmed(config, work, jar, seconds);
        }
        final Lab.Mode mode = switch (config)
        {
            case "none", "jvs-dr", "jvs-dr-pipe", "jvs-dr-rt", "jvs-dr-txring" -> Lab.Mode.DR;
            case "jvs-tun" -> Lab.Mode.TUN;
            default -> Lab.Mode.NAT;
        };
        try (Lab lab = new Lab(mode, 3, work, jar, true))
        {
            String target = Lab.VIP;
            switch (config)
            {
                case "none" -> target = Lab.rs(1);
                case "jvs-dr", "jvs-nat", "jvs-tun" -> lab.startDirector(jvsConf(mode.name()), directorOptions);
                case "jvs-dr-rt", "jvs-nat-rt" ->
                {
                    final List<String> o = new ArrayList<>(directorOptions);
                    o.addAll(List.of("--rt-priority", "10"));
                    lab.startDirector(jvsConf(mode.name()), o);
                }
                case "jvs-dr-txring", "jvs-nat-txring" ->
                {
                    final List<String> o = new ArrayList<>(directorOptions);
                    o.addAll(List.of("--tx", "ring"));
                    lab.startDirector(jvsConf(mode.name()), o);
                }
                case "jvs-dr-pipe", "jvs-nat-pipe" ->
                {
                    final List<String> o = new ArrayList<>(directorOptions);
                    o.add("--pipeline");
                    lab.startDirector(jvsConf(mode.name()), o);
                }
                case "nft-nat" ->
                {
                    lab.ns().sh("director", "ip addr add " + Lab.VIP + "/32 dev eth0 && sysctl -qw " +
                        "net.ipv4.ip_forward=1 && nft add table ip lb && nft 'add chain ip lb pre { type nat hook " +
                        "prerouting priority -100; }' && nft add rule ip lb pre ip daddr " + Lab.VIP + " tcp dport 80 " +
                        "dnat to numgen inc mod 3 map '{ 0 : " + Lab.rs(1) + ", 1 : " + Lab.rs(2) + ", 2 : " +
                        Lab.rs(3) + " }'");
                }
                case "haproxy" ->
                {
                    final Path cfg = work.resolve("haproxy.cfg");
                    Files.writeString(cfg, String.join("\n", "global", "  nbthread 1", "  maxconn 4000",
                        "defaults", "  mode tcp", "  timeout connect 5s", "  timeout client 30s",
                        "  timeout server 30s", "frontend web", "  bind " + Lab.VIP + ":80", "  default_backend rs",
                        "backend rs", "  balance roundrobin", "  server rs1 " + Lab.rs(1) + ":80",
                        "  server rs2 " + Lab.rs(2) + ":80", "  server rs3 " + Lab.rs(3) + ":80", ""));
                    lab.ns().sh("director", "ip addr add " + Lab.VIP + "/32 dev eth0");
                    lab.ns().spawn("director", List.of("haproxy", "-db", "-f", cfg.toString()),
                        work.resolve("haproxy.log"));
                    Thread.sleep(500);
                }
                default -> throw new IllegalArgumentException(config);
            }
            final Sample s = measure(lab.ns(), config, target, seconds);
            if (config.startsWith("jvs"))
            {
                // Where a jvs request's time went: the workers' ring-wait and cycle histograms, logged at stop.
                lab.stopDirector().lines().filter(l -> l.contains(" latency: ")).forEach(l ->
                    System.out.println("  " + config + ": " + l.substring(l.indexOf("] ") + 2)));
            }
            return s;
        }
    }

    /**
     * With {@link #directorCore}, the director (its processes and its interfaces' receive work, by RPS) is
     * moved to CPU 1 and every other host to CPU 0: the two-core machine emulates a director box with a core
     * of its own beside the machines of the client and the servers. The kernel's NAT and routing run in the
     * receive softirq of the director's interfaces, so RPS gives them the same core jvs and HAProxy get.
     */
    private static void isolate(final Netns ns) throws IOException, InterruptedException
    {
        if (!directorCore)
        {
            return;
        }
        for (final String h : ns.hosts())
        {
            final boolean director = h.startsWith("director");
            ns.sh(h, "for f in /sys/class/net/*/queues/rx-*/rps_cpus; do echo " + (director ? 2 : 1) + " > $f; done");
            for (final String pid : Netns.run(List.of("ip", "netns", "pids", Netns.name(h)), 10).out().trim()
                .split("\\s+"))
            {
                if (!pid.isEmpty())
                {
                    Netns.run(List.of("taskset", "-acp", director ? "1" : "0", pid), 10);
                }
            }
        }
    }

    /** @return the busy and total jiffies of CPU {@code n}, from /proc/stat. */
    private static long[] cpu(final int n) throws IOException
    {
        final String line = Files.readAllLines(Path.of("/proc/stat")).stream().filter(l -> l.startsWith("cpu" + n +
            " ")).findFirst().orElse("cpu 0 0 0 0");
        final String[] f = line.trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++)
        {
            total += Long.parseLong(f[i]);
        }
        final long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
        return new long[] {total - idle, total};
    }

    /** The warm-up and the measured wrk run of one configuration, the client's processes on CPU 0 if isolated. */
    private static Sample measure(final Netns ns, final String config, final String target, final int seconds)
        throws IOException, InterruptedException
    {
        isolate(ns);
        final String wrk = directorCore ? "taskset -c 0 wrk" : "wrk";
        ns.sh("client", "curl -s -o /dev/null --max-time 5 http://" + target + "/");
        // The same unmeasured warm-up for every configuration (jvs's JIT compiles its hot path here).
        ns.sh("client", wrk + " -t1 -c16 -d3s --timeout 2s http://" + target + "/ > /dev/null");
        final long[] a0 = cpu(0);
        final long[] c0 = cpu(1);
        final String out = ns.sh("client", wrk + " -t1 -c16 -d" + seconds + "s --timeout 2s --latency http://" +
            target + "/");
        final long[] a1 = cpu(0);
        final long[] c1 = cpu(1);
        final Matcher r = RPS.matcher(out);
        final Matcher a = P50.matcher(out);
        final Matcher b = P99.matcher(out);
        if (!r.find() || !a.find() || !b.find() || out.contains("Socket errors") || out.contains("Non-2xx"))
        {
            System.out.println(config + ": wrk reported errors:\n" + out);
            return new Sample(0, 0, 0, 0, 0);
        }
        return new Sample(Double.parseDouble(r.group(1)), ms(a), ms(b),
            (double)(a1[0] - a0[0]) / Math.max(1, a1[1] - a0[1]), (double)(c1[0] - c0[0]) / Math.max(1, c1[1] - c0[1]));
    }

    /**
     * The two-armed topology, one director: the client on the public side, three nginx real servers behind the
     * private one, their gateway the director's 198.19.0.2. "none-2arm": the client to rs1 through the director's
     * kernel as a plain router; jvs NAT and DR on both interfaces; the kernel's own NAT (nftables dnat); HAProxy.
     */
    private static Sample runTwoArmed(final String config, final Path work, final Path jar, final int seconds)
        throws IOException, InterruptedException
    {
        final Lab.Mode mode = config.startsWith("jvs-dr") ? Lab.Mode.DR : Lab.Mode.NAT;
        try (TwoArmedLab lab = new TwoArmedLab(mode, 3, work, jar, false, true))
        {
            String target = TwoArmedLab.VIP;
            switch (config)
            {
                case "none-2arm" ->
                {
                    lab.ns().sh("client", "ip route add 198.19.0.0/24 via 198.18.0.2");
                    target = TwoArmedLab.rs(1);
                }
                case "jvs-nat-2arm", "jvs-dr-2arm" ->
                {
                    final List<String> o = new ArrayList<>(List.of("-i", "eth0", "-i", "eth1"));
                    o.addAll(directorOptions);
                    lab.startDirector("director", lab.config("LD1", "MASTER", 150, "rr", 0), o);
                }
                case "nft-nat-2arm" -> lab.ns().sh("director", "ip addr add " + TwoArmedLab.VIP + "/24 dev eth0 && " +
                    "nft add table ip lb && nft 'add chain ip lb pre { type nat hook prerouting priority -100; }' && " +
                    "nft add rule ip lb pre ip daddr " + TwoArmedLab.VIP + " tcp dport 80 dnat to numgen inc mod 3 " +
                    "map '{ 0 : " + TwoArmedLab.rs(1) + ", 1 : " + TwoArmedLab.rs(2) + ", 2 : " + TwoArmedLab.rs(3) +
                    " }'");
                case "haproxy-2arm" ->
                {
                    final Path cfg = work.resolve("haproxy.cfg");
                    Files.writeString(cfg, String.join("\n", "global", "  nbthread 1", "  maxconn 4000",
                        "defaults", "  mode tcp", "  timeout connect 5s", "  timeout client 30s",
                        "  timeout server 30s", "frontend web", "  bind " + TwoArmedLab.VIP + ":80",
                        "  default_backend rs", "backend rs", "  balance roundrobin",
                        "  server rs1 " + TwoArmedLab.rs(1) + ":80", "  server rs2 " + TwoArmedLab.rs(2) + ":80",
                        "  server rs3 " + TwoArmedLab.rs(3) + ":80", ""));
                    lab.ns().sh("director", "ip addr add " + TwoArmedLab.VIP + "/24 dev eth0");
                    lab.ns().spawn("director", List.of("haproxy", "-db", "-f", cfg.toString()),
                        work.resolve("haproxy.log"));
                    Thread.sleep(500);
                }
                default -> throw new IllegalArgumentException(config);
            }
            final Sample s = measure(lab.ns(), config, target, seconds);
            if (config.startsWith("jvs"))
            {
                lab.stopDirector("director").lines().filter(l -> l.contains(" latency: ")).forEach(l ->
                    System.out.println("  " + config + ": " + l.substring(l.indexOf("] ") + 2)));
            }
            return s;
        }
    }

    /**
     * jvs DR under full load for a minute with the GC logged: the log must show no collection after start-up.
     *
     * @return the GC log lines written while under load.
     */
    static List<String> gcRun(final Path work, final Path jar, final int seconds) throws IOException,
        InterruptedException
    {
        Files.createDirectories(work);
        final Path gc = work.resolve("gc.log");
        try (Lab lab = new Lab(Lab.Mode.DR, 3, work, jar, true))
        {
            lab.startDirector(jvsConf("DR"), List.of("-Xlog:gc:file=" + gc));
            lab.ns().sh("client", "wrk -t1 -c16 -d3s http://" + Lab.VIP + "/ > /dev/null");
            final long before = Files.readAllLines(gc).size();
            final String out = lab.ns().shAllowFail("client", "wrk -t1 -c16 -d" + seconds + "s --timeout 2s http://" +
                Lab.VIP + "/", seconds + 30).out();
            final List<String> lines = Files.readAllLines(gc);
            System.out.print(out);
            lab.stopDirector();
            return lines.subList((int)before, lines.size());
        }
    }

    /** user + system CPU of a process, in clock ticks (100 per second). */
    static long cpuTicks(final long pid) throws IOException
    {
        final String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /**
     * Raw forwarding: 64-byte UDP frames from the generator through jvs to three real servers, which drop
     * them at ingress (so they cost no ICMP); frames counted at the real servers' interfaces.
     */
    static void udpRun(final Lab.Mode mode, final Path work, final Path jar, final int seconds) throws IOException,
        InterruptedException
    {
        udpRun(mode, work, jar, seconds, 1, List.of());
    }

    /**
     * As above with {@code workers} forwarding threads; with more than one, the generator sends from 16 source
     * addresses so the fanout has clients to spread, and each worker's share is printed.
     */
    static void udpRun(final Lab.Mode mode, final Path work, final Path jar, final int seconds, final int workers,
        final List<String> options) throws IOException, InterruptedException
    {
        try (Lab lab = new Lab(mode, 3, work, jar, false))
        {
            final StringBuilder conf = new StringBuilder("virtual_server " + Lab.VIP + " 9 {\n lb_algo rr\n lb_kind " +
                mode + "\n protocol UDP\n");
            for (int i = 1; i <= 3; i++)
            {
                conf.append(" real_server ").append(Lab.rs(i)).append(" 9 {\n weight 1\n }\n");
                lab.ns().sh("rs" + i, "nft add table netdev sink && nft 'add chain netdev sink in { type filter hook " +
                    "ingress device eth0 priority 0; }' && nft add rule netdev sink in udp dport 9 drop");
            }
            final List<String> o = new ArrayList<>(List.of("--ring-frames", "32768", "--workers",
                String.valueOf(workers), "--metrics", "198.19.0.2:9742"));
            o.addAll(options);
            lab.startDirector(conf.append("}\n").toString(), o);
            final String dmac = lab.ns().sh("director", "cat /sys/class/net/eth0/address").trim();
            final String src = workers > 1 ? (Lab.Mode.NAT == mode ? "198.18.0.100" : "198.19.0.100") :
                Lab.Mode.NAT == mode ? "198.18.0.5" : "198.19.0.5";
            final long[] rx0 = new long[3];
            for (int i = 0; i < 3; i++)
            {
                rx0[i] = Long.parseLong(lab.ns().sh("rs" + (i + 1), "cat /sys/class/net/eth0/statistics/rx_packets")
                    .trim());
            }
            final long cpu0 = cpuTicks(lab.directorPid());
            final String out = lab.ns().shAllowFail("client", "java -cp " + jar + ":" +
                Path.of("testbed/target/classes").toAbsolutePath() + " dev.jvs.testbed.UdpBlast eth0 " + dmac + " " +
                src + " " + Lab.VIP + " 9 50000000 " + seconds + " " + (workers > 1 ? 16 : 1), seconds + 30).out().trim();
            Thread.sleep(300);
            final long cpu = cpuTicks(lab.directorPid()) - cpu0;
            long rx = 0;
            for (int i = 0; i < 3; i++)
            {
                rx += Long.parseLong(lab.ns().sh("rs" + (i + 1), "cat /sys/class/net/eth0/statistics/rx_packets")
                    .trim()) - rx0[i];
            }
            final String perWorker = lab.ns().sh("director", "curl -s --max-time 5 http://198.19.0.2:9742/metrics")
                .lines().filter(l -> l.startsWith("jvs_worker_forwarded_total")).reduce("", (a, b) -> a + " " + b);
            final String log = lab.stopDirector();
            final Matcher sent = Pattern.compile("sent (\\d+) frames in ([0-9.]+) s").matcher(out);
            if (!sent.find())
            {
                System.out.println("generator: " + out);
                return;
            }
            final long n = Long.parseLong(sent.group(1));
            final double s = Double.parseDouble(sent.group(2));
            System.out.printf(Locale.ROOT, "udp %s, %d worker(s): generator %s%n", mode, workers, out);
            if (workers > 1)
            {
                System.out.printf(Locale.ROOT, "udp %s: per worker:%s%n", mode, perWorker);
            }
            System.out.printf(Locale.ROOT, "udp %s: sent %d (%.0f/s), received by the real servers %d (%.0f/s), " +
                "loss %.2f %%, director CPU %.2f s = %.0f ns per frame%n", mode, n, n / s, rx, rx / s,
                Math.max(0, 100.0 * (n - rx) / n), cpu / 100.0, cpu * 1e7 / Math.max(1, rx));
            System.out.println(log.lines().filter(l -> l.contains("stopped") || l.contains(": ")).reduce("",
                (a, b) -> a + "   " + b + "\n"));
        }
    }

    static double median(final List<Double> v)
    {
        final List<Double> s = new ArrayList<>(v);
        s.sort(Double::compare);
        return s.get(s.size() / 2);
    }

    /**
     * @param args jar, output directory, rounds, seconds per run; optionally the configurations to run
     *             (comma-separated) and options for jvs run (comma-separated). Or jar, output directory,
     *             {@code udp}, seconds, and optionally workers and options for jvs run; or {@code gc} and seconds.
     *             {@code --director-core} anywhere: the director gets CPU 1 to itself ({@link #isolate}).
     * @throws Exception on failure.
     */
    public static void main(final String[] argv) throws Exception
    {
        final List<String> argList = new ArrayList<>(List.of(argv));
        directorCore = argList.remove("--director-core");
        final String[] args = argList.toArray(String[]::new);
        final Path jar = Path.of(args[0]).toAbsolutePath();
        final Path out = Path.of(args[1]);
        if ("udp".equals(args[2]))
        {
            final int workers = args.length > 4 ? Integer.parseInt(args[4]) : 1;
            final List<String> options = args.length > 5 ? List.of(args[5].split(",")) : List.of();
            for (final Lab.Mode m : new Lab.Mode[] {Lab.Mode.DR, Lab.Mode.NAT})
            {
                udpRun(m, Files.createTempDirectory("jvs-udp"), jar, Integer.parseInt(args[3]), workers, options);
            }
            return;
        }
        if ("gc".equals(args[2]))
        {
            final List<String> during = gcRun(Files.createTempDirectory("jvs-gc"), jar, Integer.parseInt(args[3]));
            System.out.println("GC log lines written during the measured run: " + during.size());
            during.forEach(l -> System.out.println("  " + l));
            return;
        }
        final int rounds = Integer.parseInt(args[2]);
        final int seconds = Integer.parseInt(args[3]);
        final String[] configs = args.length > 4 ? args[4].split(",") : CONFIGS;
        if (args.length > 5)
        {
            directorOptions = List.of(args[5].split(","));
        }
        Files.createDirectories(out);
        final Path work = Files.createTempDirectory("jvs-e2e");
        final Map<String, List<Sample>> samples = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++)
        {
            for (final String c : configs)
            {
                final Sample s = run(c, work.resolve(c + "-" + round), jar, seconds);
                samples.computeIfAbsent(c, k -> new ArrayList<>()).add(s);
                System.out.printf(Locale.ROOT, "round %d %-12s %9.0f req/s  p50 %5.2f ms  p99 %5.2f ms  " +
                    "busy cpu0 %3.0f %% cpu1 %3.0f %%%n", round, c, s.rps(), s.p50Ms(), s.p99Ms(), 100 * s.cpu0(),
                    100 * s.cpu1());
            }
        }
        final double base = samples.containsKey("none") ?
            median(samples.get("none").stream().map(Sample::rps).toList()) : 1;
        final double base2 = samples.containsKey("none" + TWO_ARMED) ?
            median(samples.get("none" + TWO_ARMED).stream().map(Sample::rps).toList()) : 1;
        final StringBuilder md = new StringBuilder();
        md.append("| configuration | req/s (median) | ratio to no director | p50 ms | p99 ms |\n");
        md.append("|---|---:|---:|---:|---:|\n");
        final StringBuilder dat = new StringBuilder();
        for (final Map.Entry<String, List<Sample>> e : samples.entrySet())
        {
            final double rps = median(e.getValue().stream().map(Sample::rps).toList());
            final double p50 = median(e.getValue().stream().map(Sample::p50Ms).toList());
            final double p99 = median(e.getValue().stream().map(Sample::p99Ms).toList());
            final double b = e.getKey().endsWith(TWO_ARMED) ? base2 : base;
            md.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.2f | %.2f |%n", e.getKey(), rps, rps / b,
                p50, p99));
            dat.append(String.format(Locale.ROOT, "%s %.3f%n", e.getKey(), rps / b));
        }
        Files.writeString(out.resolve("e2e.md"), md.toString());
        Files.writeString(out.resolve("e2e.dat"), dat.toString());
        System.out.print(md);
        final Path gp = out.resolve("e2e.gp");
        Files.writeString(gp, String.join("\n",
            "set terminal png size 800,420", "set output '" + out.resolve("e2e.png") + "'",
            "set title 'HTTP requests/s through the director, ratio to no director (wrk, medians of " + rounds +
                " rounds)'",
            "set style fill solid 0.6", "set boxwidth 0.6", "set yrange [0:1.2]", "set grid ytics",
            "unset key", "plot '" + out.resolve("e2e.dat") + "' using 0:2:xtic(1) with boxes, '' using 0:2:(sprintf(\"%.2f\",$2)) with labels offset 0,1",
            ""));
        final Netns.Result g = Netns.run(List.of("gnuplot", gp.toString()), 60);
        if (0 != g.exit())
        {
            System.out.println("gnuplot failed: " + g.out());
        }
    }
}
