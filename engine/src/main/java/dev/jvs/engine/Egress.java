package dev.jvs.engine;

import dev.jvs.engine.io.Sender;
import org.agrona.MutableDirectBuffer;

/**
 * Where the forwarder writes the frame it sends: one transmit slot of the port the frame leaves by. The
 * forwarder decides the port (the real server's route, the client's, the port a reply goes back by) and
 * {@link #open opens} it just before writing; whatever it opened last holds the frame, and the caller commits
 * the length {@link Forwarder#process} returns on {@link #port()}. A worker's egress has each port's
 * transmitter; {@link #fixed} is one slot for every port (tests, benchmarks, {@code jvs replay}).
 */
public final class Egress
{
    private final Sender[] senders;
    MutableDirectBuffer buffer;
    int offset;
    int capacity;
    private int port;

    private Egress(final Sender[] senders)
    {
        this.senders = senders;
    }

    /**
     * @param senders each port's transmitter, by port number.
     * @return an egress that writes into the next slot of the port opened.
     */
    public static Egress of(final Sender... senders)
    {
        return new Egress(senders.clone());
    }

    /** @return an egress of one slot, set by {@link #slot} before each frame. */
    public static Egress fixed()
    {
        return new Egress(null);
    }

    /**
     * Set the one slot of a fixed egress.
     *
     * @param b the buffer.
     * @param off where the slot starts.
     * @param cap its size.
     * @return this.
     */
    public Egress slot(final MutableDirectBuffer b, final int off, final int cap)
    {
        buffer = b;
        offset = off;
        capacity = cap;
        port = 0;
        return this;
    }

    /**
     * The slot to write for a port: this one when it is already that port's, else the port's next free one.
     *
     * @param p the port.
     * @return this.
     */
    Egress to(final int p)
    {
        return port == p ? this : open(p);
    }

    /**
     * Make a port's next free slot the one to write; a full transmitter sends its batch first.
     *
     * @param p the port.
     * @return this, with {@link #buffer}, {@link #offset} and {@link #capacity} of that slot.
     */
    Egress open(final int p)
    {
        port = p;
        final Sender[] s = senders;
        if (null != s)
        {
            final Sender tx = s[p];
            if (tx.isFull())
            {
                tx.flush();
            }
            buffer = tx.buffer();
            offset = tx.slotOffset();
            capacity = tx.slotCapacity();
        }
        return this;
    }

    /** @return the port opened last: where the frame {@link Forwarder#process} wrote leaves. */
    public int port()
    {
        return port;
    }

    /** @return the transmitters by port, or null for a fixed slot. */
    public Sender sender(final int p)
    {
        return null == senders ? null : senders[p];
    }

    /** @return how many ports (1 for a fixed slot). */
    public int ports()
    {
        return null == senders ? 1 : senders.length;
    }
}
