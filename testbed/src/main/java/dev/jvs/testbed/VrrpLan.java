package dev.jvs.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Two routers and an observer on one Ethernet segment, for VRRP between jvs and keepalived:
 * <pre>
 *   a 198.19.0.2 ──┐
 *   b 198.19.0.3 ──┼── lan (bridge)
 *   obs 198.19.0.9 ┘   (captures VRRP with tshark)
 * </pre>
 * keepalived runs with {@code --vrrp} only (this kernel has no IPVS); every daemon is started with a
 * configuration file of its own, so that one of them can be killed with SIGKILL by its file name.
 */
public final class VrrpLan implements AutoCloseable
{
    /** One advertisement seen by the observer. */
    public record Advert(double time, String src, int vrid, int priority)
    {
    }

    private final Netns ns = new Netns();
    private final boolean ipv6;
    private final Path work;
    private final Path jar;
    /** Each daemon by its configuration file. */
    private final java.util.Map<Path, Process> daemons = new java.util.HashMap<>();
    private int started;
    private Process capture;
    private Path pcap;

    /**
     * @param work scratch directory.
     * @param jar the jvs jar.
     * @throws IOException when a command fails.
     * @throws InterruptedException when interrupted.
     */
    public VrrpLan(final Path work, final Path jar) throws IOException, InterruptedException
    {
        this(work, jar, false);
    }

    /**
     * @param work scratch directory.
     * @param jar the jvs jar.
     * @param ipv6 IPv6 on the segment too: 2001:2::2, ::3 and ::9/64, and link-local addresses from fixed MACs
     *     (a fe80::ff:fe00:a, b fe80::ff:fe00:b, obs fe80::ff:fe00:9), ready at once (no DAD).
     * @throws IOException when a command fails.
     * @throws InterruptedException when interrupted.
     */
    public VrrpLan(final Path work, final Path jar, final boolean ipv6) throws IOException, InterruptedException
    {
        this.ipv6 = ipv6;
        this.work = work;
        this.jar = jar;
        Files.createDirectories(work);
        Netns.sweep();
        try
        {
            ns.add("lan");
            ns.sh("lan", "ip link add br0 type bridge && ip link set br0 up");
            for (final String h : List.of("a", "b", "obs"))
            {
                ns.add(h);
                ns.sh("lan", "ip link add v-" + h + " type veth peer name eth0 netns " + Netns.name(h) +
                    " && ip link set v-" + h + " master br0 up");
                ns.sh(h, (ipv6 ? "sysctl -qw net.ipv6.conf.eth0.accept_dad=0 && ip link set eth0 address " +
                    mac(h) + " && " : "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 && ") + "ip link set eth0 up && " +
                    "ip addr add " + address(h) + "/24 dev eth0" +
                    (ipv6 ? " && ip addr add " + address6(h) + "/64 dev eth0 nodad" : ""));
            }
        }
        catch (final IOException | InterruptedException | RuntimeException ex)
        {
            close();
            throw ex;
        }
    }

    /** @param host a, b or obs. @return its address. */
    public static String address(final String host)
    {
        return switch (host)
        {
            case "a" -> "198.19.0.2";
            case "b" -> "198.19.0.3";
            default -> "198.19.0.9";
        };
    }

    /** @param host a, b or obs. @return its IPv6 address. */
    public static String address6(final String host)
    {
        return "2001:2::" + address(host).substring(address(host).lastIndexOf('.') + 1);
    }

    /** @param host a, b or obs. @return its IPv6 link-local address (from its fixed MAC). */
    public static String linkLocal(final String host)
    {
        return "fe80::ff:fe00:" + mac(host).substring(mac(host).length() - 1);
    }

    private static String mac(final String host)
    {
        return switch (host)
        {
            case "a" -> "02:00:00:00:00:0a";
            case "b" -> "02:00:00:00:00:0b";
            default -> "02:00:00:00:00:09";
        };
    }

    /** @return the namespaces. */
    public Netns ns()
    {
        return ns;
    }

    /**
     * Start keepalived's VRRP on a host.
     *
     * @param host a or b.
     * @param conf keepalived.conf text.
     * @return the configuration file (its name identifies the daemon).
     * @throws IOException when it cannot start.
     */
    public Path keepalived(final String host, final String conf) throws IOException
    {
        final Path f = work.resolve("keepalived-" + host + "-" + (++started) + ".conf");
        Files.writeString(f, conf);
        daemons.put(f, ns.spawn(host, List.of("keepalived", "--vrrp", "-n", "-l", "-D", "--log-console", "-f", f.toString(),
            "-p", work.resolve(f.getFileName() + ".pid").toString(), "-r",
            work.resolve(f.getFileName() + ".vrrp.pid").toString()), work.resolve(f.getFileName() + ".log")));
        return f;
    }

    /**
     * Start jvs on a host and wait until it runs.
     *
     * @param host a or b.
     * @param conf keepalived.conf text.
     * @return the configuration file.
     * @throws IOException when it cannot start.
     * @throws InterruptedException when interrupted.
     */
    public Path jvs(final String host, final String conf) throws IOException, InterruptedException
    {
        return jvs(host, conf, List.of());
    }

    /**
     * Start jvs on a host with more options of jvs run, and wait until it runs.
     *
     * @param host a or b.
     * @param conf keepalived.conf text.
     * @param options more options.
     * @return the configuration file.
     * @throws IOException when it cannot start.
     * @throws InterruptedException when interrupted.
     */
    public Path jvs(final String host, final String conf, final List<String> options)
        throws IOException, InterruptedException
    {
        final Path f = work.resolve("jvs-" + host + "-" + (++started) + ".conf");
        Files.writeString(f, conf);
        final Path log = log(f);
        final List<String> cmd = new ArrayList<>(List.of("java", "-Xmx128m", "-jar", jar.toString(), "run", "-f",
            f.toString(), "-i", "eth0", "--capacity", "4096", "--control", "none"));
        cmd.addAll(options);
        daemons.put(f, ns.spawnReady(host, cmd, log, "started on"));
        return f;
    }

