package dev.jvs.director.notify;

import dev.jvs.director.config.Command;

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
     * Run a script later, on the notify thread, as its user, with extra arguments after its own.
     *
     * @param command the script, or null (nothing to run); a disabled one is not run.
     * @param args more arguments, may be empty.
     */
    public void run(final Command command, final List<String> args)
    {
        if (null == command || null != command.disabled())
        {
            return;
        }
        final List<String> argv = command.argv(args);
        exec.execute(() ->
        {
            try
            {
                final Process p = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!p.waitFor(30, TimeUnit.SECONDS))
                {
                    p.destroyForcibly();
                    log.accept("notify script timed out after 30 s: " + String.join(" ", argv));
                }
            }
            catch (final IOException ex)
            {
                log.accept("notify script failed to start: " + String.join(" ", argv) + ": " + ex.getMessage());
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
