package dev.jvs.engine;

import org.agrona.DirectBuffer;

/**
 * The worker's one door to the control protocols (VRRP, connection sync): the forwarder hands over the frames
 * it does not forward (IP protocol 112, UDP to no virtual service), and the worker gives the tap a turn each
 * cycle for its timed sends. The director's tap copies the frames to the conductor's thread and runs the
 * worker's own connection sync; what the control side decides comes back only as operations posted to the
 * worker ({@link Ownership}, the sync role), never by touching the forwarder's tables from elsewhere.
 */
public interface ControlTap
{
    /**
     * A frame the engine did not take.
     *
     * @param port the port it came in by.
     * @param b buffer.
     * @param ip offset of the IPv4 header (checked: version, lengths, header checksum).
     * @param ipTotal the IP total length.
     * @param protocol the IP protocol.
     * @param nowMs the time.
     * @return true when taken (counted by the tap), false to count it as not ours.
     */
    boolean onFrame(int port, DirectBuffer b, int ip, int ipTotal, int protocol, long nowMs);

    /**
     * Once per worker cycle.
     *
     * @param nowMs the time.
     * @return work done (0 when idle).
     */
    int onCycle(long nowMs);

    /** @return when the tap next has timed work to do (ms since the epoch); the worker does not sleep past it. */
    default long nextDeadlineMs()
    {
        return Long.MAX_VALUE;
    }
}
