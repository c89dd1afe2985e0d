package dev.jvs.testbed;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test hosts as network namespaces named {@code jvs-t-HOST}, created by the test and always removed (close,
 * even when the test failed; and at the next start, whatever a killed run left behind). Every command runs
 * with a timeout.
 */
public final class Netns implements AutoCloseable
{
    /** Namespace name prefix. */
    public static final String PREFIX = "jvs-t-";

    private final List<String> hosts = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    /** Exit status and output. */
    public record Result(int exit, String out)
    {
    }

    /** Remove namespaces a previous, killed run left. */
    public static void sweep() throws IOException, InterruptedException
    {
        final Result r = run(List.of("ip", "netns", "list"), 10);
        for (final String line : r.out().split("\n"))
        {
            final String name = line.split(" ")[0].trim();
            if (name.startsWith(PREFIX))
            {
                run(List.of("ip", "netns", "pids", name), 5).out().lines()
                    .forEach(pid -> runQuietly(List.of("kill", "-9", pid.trim())));
                run(List.of("ip", "netns", "del", name), 10);
            }
        }
    }

    public static Result run(final List<String> cmd, final int timeoutS) throws IOException, InterruptedException
    {
        // Output goes to a file, not a pipe: a command that writes more than a pipe holds must not block.
        final java.io.File out = java.io.File.createTempFile("jvs-cmd", ".out");
        try
        {
            final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out).start();
            if (!p.waitFor(timeoutS, TimeUnit.SECONDS))
            {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, "timeout after " + timeoutS + " s: " + String.join(" ", cmd));
            }
            return new Result(p.exitValue(), java.nio.file.Files.readString(out.toPath(), StandardCharsets.ISO_8859_1));
        }
        finally
        {
            out.delete();
        }
    }

    private static void runQuietly(final List<String> cmd)
    {
        try
        {
            run(cmd, 5);
        }
        catch (final IOException | InterruptedException ignored)
        {
            // best effort during cleanup
        }
    }

    public static String name(final String host)
    {
        return PREFIX + host;
    }

    /** @return the hosts created so far, in order. */
    public List<String> hosts()
    {
        return List.copyOf(hosts);
    }

    /** Create a host. */
    public void add(final String host) throws IOException, InterruptedException
    {
        check(run(List.of("ip", "netns", "add", name(host)), 10), "ip netns add " + host);
        hosts.add(host);
        sh(host, "ip link set lo up");
    }

    /** Run a shell command on a host and require success. */
    public String sh(final String host, final String cmd) throws IOException, InterruptedException
    {
        final Result r = run(List.of("ip", "netns", "exec", name(host), "sh", "-c", cmd), 60);
        check(r, host + ": " + cmd);
        return r.out();
    }

    /** Run a shell command on a host, whatever its exit status. */
    public Result shAllowFail(final String host, final String cmd, final int timeoutS) throws IOException,
        InterruptedException
    {
        return run(List.of("ip", "netns", "exec", name(host), "sh", "-c", cmd), timeoutS);
    }

    /**
     * Start a long-running process on a host; it is killed at close. It leads a process group of its own
     * ({@code setsid} execs in place, so the returned process is the daemon and its pid the group's id), so that
     * {@link #crash} can freeze it and everything it started at once.
     */
    public Process spawn(final String host, final List<String> cmd, final Path log) throws IOException
    {
        final List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name(host), "setsid"));
        full.addAll(cmd);
        final Process p = new ProcessBuilder(full).redirectErrorStream(true)
            .redirectOutput(log.toFile()).start();
        processes.add(p);
        return p;
    }

    /**
     * Wire a host to a bridge of the "lan" host: a veth pair, one end in the bridge, the other in the host
     * under {@code ifname}, up, and without TSO/GSO/GRO (a wire carries MTU-sized frames: otherwise veth hands
     * 64 KB super-frames to the peer).
     *
     * @param bridge the bridge in "lan".
     * @param outside the name of the bridge's end.
     * @param host the host.
     * @param ifname the host's end.
     * @throws IOException when ip(8) fails.
     * @throws InterruptedException when interrupted.
     */
    public void wire(final String bridge, final String outside, final String host, final String ifname)
        throws IOException, InterruptedException
    {
        sh("lan", "ip link add " + outside + " type veth peer name " + ifname + " netns " + name(host) +
            " && ip link set " + outside + " master " + bridge + " up");
        sh(host, "ip link set " + ifname + " up && ethtool -K " + ifname +
            " tso off gso off gro off >/dev/null 2>&1 || true");
    }

    /**
     * {@link #spawn} a daemon and wait until its log says it is up.
     *
     * @param host the host.
     * @param cmd the command.
     * @param log its log.
     * @param ready the text that says it is up ("started on" for jvs run).
     * @return the process.
     * @throws IOException when it exits or is not up within 15 s.
     * @throws InterruptedException when interrupted.
     */
    public Process spawnReady(final String host, final List<String> cmd, final Path log, final String ready)
        throws IOException, InterruptedException
    {
        Files.deleteIfExists(log);
        final Process p = spawn(host, cmd, log);
        for (int t = 0; t < 150; t++)
        {
            if (Files.exists(log) && Files.readString(log).contains(ready))
            {
                return p;
            }
            if (!p.isAlive())
            {
                throw new IllegalStateException(host + " exited: " + Files.readString(log));
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(host + " did not start: " + Files.readString(log));
    }

    /**
     * The command line of {@code jvs run} as the labs start it: java with the signal the JVM's own use leaves
     * free, Agrona's bounds checks off as in production, a heap cap, the JVM options among {@code options}
     * (those starting "-X"), then run's arguments and the other options.
     *
     * @param jar jvs.jar.
     * @param heap -Xmx's value.
     * @param run run's arguments.
     * @param options more options: "-X..." go to the JVM, the rest to run.
     * @return the command.
     */
    public static List<String> jvsRun(final Path jar, final String heap, final List<String> run,
        final List<String> options)
    {
        final List<String> cmd = new ArrayList<>(List.of("env", "_JAVA_SR_SIGNUM=39", "java",
            "-Dagrona.disable.bounds.checks=true", "-Xmx" + heap));
        options.stream().filter(o -> o.startsWith("-X")).forEach(cmd::add);
        cmd.addAll(List.of("-jar", jar.toString(), "run"));
        cmd.addAll(run);
        options.stream().filter(o -> !o.startsWith("-X")).forEach(cmd::add);
        return cmd;
    }

    /**
     * Crash a process started by {@link #spawn} and every process it started, as a machine failure would: all
     * are frozen first (SIGSTOP to its process group and to any descendant that left it), then killed. Killing
     * them one by one is not a crash: a child that outlives its parent for a moment sees the parent die and may
     * shut down cleanly (keepalived's VRRP child then sends priority 0, and the peer takes over at once).
     *
     * @param p the process.
     * @throws IOException when kill cannot run.
     * @throws InterruptedException when interrupted.
     */
    public static void crash(final Process p) throws IOException, InterruptedException
    {
        final List<String> targets = new ArrayList<>(List.of("--", "-" + p.pid()));
        p.toHandle().descendants().forEach(h -> targets.add(Long.toString(h.pid())));
        final List<String> stop = new ArrayList<>(List.of("kill", "-STOP"));
        stop.addAll(targets);
        run(stop, 10);
        // Descendants started between the listing and the stop are in the group, or children of a frozen one.
        p.toHandle().descendants().forEach(h -> targets.add(Long.toString(h.pid())));
        final List<String> kill = new ArrayList<>(List.of("kill", "-KILL"));
        kill.addAll(targets);
        run(kill, 10);
        if (!p.waitFor(10, TimeUnit.SECONDS))
        {
            throw new IllegalStateException("process " + p.pid() + " survived SIGKILL");
        }
    }

    /**
     * Stop every process of a host (SIGTERM) and wait until none is left: pkill is not namespace-aware, the
     * namespace's own pid list is.
     *
     * @param host the host.
     * @throws IOException when kill cannot run.
     * @throws InterruptedException when interrupted.
     */
    public static void stopAll(final String host) throws IOException, InterruptedException
    {
        run(List.of("sh", "-c", "kill $(ip netns pids " + name(host) + ")"), 10);
        for (int t = 0; t < 100; t++)
        {
            if (run(List.of("ip", "netns", "pids", name(host)), 5).out().isBlank())
            {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(host + " did not stop");
    }

    private static void check(final Result r, final String what)
    {
        if (0 != r.exit())
        {
            throw new IllegalStateException(what + " failed (" + r.exit() + "): " + r.out());
        }
    }

    @Override
    public void close()
    {
        for (final Process p : processes)
        {
            p.destroy();
        }
        for (final Process p : processes)
        {
            try
            {
                if (!p.waitFor(5, TimeUnit.SECONDS))
                {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        for (final String h : hosts)
        {
            try
            {
                run(List.of("ip", "netns", "pids", name(h)), 5).out().lines()
                    .forEach(pid -> runQuietly(List.of("kill", "-9", pid.trim())));
                run(List.of("ip", "netns", "del", name(h)), 10);
            }
            catch (final IOException | InterruptedException ignored)
            {
                // best effort: sweep() removes what remains at the next start
            }
        }
    }
}
