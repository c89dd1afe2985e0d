package dev.jvs.engine.io;

import com.sun.jna.Memory;
import dev.jvs.engine.os.LibC;

/** poll(2) over several receive sockets: a worker on several ports sleeps until any of them has a frame. */
public final class Poller
{
    private static final int POLLFD = 8;

    private final Memory fds;
    private final int count;

    /**
     * @param fds the sockets.
     */
    public Poller(final int... fds)
    {
        this.count = fds.length;
        this.fds = new Memory((long)POLLFD * Math.max(1, fds.length));
        for (int i = 0; i < fds.length; i++)
        {
            this.fds.setInt((long)i * POLLFD, fds[i]);
            this.fds.setShort((long)i * POLLFD + 4, LibC.POLLIN);
        }
    }

    /**
     * Sleep until a socket is readable, at most the timeout.
     *
     * @param timeoutMs most milliseconds.
     */
    public void await(final int timeoutMs)
    {
        for (int i = 0; i < count; i++)
        {
            fds.setShort((long)i * POLLFD + 6, (short)0);
        }
        LibC.poll(fds, count, timeoutMs);
    }
}
