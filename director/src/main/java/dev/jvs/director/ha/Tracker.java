package dev.jvs.director.ha;

import dev.jvs.director.config.VrrpConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * track_script, track_interface, track_file and track_process, on a thread of their own: runs each vrrp_script every interval (killed
 * after its timeout), applies rise and fall, reads each tracked interface's operstate every second, and
 * posts every instance whose priority change or FAULT condition moved to a queue the forwarding thread
 * drains. keepalived's weights: 0 puts the instance in FAULT while the script fails (or the interface is
 * down); a positive weight is added while the script succeeds (interface up); a negative one while it fails
 * (interface down); {@code reverse} turns success and failure round.
 */
public final class Tracker implements AutoCloseable
{
    /** What the forwarding thread applies to an instance. */
    public record Update(String instance, int delta, boolean fault)
    {
    }

    /** One script's rise/fall state. */
    static final class ScriptState
    {
        final VrrpConfig.Script script;
        boolean up;
        int run;

        ScriptState(final VrrpConfig.Script script)
        {
            this.script = script;
            this.up = !script.initFail();
        }

        /** @param ok the result of one run. @return whether the state changed. */
        boolean result(final boolean ok)
        {
            if (ok == up)
            {
                run = 0;
                return false;
            }
            run++;
            if (run >= (ok ? script.rise() : script.fall()))
            {
                up = ok;
                run = 0;
                return true;
            }
            return false;
        }
    }

    private final List<VrrpConfig.Instance> instances;
    private final Map<String, ScriptState> scripts = new HashMap<>();
    private final Map<String, Boolean> interfaces = new HashMap<>();
    private final Map<String, VrrpConfig.TrackFile> files = new HashMap<>();
    private final Map<String, ProcessState> processes = new HashMap<>();
    private final Map<String, Long> fileValues = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Update> last = new HashMap<>();
    private final Queue<Update> updates = new ConcurrentLinkedQueue<>();
    private final Consumer<String> log;
    private ScheduledExecutorService exec;

    /**
     * @param cfg the VRRP configuration.
     * @param instances the instances run here.
     * @param log log lines.
     */
    public Tracker(final VrrpConfig cfg, final List<VrrpConfig.Instance> instances, final Consumer<String> log)
    {
        this.instances = instances;
        this.log = log;
        for (final VrrpConfig.Instance i : instances)
        {
            i.trackScripts().keySet().forEach(s -> scripts.computeIfAbsent(s, n -> new ScriptState(cfg.scripts().get(n))));
            i.trackInterfaces().keySet().forEach(n -> interfaces.put(n, isUp(n)));
            i.trackFilesUsed().keySet().forEach(n -> files.put(n, cfg.trackFiles().get(n)));
            i.trackProcessesUsed().keySet().forEach(n -> processes.computeIfAbsent(n,
                x -> new ProcessState(cfg.trackProcesses().get(x))));
        }
        if (!processes.isEmpty())
        {
            // keepalived scans /proc once at start too: the first state is what runs now, without delays.
            final Map<String, Integer> counts = countProcesses();
            processes.values().forEach(p -> p.up = p.ok(counts.get(p.process.name())));
        }
        for (final VrrpConfig.TrackFile f : files.values())
        {
            initFile(f, log);
            fileValues.put(f.name(), f.value());
        }
        for (final VrrpConfig.Instance i : instances)
        {
            final Update u = evaluate(i);
            last.put(i.cfg().name(), u);
        }
    }

    /** @param name an instance. @return its tracking result at start (before any script ran). */
    public Update initial(final String name)
    {
        return last.get(name);
    }

