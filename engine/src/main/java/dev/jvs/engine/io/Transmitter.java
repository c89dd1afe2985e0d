package dev.jvs.engine.io;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.jvs.engine.os.LibC;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Sends frames on one interface in batches with one sendmmsg(2) per batch. Frames are written into
 * preallocated native slots (the one copy on the path) and the kernel copies them out during the call, so a
 * slot is free again as soon as the call returns. (A TPACKET TX ring hands the ring's pages to the kernel
 * instead; on veth the slot is released while the peer may still be reading it, see DESIGN.md.) The socket
 * has protocol 0 (it receives nothing) and PACKET_QDISC_BYPASS.
 */
public final class Transmitter implements Sender
{
    static final int MSGHDR_SIZE = 64;      // struct mmsghdr on x86-64 / aarch64
    static final int MSG_IOV = 16;
    static final int MSG_IOVLEN = 24;
    private static final int IOVEC_SIZE = 16;

    private final int fd;
    private final int slots;
    private final Memory stage;
    private final Memory msgs;
    private final Memory iovs;
    private final UnsafeBuffer buffer;
    /** Pointers to each mmsghdr, made once: flushing allocates nothing. */
    private final Pointer[] msgAt;
    private int count;
    private long sent;
    private long failed;

    /**
     * @param ifindex interface index.
     * @param slots frames per batch.
     * @throws PacketIoException when the socket cannot be set up.
     */
    public Transmitter(final int ifindex, final int slots) throws PacketIoException
    {
        this.slots = slots;
        fd = LibC.socket(LibC.AF_PACKET, LibC.SOCK_RAW, 0);
        if (fd < 0)
        {
            throw new PacketIoException("socket(AF_PACKET): " + LibC.strerror(LibC.errno()));
        }
        try
        {
            Sockets.trySetInt(fd, LibC.SOL_PACKET, LibC.PACKET_QDISC_BYPASS, 1);
            RingSocket.bind(fd, ifindex, 0);
        }
        catch (final PacketIoException ex)
        {
            LibC.close(fd);
            throw ex;
        }
        stage = new Memory((long)slots * SLOT_SIZE);
        msgs = new Memory((long)slots * MSGHDR_SIZE);
        iovs = new Memory((long)slots * IOVEC_SIZE);
        msgs.clear();
        for (int i = 0; i < slots; i++)
        {
            iovs.setPointer((long)i * IOVEC_SIZE, stage.share((long)i * SLOT_SIZE));
            msgs.setPointer((long)i * MSGHDR_SIZE + MSG_IOV, iovs.share((long)i * IOVEC_SIZE));
            msgs.setLong((long)i * MSGHDR_SIZE + MSG_IOVLEN, 1);
        }
        buffer = new UnsafeBuffer(Pointer.nativeValue(stage), slots * SLOT_SIZE);
        msgAt = new Pointer[slots];
        for (int i = 0; i < slots; i++)
        {
            msgAt[i] = msgs.share((long)i * MSGHDR_SIZE);
        }
    }

    /** @return the staging buffer (slot i starts at i * SLOT_SIZE). */
    @Override
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    /** @return the offset of the next free slot (flush first when {@link #isFull()}). */
    @Override
    public int slotOffset()
    {
        return count * SLOT_SIZE;
    }

    /** @return true when every slot holds a frame waiting for {@link #flush()}. */
    @Override
    public boolean isFull()
    {
        return count == slots;
    }

    /**
     * The next slot holds a frame of this length.
     *
     * @param length bytes written at {@link #slotOffset()}.
     */
    @Override
    public void commit(final int length)
    {
        iovs.setLong((long)count * IOVEC_SIZE + 8, length);
        count++;
    }

    /**
     * Send every committed frame.
     *
     * @return frames sent.
     */
    @Override
    public int flush()
    {
        int done = 0;
        while (done < count)
        {
            final int n = LibC.sendmmsg(fd, msgAt[done], count - done, 0);
            if (n <= 0)
            {
                final int err = LibC.errno();
                if (LibC.EINTR == err)
                {
                    continue;
                }
                // ENOBUFS and the like: the frame is lost, as a full NIC queue would lose it.
                failed++;
                done++;
                continue;
            }
            done += n;
            sent += n;
        }
        count = 0;
        return done;
    }

    /** @return frames sent. */
    public long sent()
    {
        return sent;
    }

    @Override
    public long refused()
    {
        return failed;
    }

    /** @return frames the kernel refused (each one lost). */
    public long failed()
    {
        return failed;
    }

    @Override
    public void close()
    {
        LibC.close(fd);
    }
}
