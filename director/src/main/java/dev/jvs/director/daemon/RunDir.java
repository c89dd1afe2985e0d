package dev.jvs.director.daemon;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a director keeps its runtime files: {@code /run/jvs/net-INODE/}, one directory per network namespace
 * (two directors in two namespaces of one host, with the same interface names, do not meet), holding a lock
 * per interface ({@code IFACE.lock}, the owner's pid inside) and the default control socket. The lock is an
 * flock, released by the kernel when its owner dies: a second director on an interface refuses, and the crash
 * recovery of a new one (the nftables table, offloads) runs only once the previous owner is gone.
 */
public final class RunDir implements AutoCloseable
{
    /** The root of every namespace's directory. */
    public static final Path ROOT = Path.of("/run/jvs");

    private final Path dir;
    private final List<FileChannel> held = new ArrayList<>();

    private RunDir(final Path dir)
    {
        this.dir = dir;
    }

    /** @return this network namespace's directory (made when needed). */
    public static Path here()
    {
        return ROOT.resolve("net-" + namespaceInode());
    }

    private static String namespaceInode()
    {
        try
        {
            return String.valueOf(Files.getAttribute(Path.of("/proc/self/ns/net"), "unix:ino"));
        }
        catch (final IOException | UnsupportedOperationException | IllegalArgumentException ex)
        {
            return "unknown";
        }
    }

    /**
     * Take every interface's lock.
     *
     * @param ifaces the interfaces.
     * @return the held locks (close to release).
     * @throws IllegalStateException when one is held: the sentence {@code jvs run} prints.
     */
    static RunDir lock(final List<String> ifaces)
    {
        final RunDir r = new RunDir(here());
        try
        {
            Files.createDirectories(r.dir);
            for (final String iface : ifaces)
            {
                r.take(iface);
            }
            return r;
        }
        catch (final IOException ex)
        {
            r.close();
            throw new IllegalStateException("cannot lock " + r.dir + ": " + ex.getMessage());
        }
        catch (final IllegalStateException ex)
        {
            r.close();
            throw ex;
        }
    }

    private void take(final String iface) throws IOException
    {
        final Path f = dir.resolve(iface + ".lock");
        final FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.READ);
        FileLock lock;
        try
        {
            lock = ch.tryLock();
        }
        catch (final OverlappingFileLockException ex)
        {
            lock = null;
        }
        if (null == lock)
        {
            final String owner = new String(Files.readAllBytes(f), StandardCharsets.US_ASCII).trim();
            ch.close();
            throw new IllegalStateException(iface + " is served by another jvs" + (owner.isEmpty() ? "" :
                " (pid " + owner + ")") + " in this network namespace (lock " + f + ")");
        }
        ch.truncate(0);
        ch.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
        held.add(ch);
    }

    /** @return the directory. */
    Path dir()
    {
        return dir;
    }

    /** Release the locks (their files stay: an flock on an existing file is what the next owner takes). */
    @Override
    public void close()
    {
        for (final FileChannel ch : held)
        {
            try
            {
                ch.close();
            }
            catch (final IOException ignored)
            {
                // Released by the kernel anyway when the process ends.
            }
        }
        held.clear();
    }
}
