package dev.jvs.director.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The system's tools (ip, nft, ethtool, sysctl, modprobe) as the daemon and the commands run them. */
public final class Commands
{
    private Commands()
    {
    }

    /**
     * Run a command (ip, nft, ethtool, sysctl) to completion, at most 10 s. Its output goes through a file, not a
     * pipe: a daemon it starts cannot keep the reader waiting.
     *
     * @param cmd the command.
     * @return its output.
     * @throws IOException with the command and its output when it fails or times out.
     */
    public static String run(final List<String> cmd) throws IOException
    {
        final java.io.File out = java.io.File.createTempFile("jvs-k", ".out");
        try
        {
            final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out).start();
            if (!p.waitFor(10, TimeUnit.SECONDS))
            {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": timed out");
            }
            final String text = Files.readString(out.toPath(), StandardCharsets.UTF_8);
            if (0 != p.exitValue())
            {
                throw new IOException(String.join(" ", cmd) + ": " + text.strip());
            }
            return text;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", ex);
        }
        finally
        {
            out.delete();
        }
    }
}
