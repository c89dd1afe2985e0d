package dev.jvs.engine.io;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * What the two receive rings share: their {@link RingSocket} and its mapping, poll(2) and close. A ring made
 * over plain memory (tests of the walks, filled as the kernel fills a mapping) has no socket.
 */
abstract class MappedRing implements Receiver
{
    final RingSocket socket;
    final UnsafeBuffer ring;

    MappedRing(final RingSocket socket)
    {
        this.socket = socket;
        this.ring = socket.ring;
    }

    MappedRing(final UnsafeBuffer memory)
    {
        this.socket = null;
        this.ring = memory;
    }

    @Override
    public int fd()
    {
        return null == socket ? -1 : socket.fd;
    }

    @Override
    public long takeKernelDrops()
    {
        return null == socket ? 0 : socket.takeDrops();
    }

    /**
     * Sleep in poll(2) until a frame arrives or the timeout passes.
     *
     * @param timeoutMs most milliseconds to wait.
     */
    @Override
    public void await(final int timeoutMs)
    {
        if (null != socket)
        {
            socket.await(timeoutMs);
        }
    }

    @Override
    public void close()
    {
        if (null != socket)
        {
            socket.close();
        }
    }
}
