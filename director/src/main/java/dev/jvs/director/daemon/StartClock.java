package dev.jvs.director.daemon;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where a start's time goes, from the exec (the process's start time, to the kernel's tick) through each phase to
 * READY: logged once, so that a slow start on a director shows its cause (a restarted master preempts late).
 */
final class StartClock
{
    private final long execMs = System.currentTimeMillis() - sinceExecMs();
    private final List<String> phases = new ArrayList<>();
    private long lastMs = execMs;

    /**
     * How long ago this process was exec'd, to the kernel's tick: /proc/self/stat's start time (field 22, in clock
     * ticks since boot, USER_HZ 100) against /proc/uptime. ProcessHandle's start instant rests on the boot time
     * in whole seconds, too coarse here.
     */
    private static long sinceExecMs()
    {
        try
        {
            final String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
            final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            final long startTicks = Long.parseLong(f[19]);
            final String up = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/uptime"));
            final double uptime = Double.parseDouble(up.substring(0, up.indexOf(' ')));
            return Math.max(0, Math.round(uptime * 1000) - startTicks * 10);
        }
        catch (final java.io.IOException | RuntimeException ex)
        {
            return 0;
        }
    }

    /** @param phase what just ended. */
    void mark(final String phase)
    {
        final long now = System.currentTimeMillis();
        phases.add(String.format(Locale.ROOT, "%s %.2f", phase, (now - lastMs) / 1000.0));
        lastMs = now;
    }

    /** @return "ready 0.43 s after exec (JVM and command line 0.12, ...)". */
    String describe()
    {
        return String.format(Locale.ROOT, "ready %.2f s after exec (%s)",
            Duration.ofMillis(lastMs - execMs).toMillis() / 1000.0, String.join(", ", phases));
    }
}
