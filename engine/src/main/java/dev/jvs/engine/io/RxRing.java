package dev.jvs.engine.io;

import com.sun.jna.Memory;
import dev.jvs.engine.os.LibC;
import org.agrona.concurrent.UnsafeBuffer;

import static dev.jvs.engine.io.TpacketLayout.TP_STATUS_KERNEL;
import static dev.jvs.engine.io.TpacketLayout.TP_STATUS_USER;
import static dev.jvs.engine.io.TpacketLayout.V2_LEN;
import static dev.jvs.engine.io.TpacketLayout.V2_MAC;
import static dev.jvs.engine.io.TpacketLayout.V2_SNAPLEN;
import static dev.jvs.engine.io.TpacketLayout.V2_STATUS;

/**
 * An AF_PACKET receive ring (TPACKET_V2) on one interface: frames are read where the kernel wrote them and
 * handed back by resetting their status. TPACKET_V2 hands over every frame at once; TPACKET_V3 would hold a
 * frame until its block fills or its timer (at least 1 ms) fires, which halves request/response rates
 * (DESIGN.md). The socket is created with protocol 0 and bound to ETH_P_ALL afterwards, so it never captures
 * on other interfaces; PACKET_IGNORE_OUTGOING keeps our own transmissions out.
 */
public final class RxRing extends MappedRing
{
    private static final int BLOCK_SIZE = 1 << 16;

    private final int frameSize;
    private final int frames;
    private int next;
    private long losing;
    private long firstNanos;

    /**
     * @param ifindex interface index.
     * @param frameSize slot size, a power of two (2048 holds a 1500-byte MTU frame).
     * @param frameCount slots, a multiple of 65536 / frameSize.
     * @throws PacketIoException when a call fails.
     */
    public RxRing(final int ifindex, final int frameSize, final int frameCount) throws PacketIoException
    {
        super(open(ifindex, frameSize, frameCount));
        this.frameSize = frameSize;
        this.frames = frameCount;
    }

    /**
     * A ring over memory the caller fills as the kernel would: for tests of the walk.
     *
     * @param memory the slots.
     * @param frameSize slot size.
     * @param frameCount slots.
     */
    RxRing(final UnsafeBuffer memory, final int frameSize, final int frameCount)
    {
        super(memory);
        this.frameSize = frameSize;
        this.frames = frameCount;
    }

    private static RingSocket open(final int ifindex, final int frameSize, final int frameCount)
        throws PacketIoException
    {
        final int perBlock = BLOCK_SIZE / frameSize;
        if (frameSize < 256 || Integer.bitCount(frameSize) != 1 || frameCount % perBlock != 0)
        {
            throw new PacketIoException("bad ring geometry: frame size " + frameSize + ", frames " + frameCount);
        }
        final Memory req = new Memory(TpacketLayout.REQ_SIZE);
        req.setInt(0, BLOCK_SIZE);
        req.setInt(4, frameCount / perBlock);
        req.setInt(8, frameSize);
        req.setInt(12, frameCount);
        return new RingSocket(ifindex, LibC.TPACKET_V2, req, (long)frameSize * frameCount);
    }

    /**
     * Hand every ready frame (at most {@code limit}) to the handler, in place, then back to the kernel.
     *
     * @param handler receives each frame.
     * @param limit most frames.
     * @return frames handled.
     */
    @Override
    public int receive(final FrameHandler handler, final int limit)
    {
        final UnsafeBuffer r = ring;
        int n = 0;
        while (n < limit)
        {
            // The group: the ready slots from here on, each prepared before any is handled.
            int g = 0;
            for (int s = next; g < FrameHandler.GROUP && g < frames && n + g < limit;
                g++, s = s + 1 == frames ? 0 : s + 1)
            {
                final int base = s * frameSize;
                if (0 == (r.getIntVolatile(base + V2_STATUS) & TP_STATUS_USER))
                {
                    break;
                }
                handler.prepare(g, r, base + (r.getShort(base + V2_MAC) & 0xFFFF), r.getInt(base + V2_SNAPLEN));
            }
            if (0 == g)
            {
                break;
            }
            handler.prepared(g);
            if (0 == n)
            {
                final int base = next * frameSize;
                firstNanos = (r.getInt(base + TpacketLayout.V2_SEC) & 0xFFFFFFFFL) * 1_000_000_000L +
                    r.getInt(base + TpacketLayout.V2_NSEC);
            }
            for (int j = 0; j < g; j++)
            {
                final int base = next * frameSize;
                final int status = r.getInt(base + V2_STATUS);
                if (0 != (status & TpacketLayout.TP_STATUS_LOSING))
                {
                    losing++;
                }
                handler.onFrame(r, base + (r.getShort(base + V2_MAC) & 0xFFFF), r.getInt(base + V2_SNAPLEN),
                    r.getInt(base + V2_LEN), status);
                r.putIntOrdered(base + V2_STATUS, TP_STATUS_KERNEL);
                next = next + 1 == frames ? 0 : next + 1;
            }
            n += g;
        }
        return n;
    }

    @Override
    public long firstFrameNanos()
    {
        return firstNanos;
    }

    /** @return times the kernel reported the ring had overflowed. */
    public long losing()
    {
        return losing;
    }
}
