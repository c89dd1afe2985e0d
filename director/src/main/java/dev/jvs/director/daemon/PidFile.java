package dev.jvs.director.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * keepalived's {@code -p}: the process id in a file, for init scripts and monitoring. A file naming a live jvs
 * refuses the start (as keepalived's "daemon is already running"); one left by a dead process is taken over.
 * Removed at stop, if it still names this process.
 */
final class PidFile implements AutoCloseable
{
    private final Path file;
    private final long pid = ProcessHandle.current().pid();

    private PidFile(final Path file)
    {
        this.file = file;
    }

    /**
     * @param file where, or null for none.
     * @return the pid file, or null when there is none to write.
     * @throws IllegalStateException when another live jvs owns it, or it cannot be written.
     */
    static PidFile write(final Path file)
    {
        if (null == file)
        {
            return null;
        }
        final long other = read(file);
        if (other > 0 && other != ProcessHandle.current().pid() && isJvs(other))
        {
            throw new IllegalStateException(file + ": jvs is already running with pid " + other);
        }
        try
        {
            if (null != file.getParent())
            {
                Files.createDirectories(file.getParent());
            }
            final Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, ProcessHandle.current().pid() + "\n");
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot write the pid file " + file + ": " + ex.getMessage(), ex);
        }
        return new PidFile(file);
    }

    private static long read(final Path file)
    {
        try
        {
            return Long.parseLong(Files.readString(file).trim());
        }
        catch (final IOException | NumberFormatException ex)
        {
            return -1;
        }
    }

    /** A live process whose command line runs the jvs jar (a recycled pid is anybody's). */
    private static boolean isJvs(final long pid)
    {
        try
        {
            final byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return new String(cmdline, StandardCharsets.UTF_8).contains("jvs");
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    @Override
    public void close()
    {
        if (read(file) == pid)
        {
            try
            {
                Files.deleteIfExists(file);
            }
            catch (final IOException ex)
            {
                Log.info("warning: cannot remove " + file + ": " + ex.getMessage());
            }
        }
    }
}
