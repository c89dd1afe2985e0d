package dev.jvs.director.check;

import dev.jvs.director.config.Check;

import java.io.IOException;
import java.util.List;

/**
 * MISC_CHECK (check_misc.c) and PING_CHECK (iputils' ping run the same way): the script runs on its own, its
 * exit is handed to the checkers' thread; 0 is good, 1 bad, 2 to 255 good with weight status - 2 under
 * misc_dynamic; past misc_timeout the script and its children are killed and the check fails.
 */
final class ScriptProbe extends Probe
{
    private Process process;

    ScriptProbe(final Check ch, final Server server, final boolean up, final Loop loop)
    {
        super(ch, server, up, loop, "PING_CHECK".equals(ch.type()) ? "ping " + ch.connectIp() :
            "'" + ch.miscPath() + "'");
    }

    @Override
    void attempt(final long now)
    {
        try
        {
            process = new ProcessBuilder(ch.misc().argv(List.of())).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
            process.getOutputStream().close();
            deadline = now + ch.miscTimeoutMs() * 1_000_000L;
            loop.schedule(deadline, this, epoch, false);
            process.onExit().thenRun(() -> loop.exited(this));
        }
        catch (final IOException ex)
        {
            finish(now, false, "cannot run '" + ch.miscPath() + "': " + Replies.reason(ex));
        }
    }

    /** The script ended (on the checkers' thread, told by its exit callback). */
    void ended(final long now)
    {
        final Process p = process;
        if (null == p || p.isAlive())
        {
            return;
        }
        process = null;
        final int status = p.exitValue();
        if (0 == status)
        {
            finish(now, true, "exit status 0");
        }
        else if (ch.miscDynamic() && status >= 2 && status <= 255)
        {
            final int w = status - 2;
            if (server.dynamicWeight != w)
            {
                loop.dynamicWeight(server, w, "checker MISC_CHECK for " + server.name + ": weight " + w +
                    " (exit status " + status + ")");
            }
            finish(now, true, "exit status " + status);
        }
        else
        {
            finish(now, false, "exit status " + status + " of '" + ch.miscPath() + "'");
        }
    }

    @Override
    void timeout(final long now)
    {
        final Process p = process;
        if (null == p)
        {
            super.timeout(now);
            return;
        }
        process = null;
        kill(p);
        finish(now, false, "script timeout after " + ch.miscTimeoutMs() + " ms");
    }

    @Override
    void close()
    {
        final Process p = process;
        if (null != p)
        {
            process = null;
            kill(p);
        }
    }

    private static void kill(final Process p)
    {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }
}
