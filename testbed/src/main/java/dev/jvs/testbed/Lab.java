package dev.jvs.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A director testbed of network namespaces on one Ethernet segment (a bridge in its own namespace):
 * <pre>
 *   client ──┐
 *   director ┼── lan (bridge) ── rs1, rs2, rs3 (HTTP servers that answer "rsN")
 * </pre>
 * DR: everyone in 198.19.0.0/24; the real servers hold the VIP 198.19.0.80 on loopback with
 * arp_ignore=1/arp_announce=2, so only the director answers ARP for it. NAT: the client is in
 * 198.18.0.0/24 routed through the director (198.18.0.2), the real servers route through it too
 * (198.19.0.2). TUN: as DR, but the real servers take the director's IPIP through {@code jvs rs-tun}
 * (this kernel has no ipip module). The director's kernel keeps ip_forward=0: only jvs forwards.
 */
public final class Lab implements AutoCloseable
{
    /** The VIP. */
    public static final String VIP = "198.19.0.80";

    /** Forwarding mode of the topology. */
    public enum Mode
    {
        /** Masquerading. */
        NAT,
        /** Direct routing. */
        DR,
        /** IP-in-IP tunnelling, decapsulated on the real servers by jvs rs-tun. */
        TUN
    }

    private final Netns ns = new Netns();
    private final Mode mode;
    private final int servers;
    private final Path work;
    private final Path jar;
    private final boolean nginx;
    private final boolean ha;
    private Process director;
    private Path directorLog;
    private List<String> directorEnv = List.of();
    private final Map<String, Process> directors = new LinkedHashMap<>();

    /**
     * Build the topology and start the real servers.
     *
     * @param mode NAT or DR.
     * @param servers how many real servers (1..9).
     * @param work a scratch directory.
     * @param jar the jvs jar.
     * @throws IOException when a command fails.
     * @throws InterruptedException when interrupted.
     */
    public Lab(final Mode mode, final int servers, final Path work, final Path jar)
        throws IOException, InterruptedException
    {
        this(mode, servers, work, jar, false);
    }

    /**
     * Build the topology and start the real servers.
     *
     * @param mode NAT, DR or TUN.
     * @param servers how many real servers (1..9).
     * @param work a scratch directory.
     * @param jar the jvs jar.
     * @param nginx serve with nginx (one worker) instead of Python's http.server: for benchmarks.
     * @throws IOException when a command fails.
     * @throws InterruptedException when interrupted.
     */
    public Lab(final Mode mode, final int servers, final Path work, final Path jar, final boolean nginx)
        throws IOException, InterruptedException
    {
        this(mode, servers, work, jar, nginx, false);
    }

