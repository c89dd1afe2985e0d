package dev.jvs.engine.io;

/** Where frames come from: an AF_PACKET ring or libpcap. */
public interface Receiver extends AutoCloseable
{
    /**
     * Hand ready frames (at most {@code limit}) to the handler.
     *
     * @param handler receives each frame.
     * @param limit most frames.
     * @return frames handled.
     */
    int receive(FrameHandler handler, int limit);

    /**
     * Wait for frames, at most the timeout.
     *
     * @param timeoutMs most milliseconds.
     */
    void await(int timeoutMs);

    /**
     * @return when the kernel took the first frame of the last {@link #receive} that had any (ns since the
     *     epoch, CLOCK_REALTIME), or 0 where the ring does not say (libpcap, a pipeline, TPACKET_V3).
     */
    default long firstFrameNanos()
    {
        return 0;
    }

    /**
     * Frames the kernel dropped since the last call because the ring was full: PACKET_STATISTICS, which the
     * kernel resets as it answers, so only the worker that owns the ring may ask. A syscall: call it on a timer.
     *
     * @return frames dropped since the last call; 0 where the source does not say.
     */
    default long takeKernelDrops()
    {
        return 0;
    }

    /** @return the AF_PACKET socket, to join a fanout group; -1 where there is none (libpcap, a pipeline). */
    default int fd()
    {
        return -1;
    }

    @Override
    void close();
}