    /** @param conf a daemon's configuration file. @return its log. */
    public Path log(final Path conf)
    {
        return work.resolve(conf.getFileName() + ".log");
    }

    /** @param conf a daemon's configuration file. @return its log text. @throws IOException reading it. */
    public String logText(final Path conf) throws IOException
    {
        return Files.exists(log(conf)) ? Files.readString(log(conf), StandardCharsets.UTF_8) : "";
    }

    /**
     * Kill the daemon started with a configuration file as a crash would (every process of it frozen, then
     * killed: {@link Netns#crash}), then remove the addresses a crashed keepalived leaves on the interface (an
     * operator's first step too).
     *
     * @param host where it runs.
     * @param conf its configuration file.
     * @throws IOException when the command fails.
     * @throws InterruptedException when interrupted.
     */
    public void crash(final String host, final Path conf) throws IOException, InterruptedException
    {
        Netns.crash(daemons.get(conf));
        ns.sh(host, "ip -4 addr flush dev eth0 && ip addr add " + address(host) + "/24 dev eth0" + (ipv6 ?
            " && ip -6 addr flush dev eth0 scope global && ip addr add " + address6(host) + "/64 dev eth0 nodad" : ""));
    }

    /**
     * Stop it cleanly (SIGTERM): a master sends priority 0.
     *
     * @param host where it runs.
     * @param conf its configuration file.
     * @throws IOException when the command fails.
     * @throws InterruptedException when interrupted.
     */
    public void stop(final String host, final Path conf) throws IOException, InterruptedException
    {
        ns.shAllowFail(host, "pkill -TERM -f '" + conf + "'", 10);
        for (int t = 0; t < 100 && 0 == ns.shAllowFail(host, "pgrep -f '" + conf + "'", 5).exit(); t++)
        {
            Thread.sleep(50);
        }
    }

    /**
     * Start capturing VRRP on the observer.
     *
     * @param name file name.
     * @throws IOException when tshark cannot start.
     * @throws InterruptedException when interrupted.
     */
    public void startCapture(final String name) throws IOException, InterruptedException
    {
        startCapture(name, "obs", "eth0");
    }

    /**
     * Start capturing VRRP on a host's interface (the bridge port "v-a" of "lan" sees a's unicast too).
     *
     * @param name file name.
     * @param host where.
     * @param iface which interface.
     * @throws IOException when tshark cannot start.
     * @throws InterruptedException when interrupted.
     */
    public void startCapture(final String name, final String host, final String iface)
        throws IOException, InterruptedException
    {
        pcap = work.resolve(name + ".pcap");
        capture = ns.spawn(host, List.of("tshark", "-q", "-i", iface, "-f", "vrrp or ip6 proto 112", "-w",
            pcap.toString()),
            work.resolve(name + ".tshark.log"));
        for (int t = 0; t < 100 && !Files.exists(pcap); t++)
        {
            Thread.sleep(50);
        }
        Thread.sleep(300);
    }

    /**
     * Stop the capture and decode it.
     *
     * @return the advertisements, in order.
     * @throws IOException when tshark fails.
     * @throws InterruptedException when interrupted.
     */
    public List<Advert> stopCapture() throws IOException, InterruptedException
    {
        Thread.sleep(200);
        capture.destroy();
        capture.waitFor();
        final Netns.Result r = Netns.run(List.of("tshark", "-r", pcap.toString(), "-T", "fields", "-E",
            "separator=/t", "-e", "frame.time_epoch", "-e", "ip.src", "-e", "ipv6.src", "-e", "vrrp.virt_rtr_id", "-e",
            "vrrp.prio"), 30);
        final List<Advert> out = new ArrayList<>();
        for (final String line : r.out().lines().toList())
        {
            final String[] f = line.split("\t");
            if (f.length >= 5 && f[0].matches("[0-9.]+"))
            {
                out.add(new Advert(Double.parseDouble(f[0]), f[1].isEmpty() ? f[2] : f[1], Integer.parseInt(f[3]),
                    Integer.parseInt(f[4])));
            }
        }
        return out;
    }

    /** @return the capture file of the last capture. */
    public Path pcap()
    {
        return pcap;
    }

    /**
     * The raw IP packet of each advertisement in the last capture (hex), in the order of {@link #stopCapture}.
     *
     * @return hex strings of the IP packets, in order.
     * @throws IOException when tshark fails.
     * @throws InterruptedException when interrupted.
     */
    public List<String> rawAdverts() throws IOException, InterruptedException
    {
        final Netns.Result r = Netns.run(List.of("tshark", "-r", pcap.toString(), "-x"), 30);
        final List<String> frames = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (final String line : r.out().lines().toList())
        {
            if (line.isBlank())
            {
                if (cur.length() > 0)
                {
                    frames.add(cur.substring(28).toLowerCase(Locale.ROOT));
                    cur = new StringBuilder();
                }
                continue;
            }
            if (line.length() > 6 && line.substring(0, 4).matches("[0-9a-f]{4}"))
            {
                final String hex = line.substring(6, Math.min(line.length(), 54)).replace(" ", "");
                cur.append(hex);
            }
        }
        if (cur.length() > 0)
        {
            frames.add(cur.substring(28).toLowerCase(Locale.ROOT));
        }
        return frames;
    }

    @Override
    public void close()
    {
        ns.close();
    }
}