    /**
     * Build the topology, with a second director for high availability when {@code ha}: "director2" at
     * 198.19.0.3 (198.18.0.3 in NAT), and in NAT the client and the real servers route through the VRRP
     * addresses 198.18.0.1 and 198.19.0.1, owned by whichever director is master.
     *
     * @param mode NAT, DR or TUN.
     * @param servers how many real servers (1..9).
     * @param work a scratch directory.
     * @param jar the jvs jar.
     * @param nginx serve with nginx.
     * @param ha two directors.
     * @throws IOException when a command fails.
     * @throws InterruptedException when interrupted.
     */
    public Lab(final Mode mode, final int servers, final Path work, final Path jar, final boolean nginx,
        final boolean ha) throws IOException, InterruptedException
    {
        this.ha = ha;
        this.nginx = nginx;
        this.mode = mode;
        this.servers = servers;
        this.work = work;
        this.jar = jar;
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

    private void build() throws IOException, InterruptedException
    {
        ns.add("lan");
        ns.sh("lan", "ip link add br0 type bridge && ip link set br0 up");
        final List<String> hosts = new ArrayList<>(List.of("client", "director"));
        if (ha)
        {
            hosts.add("director2");
        }
        for (int i = 1; i <= servers; i++)
        {
            hosts.add("rs" + i);
        }
        for (final String h : hosts)
        {
            ns.add(h);
            ns.wire("br0", "v-" + h, h, "eth0");
        }
        ns.sh("director", "ip addr add 198.19.0.2/24 dev eth0 && sysctl -qw net.ipv4.ip_forward=0");
        if (ha)
        {
            ns.sh("director2", "ip addr add 198.19.0.3/24 dev eth0 && sysctl -qw net.ipv4.ip_forward=0");
        }
        final String gw = ha ? "1" : "2";
        if (Mode.NAT == mode)
        {
            ns.sh("client", "ip addr add 198.18.0.5/24 dev eth0 && ip route add default via 198.18.0." + gw);
            ns.sh("director", "ip addr add 198.18.0.2/24 dev eth0");
            if (ha)
            {
                ns.sh("director2", "ip addr add 198.18.0.3/24 dev eth0");
            }
        }
        else
        {
            ns.sh("client", "ip addr add 198.19.0.5/24 dev eth0");
        }
        for (int i = 1; i <= servers; i++)
        {
            final String h = "rs" + i;
            ns.sh(h, "ip addr add " + rs(i) + "/24 dev eth0");
            if (Mode.NAT == mode)
            {
                ns.sh(h, "ip route add default via 198.19.0." + gw);
            }
            else if (Mode.DR == mode)
            {
                ns.sh(h, "ip addr add " + VIP + "/32 dev lo && sysctl -qw net.ipv4.conf.all.arp_ignore=1 " +
                    "net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2");
            }
            else
            {
                final Path log = work.resolve(h + "-rs-tun.log");
                ns.spawn(h, List.of("java", "-Xmx64m", "-jar", jar.toString(), "realserver", "tun",
                    "start", "--userspace", "--vip", VIP), log);
                waitForLog(log, "rs-tun: decapsulating");
            }
            final Path docs = work.resolve(h);
            Files.createDirectories(docs);
            Files.writeString(docs.resolve("index.html"), h + "\n");
            Files.write(docs.resolve("big.bin"), new byte[256 * 1024]);
            if (nginx)
            {
                final Path conf = work.resolve(h + "-nginx.conf");
                Files.writeString(conf, "user root; worker_processes 1; daemon off; pid " + work.resolve(h + ".pid") +
                    "; error_log " + work.resolve(h + "-error.log") + ";\nevents { worker_connections 4096; }\n" +
                    "http { access_log off; keepalive_requests 100000; server { listen 80; root " + docs +
                    "; } }\n");
                ns.spawn(h, List.of("nginx", "-c", conf.toString()), work.resolve(h + ".log"));
            }
            else
            {
                ns.spawn(h, List.of("/usr/bin/python3", "-m", "http.server", "80", "--bind", "0.0.0.0",
                    "--directory", docs.toString()), work.resolve(h + ".log"));
            }
        }
        for (int i = 1; i <= servers; i++)
        {
            waitFor("rs" + i, "curl -s -o /dev/null --max-time 1 http://" + rs(i) + "/");
        }
    }

    private static void waitForLog(final Path log, final String text) throws IOException, InterruptedException
    {
        for (int t = 0; t < 150; t++)
        {
            if (Files.exists(log) && Files.readString(log).contains(text))
            {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("not ready: " + (Files.exists(log) ? Files.readString(log) : log));
    }

    private void waitFor(final String host, final String cmd) throws IOException, InterruptedException
    {
        for (int t = 0; t < 100; t++)
        {
            if (0 == ns.shAllowFail(host, cmd, 5).exit())
            {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(host + ": not ready: " + cmd);
    }

    /**
     * Start the director with a configuration.
     *
     * @param keepalivedConf the configuration text.
     * @throws IOException when it does not start.
     * @throws InterruptedException when interrupted.
     */
    public void startDirector(final String keepalivedConf) throws IOException, InterruptedException
    {
        startDirector(keepalivedConf, List.of());
    }

    /**
     * @param env NAME=VALUE pairs for the next {@link #startDirector}'s environment (systemd's NOTIFY_SOCKET).
     */
    public void directorEnvironment(final List<String> env)
    {
        this.directorEnv = List.copyOf(env);
    }

    /**
     * Start the director with a configuration and extra options.
     *
     * @param keepalivedConf the configuration text.
     * @param options more command-line options of jvs run; those starting with -X go to the JVM.
     * @throws IOException when it does not start.
     * @throws InterruptedException when interrupted.
     */
    public void startDirector(final String keepalivedConf, final List<String> options)
        throws IOException, InterruptedException
    {
        final Path conf = work.resolve("keepalived.conf");
        Files.writeString(conf, keepalivedConf);
        directorLog = work.resolve("director.log");
        final List<String> cmd = new ArrayList<>(List.of("env"));
        cmd.addAll(directorEnv);
        cmd.addAll(Netns.jvsRun(jar, "256m", List.of("-f", conf.toString(), "-i", "eth0", "--capacity", "65536",
            "--director-ip", "198.19.0.2"), options));
        director = ns.spawnReady("director", cmd, directorLog, "started on");
    }

    /**
     * Start a director on a given host ("director" or "director2") with its own log, and wait until it runs.
     *
     * @param host the host.
     * @param keepalivedConf the configuration.
     * @param options more options of jvs run.
     * @return its log file.
     * @throws IOException when it does not start.
     * @throws InterruptedException when interrupted.
     */
    public Path startDirectorOn(final String host, final String keepalivedConf, final List<String> options)
        throws IOException, InterruptedException
    {
        final Path conf = work.resolve(host + ".conf");
        Files.writeString(conf, keepalivedConf);
        final Path log = work.resolve(host + ".log");
        final String ip = "director".equals(host) ? "198.19.0.2" : "198.19.0.3";
        final Process p = ns.spawnReady(host, Netns.jvsRun(jar, "256m", List.of("-f", conf.toString(), "-i", "eth0",
            "--capacity", "65536", "--director-ip", ip, "--control", work.resolve(host + ".sock").toString()), options),
            log, "started on");
        directors.put(host, p);
        return log;
    }

    /**
     * Crash a director started by {@link #startDirectorOn}: it and every process it started are frozen, then
     * killed ({@link Netns#crash}).
     *
     * @param host the host.
     * @throws IOException when kill cannot run.
     * @throws InterruptedException when interrupted.
     */
    public void crashDirector(final String host) throws IOException, InterruptedException
    {
        Netns.crash(directors.get(host));
    }

    /**
     * Stop a director started by {@link #startDirectorOn} with SIGTERM.
     *
     * @param host the host.
     * @throws InterruptedException when interrupted.
     */
    public void stopDirectorOn(final String host) throws InterruptedException
    {
        directors.get(host).destroy();
        directors.get(host).waitFor();
    }

    /**
     * Stop the director with SIGTERM and return its log.
     *
     * @return the log.
     * @throws IOException reading the log.
     * @throws InterruptedException when interrupted.
     */
    public String stopDirector() throws IOException, InterruptedException
    {
        director.destroy();
        director.waitFor();
        return Files.readString(directorLog, StandardCharsets.UTF_8);
    }

    /**
     * Stop the director with SIGTERM.
     *
     * @return its exit status.
     * @throws InterruptedException when interrupted.
     */
    public int stopDirectorStatus() throws InterruptedException
    {
        director.destroy();
        return director.waitFor();
    }

    /**
     * Write a new configuration and send the director SIGHUP; wait for its "reload" log line.
     *
     * @param keepalivedConf the new configuration.
     * @return the log line about the reload.
     * @throws IOException when it does not reload.
     * @throws InterruptedException when interrupted.
     */
    public String reloadDirector(final String keepalivedConf) throws IOException, InterruptedException
    {
        Files.writeString(work.resolve("keepalived.conf"), keepalivedConf);
        final long before = Files.readAllLines(directorLog).stream().filter(l -> l.contains(" reload")).count();
        Netns.run(List.of("kill", "-HUP", String.valueOf(director.pid())), 5);
        for (int t = 0; t < 100; t++)
        {
            final List<String> lines = Files.readAllLines(directorLog).stream().filter(l -> l.contains(" reload"))
                .toList();
            if (lines.size() > before)
            {
                return lines.get(lines.size() - 1);
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no reload: " + Files.readString(directorLog));
    }

    /**
     * @return the director's log so far.
     * @throws IOException reading it.
     */
    public String directorLog() throws IOException
    {
        return Files.readString(directorLog, StandardCharsets.UTF_8);
    }

    /**
     * Wait for a line of the director's log that contains a text.
     *
     * @param text what to find.
     * @param timeoutMs how long to wait.
     * @return the line, or null when it did not come in time.
     * @throws IOException reading the log.
     * @throws InterruptedException when interrupted.
     */
    public String awaitLog(final String text, final long timeoutMs) throws IOException, InterruptedException
    {
        final long end = System.nanoTime() + timeoutMs * 1_000_000L;
        do
        {
            for (final String l : Files.readAllLines(directorLog, StandardCharsets.UTF_8))
            {
                if (l.contains(text))
                {
                    return l;
                }
            }
            Thread.sleep(50);
        }
        while (System.nanoTime() - end < 0);
        return null;
    }

    /** @return the director process's pid. */
    public long directorPid()
    {
        return director.pid();
    }

    /**
     * Crash the director: it and every process it started are frozen, then killed ({@link Netns#crash}).
     *
     * @throws IOException when kill cannot run.
     * @throws InterruptedException when interrupted.
     */
    public void killDirector() throws IOException, InterruptedException
    {
        Netns.crash(director);
    }

    /**
     * One HTTP request from the client to the VIP (a new connection).
     *
     * @param path the path.
     * @return the body, or "ERROR: ..." on failure.
     * @throws IOException when the command cannot run.
     * @throws InterruptedException when interrupted.
     */
    public String get(final String path) throws IOException, InterruptedException
    {
        final Netns.Result r = ns.shAllowFail("client", "curl -s -S --max-time 5 http://" + VIP + path, 10);
        return 0 == r.exit() ? r.out() : "ERROR: " + r.out();
    }

    /**
     * Count which server answered each of {@code n} requests.
     *
     * @param n requests.
     * @return body (trimmed) to count, in first-seen order.
     * @throws IOException when a command cannot run.
     * @throws InterruptedException when interrupted.
     */
    public Map<String, Integer> counts(final int n) throws IOException, InterruptedException
    {
        final Map<String, Integer> c = new LinkedHashMap<>();
        for (int i = 0; i < n; i++)
        {
            c.merge(get("/").trim(), 1, Integer::sum);
        }
        return c;
    }

    /** @return the namespaces, for commands of a test's own. */
    public Netns ns()
    {
        return ns;
    }

    @Override
    public void close()
    {
        ns.close();
    }
}
