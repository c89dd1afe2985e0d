package dev.jvs.testbed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * N active directors behind ECMP: a client, a router running BIRD with a BGP session to each director and
 * Linux multipath routes (L4 hash), the directors (jvs DR, mh, --announce-table 100, and BIRD exporting that
 * table), and real servers with the VIP on lo, all on one LAN behind the router.
 *
 * <pre>
 * client 198.18.0.5 --pub-- router 198.18.0.1 | 198.19.0.1 --lan0-- d1..dN 198.19.0.2.. , rs1..rsM 198.19.0.11..
 * VIP 198.18.1.80 (DR): router --ECMP over the directors' BGP routes--> director --MAC--> real server
 * </pre>
 */
public final class ScaleOutLab implements AutoCloseable
{
    /** The virtual address. */
    public static final String VIP = "198.18.1.80";
    /** The kernel table the directors announce in. */
    public static final int TABLE = 100;
    private static final String ROUTER_BIRD = """
        log stderr all;
        router id 198.19.0.1;
        protocol device { scan time 1; }
        protocol kernel {
          ipv4 { import none; export all; };
          merge paths on;
        }
        template bgp dir {
          local 198.19.0.1 as 65000;
          hold time 3; keepalive time 1; connect retry time 1;
          ipv4 { import all; export none; };
        }
        """;
    private static final String DIRECTOR_BIRD = """
        log stderr all;
        router id %1$s;
        protocol device { scan time 1; }
        protocol kernel jvs {
          kernel table %2$d;
          learn;
          scan time 1;
          ipv4 { import all; export none; };
        }
        protocol bgp up {
          local %1$s as 65001;
          neighbor 198.19.0.1 as 65000;
          hold time 3; keepalive time 1; connect retry time 1;
          ipv4 { import none; export where proto = "jvs"; next hop self; };
        }
        """;

    private final Netns ns = new Netns();
    private final Path work;
    private final Path jar;
    private final int directors;
    private final int servers;
    private final Process[] jvs;

    /**
     * @param directors how many directors.
     * @param servers how many real servers.
     * @param work a directory for configurations and logs.
     * @param jar the jvs jar.
     * @throws IOException when the lab cannot be built.
     * @throws InterruptedException when interrupted.
     */
    public ScaleOutLab(final int directors, final int servers, final Path work, final Path jar)
        throws IOException, InterruptedException
    {
        this.directors = directors;
        this.servers = servers;
        this.work = work;
        this.jar = jar;
        this.jvs = new Process[directors + 1];
        Files.createDirectories(work);
        Netns.sweep();
        try
        {
            build();
        }
        catch (final IOException | InterruptedException | RuntimeException ex)
        {
            close();
            throw ex;
        }
    }

    /** @param d 1-based director. @return its host name. */
    public static String director(final int d)
    {
        return "d" + d;
    }

    /** @param d 1-based director. @return its address. */
    public static String directorIp(final int d)
    {
        return "198.19.0." + (1 + d);
    }

    /** @return the jvs jar the directors run. */
    public Path jar()
    {
        return jar;
    }

    /** @return the namespaces. */
    public Netns ns()
    {
        return ns;
    }

    private void link(final String bridge, final String host, final String ifname)
        throws IOException, InterruptedException
    {
        ns.wire(bridge, "v" + host + "-" + ifname, host, ifname);
    }