    /** Start running scripts and watching interfaces. */
    public void start()
    {
        if (scripts.isEmpty() && interfaces.isEmpty() && files.isEmpty() && processes.isEmpty())
        {
            return;
        }
        exec = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "jvs-track");
            t.setDaemon(true);
            return t;
        });
        for (final ScriptState s : scripts.values())
        {
            exec.scheduleAtFixedRate(() -> runScript(s), 0, s.script.intervalMs(), TimeUnit.MILLISECONDS);
        }
        if (!interfaces.isEmpty() || !files.isEmpty())
        {
            // keepalived watches with inotify; a one-second poll keeps this portable and cheap.
            exec.scheduleAtFixedRate(this::pollInterfaces, 1000, 1000, TimeUnit.MILLISECONDS);
        }
        if (!processes.isEmpty())
        {
            // keepalived listens to the kernel's process events connector; a /proc scan every 500 ms reads
            // the same thing (comm, state, and the command line only when a block matches on it).
            exec.scheduleAtFixedRate(() -> pollProcesses(System.currentTimeMillis()), 500, 500,
                TimeUnit.MILLISECONDS);
        }
    }

    /** @return the next update for the forwarding thread, or null. */
    public Update poll()
    {
        return updates.poll();
    }

    private void runScript(final ScriptState s)
    {
        boolean ok;
        try
        {
            final Process p = new ProcessBuilder(s.script.script().argv(List.of())).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor(s.script.timeoutMs(), TimeUnit.MILLISECONDS))
            {
                ok = 0 == p.exitValue();
            }
            else
            {
                p.destroyForcibly();
                ok = false;
            }
        }
        catch (final IOException ex)
        {
            ok = false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return;
        }
        if (s.result(ok))
        {
            log.accept("VRRP script " + s.script.name() + " " + (s.up ? "succeeded" : "failed"));
            publish();
        }
    }

    private void pollInterfaces()
    {
        boolean changed = false;
        for (final VrrpConfig.TrackFile f : files.values())
        {
            final long v = f.value();
            final Long before = fileValues.put(f.name(), v);
            if (null == before || before != v)
            {
                log.accept("VRRP track_file " + f.name() + " reads " + v);
                changed = true;
            }
        }
        for (final Map.Entry<String, Boolean> e : interfaces.entrySet())
        {
            final boolean up = isUp(e.getKey());
            if (up != e.getValue())
            {
                e.setValue(up);
                log.accept("VRRP tracked interface " + e.getKey() + " is " + (up ? "up" : "down"));
                changed = true;
            }
        }
        if (changed)
        {
            publish();
        }
    }

    /** One vrrp_track_process: its quorum state, with fork_delay and terminate_delay applied. */
    static final class ProcessState
    {
        final VrrpConfig.TrackProcess process;
        boolean up;
        long changingSince = -1;

        ProcessState(final VrrpConfig.TrackProcess process)
        {
            this.process = process;
        }

        boolean ok(final Integer count)
        {
            final int n = null == count ? 0 : count;
            return n >= process.quorum() && n <= process.quorumMax();
        }

        /** @return whether the state changed. */
        boolean observe(final boolean ok, final long nowMs)
        {
            if (ok == up)
            {
                changingSince = -1;
                return false;
            }
            if (changingSince < 0)
            {
                changingSince = nowMs;
            }
            if (nowMs - changingSince >= (ok ? process.forkDelayMs() : process.terminateDelayMs()))
            {
                up = ok;
                changingSince = -1;
                return true;
            }
            return false;
        }
    }

    /** Matching processes per vrrp_track_process, from one scan of /proc (zombies left out). */
    private Map<String, Integer> countProcesses()
    {
        final Map<String, Integer> counts = new HashMap<>();
        final boolean cmdline = processes.values().stream().anyMatch(p -> p.process.fullCommand() ||
            p.process.command().size() > 1 || null != p.process.paramMatch());
        final java.io.File[] pids = new java.io.File("/proc").listFiles((d, n) -> !n.isEmpty() &&
            n.chars().allMatch(Character::isDigit));
        if (null == pids)
        {
            return counts;
        }
        for (final java.io.File pid : pids)
        {
            try
            {
                final String stat = Files.readString(pid.toPath().resolve("stat"));
                final int open = stat.indexOf('(');
                final int close = stat.lastIndexOf(')');
                if (open < 0 || close < open || close + 2 >= stat.length() || 'Z' == stat.charAt(close + 2))
                {
                    continue;
                }
                final String comm = stat.substring(open + 1, close);
                List<String> argv = List.of();
                if (cmdline)
                {
                    final String raw = Files.readString(pid.toPath().resolve("cmdline"));
                    argv = raw.isEmpty() ? List.of() : List.of(raw.split("\0"));
                }
                for (final ProcessState p : processes.values())
                {
                    if (p.process.matches(comm, argv))
                    {
                        counts.merge(p.process.name(), 1, Integer::sum);
                    }
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                // The process ended while being read.
            }
        }
        return counts;
    }

    private void pollProcesses(final long nowMs)
    {
        final Map<String, Integer> counts = countProcesses();
        boolean changed = false;
        for (final ProcessState p : processes.values())
        {
            if (p.observe(p.ok(counts.get(p.process.name())), nowMs))
            {
                log.accept("VRRP track_process " + p.process.name() + " is " + (p.up ? "up" : "down") + " (" +
                    counts.getOrDefault(p.process.name(), 0) + " running)");
                changed = true;
            }
        }
        if (changed)
        {
            publish();
        }
    }

    private void publish()
    {
        for (final VrrpConfig.Instance i : instances)
        {
            final Update u = evaluate(i);
            if (!u.equals(last.put(i.cfg().name(), u)))
            {
                updates.add(u);
            }
        }
    }

    /**
     * @param i an instance.
     * @return its priority change and FAULT condition from what it tracks now.
     */
    Update evaluate(final VrrpConfig.Instance i)
    {
        final Tally t = new Tally();
        for (final Map.Entry<String, Integer> e : i.trackScripts().entrySet())
        {
            final ScriptState s = scripts.get(e.getKey());
            t.weigh(null != e.getValue() ? e.getValue() : s.script.weight(), s.up != s.script.reverse());
        }
        for (final Map.Entry<String, Integer> e : i.trackInterfaces().entrySet())
        {
            t.weigh(e.getValue(), interfaces.get(e.getKey()));
        }
        for (final Map.Entry<String, VrrpConfig.Tracked> e : i.trackProcessesUsed().entrySet())
        {
            final ProcessState p = processes.get(e.getKey());
            final boolean reverse = null != e.getValue() ? e.getValue().reverse() : p.process.reverse();
            t.weigh(null != e.getValue() ? e.getValue().weight() : p.process.weight(), p.up != reverse);
        }
        for (final Map.Entry<String, VrrpConfig.Tracked> e : i.trackFilesUsed().entrySet())
        {
            final VrrpConfig.TrackFile f = files.get(e.getKey());
            final int w = null != e.getValue() ? e.getValue().weight() : f.weight();
            final boolean reverse = null != e.getValue() ? e.getValue().reverse() : f.reverse();
            final long value = fileValues.getOrDefault(f.name(), 0L);
            if (0 == w)
            {
                t.fault |= 0 != value;
                continue;
            }
            final long r = value * w * (reverse ? -1 : 1);
            if (r < -253)
            {
                t.fault = true;
            }
            else
            {
                t.delta += (int)Math.min(253, r);
            }
        }
        return new Update(i.cfg().name(), t.delta, t.fault);
    }

    /**
     * keepalived's rule for scripts, interfaces and processes: weight 0 is FAULT while bad; a positive weight
     * is added while good, a negative one while bad.
     */
    private static final class Tally
    {
        int delta;
        boolean fault;

        void weigh(final int weight, final boolean good)
        {
            if (0 == weight)
            {
                fault |= !good;
            }
            else if (weight > 0 ? good : !good)
            {
                delta += weight;
            }
        }
    }

    private static void initFile(final VrrpConfig.TrackFile f, final Consumer<String> log)
    {
        if (null == f.initValue() || Files.exists(f.file()) && !f.overwrite())
        {
            return;
        }
        try
        {
            Files.writeString(f.file(), f.initValue() + "\n");
        }
        catch (final IOException ex)
        {
            log.accept("warning: track_file " + f.name() + ": cannot write " + f.file() + ": " + ex.getMessage());
        }
    }

    /** Poll files, interfaces and processes now (tests). @param nowMs the time. */
    void pollNow(final long nowMs)
    {
        pollInterfaces();
        if (!processes.isEmpty())
        {
            pollProcesses(nowMs);
        }
    }

    /** Poll now (tests). */
    void pollNow()
    {
        pollNow(System.currentTimeMillis());
    }

    /** Feed a script result directly (tests). @param name script. @param ok result. */
    void result(final String name, final boolean ok)
    {
        if (scripts.get(name).result(ok))
        {
            publish();
        }
    }

    static boolean isUp(final String iface)
    {
        try
        {
            final String s = Files.readString(Path.of("/sys/class/net", iface, "operstate")).trim();
            return !"down".equals(s) && !"lowerlayerdown".equals(s) && !"notpresent".equals(s);
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    @Override
    public void close()
    {
        if (null != exec)
        {
            exec.shutdownNow();
        }
    }
}
