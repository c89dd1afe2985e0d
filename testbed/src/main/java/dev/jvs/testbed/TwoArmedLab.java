package dev.jvs.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The deployment of the LVS + keepalived guides: two-armed directors, the VIP on the public side and a
 * floating director address (DIP) on the private side that the real servers use as their gateway.
 * <pre>
 *   client 198.18.0.5 ── pub ── eth0 director  198.18.0.2 | 198.19.0.2  eth1 ── priv ── rs1..rs3 198.19.0.1N
 *                               eth0 director2 198.18.0.3 | 198.19.0.3  eth1          (gateway: the DIP)
 *   VIP 198.18.0.80 (VI_1 on eth0), DIP 198.19.0.254 (VI_2 on eth1), both in one vrrp_sync_group
 * </pre>
 * Without a second director the DIP is the director's own 198.19.0.2. The directors' kernels are set as the
 * guide sets them: {@code ip_forward = 1} (DR and TUN replies go back through them), {@code send_redirects = 0};
 * reverse-path filtering off, as a director that routes the VIP's replies from its private side needs.
 */
public final class TwoArmedLab implements AutoCloseable
{
    /** The VIP, on the public side. */
    public static final String VIP = "198.18.0.80";
    /** The floating director address on the private side. */
    public static final String DIP = "198.19.0.254";
    /** The client. */
    public static final String CLIENT = "198.18.0.5";

    private final Netns ns = new Netns();
    private final Lab.Mode mode;
    private final int servers;
    private final Path work;
    private final Path jar;
    private final boolean pair;
    private final boolean nginx;
    private String privateVrid = "52";
    private final Map<String, Process> directors = new LinkedHashMap<>();

