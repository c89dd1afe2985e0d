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
 * track_script and track_interface, on a thread of their own: runs each vrrp_script every interval (killed
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
            this.up = !script.initFail;
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
            if (run >= (ok ? script.rise : script.fall))
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
            i.trackScripts.keySet().forEach(s -> scripts.computeIfAbsent(s, n -> new ScriptState(cfg.scripts.get(n))));
            i.trackInterfaces.keySet().forEach(n -> interfaces.put(n, isUp(n)));
            i.trackFilesUsed.keySet().forEach(n -> files.put(n, cfg.trackFiles.get(n)));
        }
        for (final VrrpConfig.TrackFile f : files.values())
        {
            initFile(f, log);
            fileValues.put(f.name, f.value());
        }
        for (final VrrpConfig.Instance i : instances)
        {
            final Update u = evaluate(i);
            last.put(i.cfg.name, u);
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
        if (scripts.isEmpty() && interfaces.isEmpty() && files.isEmpty())
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
            exec.scheduleAtFixedRate(() -> runScript(s), 0, s.script.intervalMs, TimeUnit.MILLISECONDS);
        }
        if (!interfaces.isEmpty() || !files.isEmpty())
        {
            // keepalived watches with inotify; a one-second poll keeps this portable and cheap.
            exec.scheduleAtFixedRate(this::pollInterfaces, 1000, 1000, TimeUnit.MILLISECONDS);
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
            final Process p = new ProcessBuilder("/bin/sh", "-c", s.script.script).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor(s.script.timeoutMs, TimeUnit.MILLISECONDS))
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
            log.accept("VRRP script " + s.script.name + " " + (s.up ? "succeeded" : "failed"));
            publish();
        }
    }

    private void pollInterfaces()
    {
        boolean changed = false;
        for (final VrrpConfig.TrackFile f : files.values())
        {
            final long v = f.value();
            final Long before = fileValues.put(f.name, v);
            if (null == before || before != v)
            {
                log.accept("VRRP track_file " + f.name + " reads " + v);
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

    private void publish()
    {
        for (final VrrpConfig.Instance i : instances)
        {
            final Update u = evaluate(i);
            if (!u.equals(last.put(i.cfg.name, u)))
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
        int delta = 0;
        boolean fault = false;
        for (final Map.Entry<String, Integer> t : i.trackScripts.entrySet())
        {
            final ScriptState s = scripts.get(t.getKey());
            final int w = null != t.getValue() ? t.getValue() : s.script.weight;
            final boolean good = s.up != s.script.reverse;
            if (0 == w)
            {
                fault |= !good;
            }
            else if (w > 0 ? good : !good)
            {
                delta += w;
            }
        }
        for (final Map.Entry<String, Integer> t : i.trackInterfaces.entrySet())
        {
            final boolean up = interfaces.get(t.getKey());
            final int w = t.getValue();
            if (0 == w)
            {
                fault |= !up;
            }
            else if (w > 0 ? up : !up)
            {
                delta += w;
            }
        }
        for (final Map.Entry<String, int[]> t : i.trackFilesUsed.entrySet())
        {
            final VrrpConfig.TrackFile f = files.get(t.getKey());
            final int w = null != t.getValue() ? t.getValue()[0] : f.weight;
            final boolean reverse = null != t.getValue() ? 1 == t.getValue()[1] : f.reverse;
            final long value = fileValues.getOrDefault(f.name, 0L);
            if (0 == w)
            {
                fault |= 0 != value;
                continue;
            }
            final long r = value * w * (reverse ? -1 : 1);
            if (r < -253)
            {
                fault = true;
            }
            else
            {
                delta += (int)Math.min(253, r);
            }
        }
        return new Update(i.cfg.name, delta, fault);
    }

    private static void initFile(final VrrpConfig.TrackFile f, final Consumer<String> log)
    {
        if (null == f.initValue || Files.exists(f.file) && !f.overwrite)
        {
            return;
        }
        try
        {
            Files.writeString(f.file, f.initValue + "\n");
        }
        catch (final IOException ex)
        {
            log.accept("warning: track_file " + f.name + ": cannot write " + f.file + ": " + ex.getMessage());
        }
    }

    /** Poll files and interfaces now (tests). */
    void pollNow()
    {
        pollInterfaces();
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
