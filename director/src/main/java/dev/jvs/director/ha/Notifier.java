package dev.jvs.director.ha;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs notify scripts off the forwarding thread, one at a time and in order (keepalived runs them in order
 * too, so notify_backup then notify_master arrive as they happened). The state machine never waits for one.
 */
public final class Notifier implements AutoCloseable
{
    private final ExecutorService exec = Executors.newSingleThreadExecutor(r ->
    {
        final Thread t = new Thread(r, "jvs-notify");
        t.setDaemon(true);
        return t;
    });
    private final Consumer<String> log;

    /** @param log where failures are logged. */
    public Notifier(final Consumer<String> log)
    {
        this.log = log;
    }

    /**
     * Run a command line through /bin/sh with extra arguments, later, on the notify thread.
     *
     * @param command the script and its arguments as configured.
     * @param args more arguments (quoted for the shell), may be empty.
     */
    public void run(final String command, final List<String> args)
    {
        if (null == command)
        {
            return;
        }
        final StringBuilder line = new StringBuilder(command);
        for (final String a : args)
        {
            line.append(" '").append(a.replace("'", "'\\''")).append('\'');
        }
        exec.execute(() ->
        {
            try
            {
                final Process p = new ProcessBuilder("/bin/sh", "-c", line.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!p.waitFor(30, TimeUnit.SECONDS))
                {
                    p.destroyForcibly();
                    log.accept("notify script timed out after 30 s: " + line);
                }
            }
            catch (final IOException ex)
            {
                log.accept("notify script failed to start: " + line + ": " + ex.getMessage());
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Override
    public void close()
    {
        exec.shutdown();
        try
        {
            exec.awaitTermination(2, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