    /**
     * Build the topology and start the web servers.
     *
     * @param mode how the real servers are reached (DR: the VIP on their loopback; TUN: jvs rs-tun).
     * @param servers how many real servers (1..9).
     * @param work a scratch directory.
     * @param jar the jvs jar.
     * @param pair two directors (the DIP floats between them) or one (the DIP is its own address).
     * @param nginx serve with nginx (benchmarks) instead of Python's http.server.
     * @throws IOException when a command fails.
     * @throws InterruptedException when interrupted.
     */
    public TwoArmedLab(final Lab.Mode mode, final int servers, final Path work, final Path jar, final boolean pair,
        final boolean nginx) throws IOException, InterruptedException
    {
        this.mode = mode;
        this.servers = servers;
        this.work = work;
        this.jar = jar;
        this.pair = pair;
        this.nginx = nginx;
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

    /** @param n 1-based server number. @return its address. */
    public static String rs(final int n)
    {
        return "198.19.0.1" + n;
    }

    /** @return the namespaces. */
    public Netns ns()
    {
        return ns;
    }

    private void link(final String bridge, final String host, final String ifname, final String tag)
        throws IOException, InterruptedException
    {
        ns.wire(bridge, "v" + tag + "-" + host, host, ifname);
    }

    private void build() throws IOException, InterruptedException
    {
        ns.add("lan");
        ns.sh("lan", "ip link add pub type bridge && ip link set pub up && ip link add priv type bridge && " +
            "ip link set priv up");
        ns.add("client");
        link("pub", "client", "eth0", "p");
        ns.sh("client", "ip addr add " + CLIENT + "/24 dev eth0");
        final List<String> ds = pair ? List.of("director", "director2") : List.of("director");
        for (int d = 0; d < ds.size(); d++)
        {
            final String h = ds.get(d);
            ns.add(h);
            link("pub", h, "eth0", "p");
            link("priv", h, "eth1", "q");
            ns.sh(h, "ip addr add 198.18.0." + (2 + d) + "/24 dev eth0 && ip addr add 198.19.0." + (2 + d) +
                "/24 dev eth1 && sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 " +
                "net.ipv4.conf.default.send_redirects=0 net.ipv4.conf.all.rp_filter=0 " +
                "net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.eth0.rp_filter=0 net.ipv4.conf.eth1.rp_filter=0");
        }
        final String gateway = pair ? DIP : "198.19.0.2";
        for (int i = 1; i <= servers; i++)
        {
            final String h = "rs" + i;
            ns.add(h);
            link("priv", h, "eth0", "q");
            ns.sh(h, "ip addr add " + rs(i) + "/24 dev eth0 && ip route add default via " + gateway);
            if (Lab.Mode.DR == mode)
            {
                ns.sh(h, "ip addr add " + VIP + "/32 dev lo && sysctl -qw net.ipv4.conf.all.arp_ignore=1 " +
                    "net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2");
            }
            else if (Lab.Mode.TUN == mode)
            {
                final Path log = work.resolve(h + "-rs-tun.log");
                ns.spawn(h, List.of("java", "-Xmx64m", "-jar", jar.toString(), "realserver", "tun",
                    "start", "--userspace", "--vip", VIP), log);
                awaitLog(log, "rs-tun: decapsulating", 15_000);
            }
            serve(h);
        }
        for (int i = 1; i <= servers; i++)
        {
            for (int t = 0; t < 100 && 0 != ns.shAllowFail("rs" + i, "curl -s -o /dev/null --max-time 1 http://" +
                rs(i) + "/", 5).exit(); t++)
            {
                Thread.sleep(100);
            }
        }
    }

    private void serve(final String h) throws IOException
    {
        final Path docs = work.resolve(h);
        Files.createDirectories(docs);
        Files.writeString(docs.resolve("index.html"), h + "\n");
        if (nginx)
        {
            final Path conf = work.resolve(h + "-nginx.conf");
            Files.writeString(conf, "user root; worker_processes 1; daemon off; pid " + work.resolve(h + ".pid") +
                "; error_log " + work.resolve(h + "-error.log") + ";\nevents { worker_connections 4096; }\n" +
                "http { access_log off; keepalive_requests 100000; server { listen 80; root " + docs + "; } }\n");
            ns.spawn(h, List.of("nginx", "-c", conf.toString()), work.resolve(h + ".log"));
        }
        else
        {
            ns.spawn(h, List.of("/usr/bin/python3", "-m", "http.server", "80", "--bind", "0.0.0.0", "--directory",
                docs.toString()), work.resolve(h + ".log"));
        }
    }

    /**
     * Stop one real server's web server (and only its: processes are not confined to their network namespace,
     * so a pattern would kill the others' too).
     *
     * @param n 1-based server number.
     * @throws IOException when kill fails.
     * @throws InterruptedException when interrupted.
     */
    public void stopWebServer(final int n) throws IOException, InterruptedException
    {
        Netns.stopAll("rs" + n);
    }

    /**
     * The keepalived.conf of the guide's VS/NAT example (or its DR/TUN variant), for one of the pair.
     *
     * @param routerId router_id.
     * @param state MASTER or BACKUP.
     * @param priority both instances' priority.
     * @param scheduler lb_algo.
     * @param persistence persistence_timeout, 0 for none.
     * @return the configuration.
     */
    public String config(final String routerId, final String state, final int priority, final String scheduler,
        final int persistence)
    {
        final StringBuilder b = new StringBuilder();
        b.append("global_defs {\n  router_id ").append(routerId).append('\n');
        if (pair)
        {
            b.append("  lvs_sync_daemon eth1 VI_2 id 9\n");
        }
        b.append("}\n");
        if (pair)
        {
            b.append("vrrp_sync_group VG1 {\n  group {\n    VI_1\n    VI_2\n  }\n}\n");
            for (final String[] i : new String[][] {{"VI_1", "eth0", "51", VIP + "/24 dev eth0"},
                {"VI_2", "eth1", privateVrid, DIP + "/24 dev eth1"}})
            {
                b.append("vrrp_instance ").append(i[0]).append(" {\n  state ").append(state).append("\n  interface ")
                    .append(i[1]).append("\n  virtual_router_id ").append(i[2]).append("\n  priority ")
                    .append(priority).append("\n  advert_int 1\n  authentication {\n    auth_type PASS\n    " +
                        "auth_pass jvs2arm\n  }\n  virtual_ipaddress {\n    ").append(i[3]).append("\n  }\n}\n");
            }
        }
        b.append("virtual_server ").append(VIP).append(" 80 {\n  delay_loop 1\n  lb_algo ").append(scheduler)
            .append("\n  lb_kind ").append(mode.name()).append('\n');
        if (persistence > 0)
        {
            b.append("  persistence_timeout ").append(persistence).append('\n');
        }
        b.append("  protocol TCP\n");
        for (int i = 1; i <= servers; i++)
        {
            b.append("  real_server ").append(rs(i)).append(" 80 {\n    weight 1\n    TCP_CHECK {\n" +
                "      connect_port 80\n      connect_timeout 1\n      nb_get_retry 1\n      delay_before_retry 1\n" +
                "    }\n  }\n");
        }
        return b.append("}\n").toString();
    }

    /**
     * The guide's master/backup example gives both instances the same virtual_router_id: a VRID is per
     * interface.
     *
     * @param vrid VI_2's virtual_router_id (VI_1's is 51).
     */
    public void privateVrid(final int vrid)
    {
        privateVrid = String.valueOf(vrid);
    }

    /**
     * Start jvs on a director, on both its interfaces (named by the configuration), and wait until it runs.
     *
     * @param host "director" or "director2".
     * @param conf its keepalived.conf.
     * @param options more options of jvs run.
     * @return its log.
     * @throws IOException when it does not start.
     * @throws InterruptedException when interrupted.
     */
    public Path startDirector(final String host, final String conf, final List<String> options)
        throws IOException, InterruptedException
    {
        final Path file = work.resolve(host + ".conf");
        Files.writeString(file, conf);
        final Path log = work.resolve(host + ".log");
        final Process p = ns.spawnReady(host, Netns.jvsRun(jar, "256m", List.of("-f", file.toString(), "--capacity",
            "65536", "--control", work.resolve(host + ".sock").toString()), options), log, "started on");
        directors.put(host, p);
        return log;
    }

    /**
     * Start real keepalived's VRRP (Debian's, {@code --vrrp}: this kernel has no IPVS) on a director, as the
     * other half of a mixed pair.
     *
     * @param host the director.
     * @param conf keepalived.conf (VRRP only).
     * @return its log.
     * @throws IOException when it cannot start.
     */
    public Path startKeepalived(final String host, final String conf) throws IOException
    {
        final Path file = work.resolve(host + "-keepalived.conf");
        Files.writeString(file, conf);
        final Path log = work.resolve(host + "-keepalived.log");
        directors.put(host, ns.spawn(host, List.of("keepalived", "--vrrp", "-n", "-l", "-D", "--log-console", "-f",
            file.toString(), "-p", work.resolve(host + "-keepalived.pid").toString(), "-r",
            work.resolve(host + "-keepalived-vrrp.pid").toString()), log));
        return log;
    }

    /**
     * The VRRP part of {@link #config}: what a keepalived that only runs VRRP reads.
     *
     * @param routerId router_id.
     * @param state MASTER or BACKUP.
     * @param priority both instances' priority.
     * @return the configuration.
     */
    public String vrrpConfig(final String routerId, final String state, final int priority)
    {
        final String full = config(routerId, state, priority, "rr", 0);
        return full.substring(0, full.indexOf("virtual_server")).replace("  lvs_sync_daemon eth1 VI_2 id 9\n", "");
    }

    /**
     * Crash a director: it and everything it started frozen, then killed ({@link Netns#crash}).
     *
     * @param host the director.
     * @throws IOException when kill cannot run.
     * @throws InterruptedException when interrupted.
     */
    public void crashDirector(final String host) throws IOException, InterruptedException
    {
        Netns.crash(directors.remove(host));
    }

    /**
     * Stop a director with SIGTERM.
     *
     * @param host the director.
     * @return its log.
     * @throws IOException reading the log.
     * @throws InterruptedException when interrupted.
     */
    public String stopDirector(final String host) throws IOException, InterruptedException
    {
        final Process p = directors.remove(host);
        p.destroy();
        p.waitFor();
        return Files.readString(work.resolve(host + ".log"), StandardCharsets.UTF_8);
    }

    /**
     * Wait for a log line that contains a text, after a number of earlier ones.
     *
     * @param log the log.
     * @param text what to find.
     * @param timeoutMs how long to wait.
     * @return the line, or null.
     * @throws IOException reading it.
     * @throws InterruptedException when interrupted.
     */
    public static String awaitLog(final Path log, final String text, final long timeoutMs)
        throws IOException, InterruptedException
    {
        final long end = System.nanoTime() + timeoutMs * 1_000_000L;
        do
        {
            if (Files.exists(log))
            {
                for (final String l : Files.readAllLines(log, StandardCharsets.UTF_8))
                {
                    if (l.contains(text))
                    {
                        return l;
                    }
                }
            }
            Thread.sleep(50);
        }
        while (System.nanoTime() - end < 0);
        return null;
    }

    /**
     * GET a path of the VIP from the client, from one of its addresses.
     *
     * @param from the source address (null: the client's own).
     * @return the body.
     * @throws IOException when curl fails.
     * @throws InterruptedException when interrupted.
     */
    public String get(final String from) throws IOException, InterruptedException
    {
        return ns.sh("client", "curl -s -S --max-time 5 " + (null == from ? "" : "--interface " + from + " ") +
            "http://" + VIP + "/").trim();
    }

    @Override
    public void close()
    {
        for (final Process p : directors.values())
        {
            try
            {
                Netns.crash(p);
            }
            catch (final IOException | InterruptedException ex)
            {
                p.destroyForcibly();
            }
        }
        directors.clear();
        ns.close();
    }
}