    private void build() throws IOException, InterruptedException
    {
        ns.add("lan");
        ns.sh("lan", "ip link add pub type bridge && ip link set pub up && ip link add lan0 type bridge && " +
            "ip link set lan0 up");
        ns.add("client");
        link("pub", "client", "eth0");
        ns.sh("client", "ip addr add 198.18.0.5/24 dev eth0 && ip route add default via 198.18.0.1");
        ns.add("router");
        link("pub", "router", "eth0");
        link("lan0", "router", "eth1");
        // L4 multipath hashing: each flow to one director, flows spread over all.
        ns.sh("router", "ip addr add 198.18.0.1/24 dev eth0 && ip addr add 198.19.0.1/24 dev eth1 && " +
            "sysctl -qw net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1 net.ipv4.conf.all.rp_filter=0 " +
            "net.ipv4.conf.default.rp_filter=0");
        final StringBuilder routerConf = new StringBuilder(ROUTER_BIRD);
        for (int d = 1; d <= directors; d++)
        {
            final String h = director(d);
            ns.add(h);
            link("lan0", h, "eth0");
            ns.sh(h, "ip addr add " + directorIp(d) + "/24 dev eth0 && sysctl -qw net.ipv4.conf.all.rp_filter=0");
            routerConf.append("protocol bgp ").append(h).append(" from dir { neighbor ").append(directorIp(d))
                .append(" as 65001; }\n");
            bird(h, String.format(DIRECTOR_BIRD, directorIp(d), TABLE));
        }
        bird("router", routerConf.toString());
        for (int i = 1; i <= servers; i++)
        {
            final String h = "rs" + i;
            ns.add(h);
            link("lan0", h, "eth0");
            ns.sh(h, "ip addr add 198.19.0.1" + i + "/24 dev eth0 && ip route add default via 198.19.0.1 && " +
                "ip addr add " + VIP + "/32 dev lo && sysctl -qw net.ipv4.conf.all.arp_ignore=1 " +
                "net.ipv4.conf.all.arp_announce=2");
            final Path docs = work.resolve(h);
            Files.createDirectories(docs);
            Files.writeString(docs.resolve("index.html"), h + "\n");
            Files.write(docs.resolve("stream.bin"), new byte[4 << 20]);
            ns.spawn(h, List.of("/usr/bin/python3", "-m", "http.server", "80", "--bind", "0.0.0.0", "--directory",
                docs.toString()), work.resolve(h + ".log"));
        }
    }

    private void bird(final String host, final String conf) throws IOException
    {
        final Path c = work.resolve(host + "-bird.conf");
        Files.writeString(c, conf);
        ns.spawn(host, List.of("bird", "-f", "-c", c.toString(), "-s", work.resolve(host + "-bird.ctl").toString(),
            "-P", work.resolve(host + "-bird.pid").toString()), work.resolve(host + "-bird.log"));
    }

    /**
     * Start jvs on a director, announcing in {@link #TABLE}, and wait until it is ready.
     *
     * @param d 1-based director.
     * @param conf keepalived.conf.
     * @param options more options.
     * @throws IOException when it does not start.
     * @throws InterruptedException when interrupted.
     */
    public void startDirector(final int d, final String conf, final List<String> options)
        throws IOException, InterruptedException
    {
        final Path c = work.resolve(director(d) + ".conf");
        Files.writeString(c, conf);
        final Path log = log(d);
        jvs[d] = ns.spawnReady(director(d), Netns.jvsRun(jar, "200m", List.of("-f", c.toString(), "-i", "eth0",
            "--capacity", "65536", "--ring-frames", "4096", "--control", socket(d).toString(), "--announce-table",
            Integer.toString(TABLE)), options), log, " ready ");
    }

    /** @param d 1-based director. @return its log. */
    public Path log(final int d)
    {
        return work.resolve(director(d) + ".log");
    }

    /** @param d 1-based director. @return its control socket. */
    public Path socket(final int d)
    {
        return work.resolve(director(d) + ".sock");
    }

    /**
     * @param d 1-based director.
     * @return its jvs process.
     */
    public Process process(final int d)
    {
        return jvs[d];
    }

    /**
     * @return the next hops of the router's route to the VIP (empty when there is none).
     * @throws IOException when ip cannot run.
     * @throws InterruptedException when interrupted.
     */
    public List<String> nextHops() throws IOException, InterruptedException
    {
        final String r = ns.sh("router", "ip -4 route show " + VIP + "/32");
        final List<String> hops = new ArrayList<>();
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("via (198\\.19\\.0\\.\\d+)").matcher(r);
        while (m.find())
        {
            hops.add(m.group(1));
        }
        return hops;
    }

    /**
     * Wait until the router's route to the VIP has this many next hops.
     *
     * @param n how many.
     * @param timeoutMs how long at most.
     * @return the ms it took, or -1.
     * @throws IOException when ip cannot run.
     * @throws InterruptedException when interrupted.
     */
    public long awaitNextHops(final int n, final long timeoutMs) throws IOException, InterruptedException
    {
        final long t0 = System.nanoTime();
        while ((System.nanoTime() - t0) / 1_000_000 < timeoutMs)
        {
            if (nextHops().size() == n)
            {
                return (System.nanoTime() - t0) / 1_000_000;
            }
            Thread.sleep(50);
        }
        return -1;
    }

    @Override
    public void close()
    {
        ns.close();
    }
}
