package dev.jvs.testbed;

import dev.jvs.director.check.HealthChecker;
import dev.jvs.director.config.KeepalivedConfig;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checker scale: N real servers with TCP_CHECK every delay_loop seconds, checked by one HealthChecker thread,
 * for a bounded number of cycles. Reports per cycle how late the checks started against their grid (drift
 * would grow cycle by cycle) and the CPU time of the process.
 *
 * <p>Outer mode (root) makes a namespace whose lo answers for 198.18.64.0/18 (a local route: one listener
 * serves every address), runs the inner mode in it, and removes it.
 *
 * <pre>java -cp jvs.jar:testbed/target/classes dev.jvs.testbed.CheckerBench [servers] [delay_loop] [cycles]</pre>
 */
public final class CheckerBench
{
    private CheckerBench()
    {
    }

    /**
     * Run it.
     *
     * @param args [servers delay_loop cycles] or "inner servers delay_loop cycles".
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length > 0 && "inner".equals(args[0]))
        {
            inner(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            return;
        }
        final int servers = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        final int delay = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        final int cycles = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        try (Netns ns = new Netns())
        {
            ns.add("chk");
            ns.sh("chk", "ip link set lo up && ip route add local 198.18.64.0/18 dev lo && " +
                "sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535");
            final String cp = System.getProperty("java.class.path");
            final Netns.Result r = Netns.run(List.of("ip", "netns", "exec", Netns.name("chk"), "java", "-Xmx512m",
                "-cp", cp, CheckerBench.class.getName(), "inner", String.valueOf(servers), String.valueOf(delay),
                String.valueOf(cycles)), delay * (cycles + 2) + 60);
            System.out.print(r.out());
            if (0 != r.exit())
            {
                throw new IllegalStateException("inner run failed: " + r.exit());
            }
        }
    }

    private static void inner(final int servers, final int delay, final int cycles) throws Exception
    {
        final ServerSocketChannel listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress("0.0.0.0", 80), 65535);
        final AtomicLong accepted = new AtomicLong();
        final Thread acceptor = new Thread(() ->
        {
            try
            {
                while (true)
                {
                    final SocketChannel c = listener.accept();
                    accepted.incrementAndGet();
                    c.close();
                }
            }
            catch (final IOException ignored)
            {
                // Closed at the end.
            }
        }, "acceptor");
        acceptor.setDaemon(true);
        acceptor.start();

        final StringBuilder conf = new StringBuilder("virtual_server 198.19.0.80 80 {\n  delay_loop " + delay +
            "\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n");
        for (int i = 0; i < servers; i++)
        {
            conf.append("  real_server 198.18.").append(64 + i / 250).append('.').append(1 + i % 250)
                .append(" 80 {\n    TCP_CHECK {\n      connect_timeout 3\n    }\n  }\n");
        }
        final KeepalivedConfig kc = KeepalivedConfig.parse(Path.of("bench.conf"), conf.append("}\n").toString());
        final List<String> events = new ArrayList<>();
        final HealthChecker checker = new HealthChecker(kc, java.util.Map.of(), e ->
        {
            synchronized (events)
            {
                events.add(e);
            }
        });
        // Lateness of each start, by cycle; written by the checker thread only, read after it stops.
        final long[][] late = new long[cycles + 1][servers * 2];
        final int[] count = new int[cycles + 1];
        final long[] first = {Long.MIN_VALUE};
        final long period = delay * 1_000_000_000L;
        checker.onCheckStart((due, now) ->
        {
            if (Long.MIN_VALUE == first[0])
            {
                first[0] = due;
            }
            final int cycle = (int)Math.min(cycles, Math.max(0, (due - first[0]) / period));
            if (count[cycle] < late[cycle].length)
            {
                late[cycle][count[cycle]++] = now - due;
            }
            return 0;
        });
        final long cpu0 = cpu();
        final long t0 = System.nanoTime();
        checker.start();
        Thread.sleep(1000L + (long)cycles * delay * 1000L);
        checker.close();
        final long wall = System.nanoTime() - t0;
        final long cpu = cpu() - cpu0;
        listener.close();
        System.out.printf(Locale.ROOT, "checker bench: %d real servers, TCP_CHECK, delay_loop %d s, %d cycles, " +
            "one checker thread%n", servers, delay, cycles);
        System.out.printf(Locale.ROOT, "%-6s %8s %12s %12s %12s%n", "cycle", "checks", "late p50 ms", "late p99 ms",
            "late max ms");
        for (int c = 0; c < cycles; c++)
        {
            final long[] l = Arrays.copyOf(late[c], count[c]);
            Arrays.sort(l);
            if (0 == l.length)
            {
                continue;
            }
            System.out.printf(Locale.ROOT, "%-6d %8d %12.3f %12.3f %12.3f%n", c + 1, l.length,
                l[l.length / 2] / 1e6, l[(int)(l.length * 0.99)] / 1e6, l[l.length - 1] / 1e6);
        }
        final long downs = events.stream().filter(e -> e.contains("is DOWN")).count();
        System.out.printf(Locale.ROOT, "accepted %d connections; %d servers went down; process CPU %.2f s over " +
            "%.1f s wall (%.1f%% of one core)%n", accepted.get(), downs, cpu / 1e9, wall / 1e9, 100.0 * cpu / wall);
    }

    private static long cpu()
    {
        return ((com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    }
}
