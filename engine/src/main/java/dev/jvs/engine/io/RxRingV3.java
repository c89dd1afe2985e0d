package dev.jvs.engine.io;

import com.sun.jna.Memory;
import dev.jvs.engine.os.LibC;
import org.agrona.concurrent.UnsafeBuffer;

import static dev.jvs.engine.io.TpacketLayout.BLOCK_FIRST;
import static dev.jvs.engine.io.TpacketLayout.BLOCK_NUM_PKTS;
import static dev.jvs.engine.io.TpacketLayout.BLOCK_STATUS;
import static dev.jvs.engine.io.TpacketLayout.TP_STATUS_KERNEL;
import static dev.jvs.engine.io.TpacketLayout.TP_STATUS_USER;
import static dev.jvs.engine.io.TpacketLayout.V3_LEN;
import static dev.jvs.engine.io.TpacketLayout.V3_MAC;
import static dev.jvs.engine.io.TpacketLayout.V3_NEXT;
import static dev.jvs.engine.io.TpacketLayout.V3_SNAPLEN;
import static dev.jvs.engine.io.TpacketLayout.V3_STATUS;

/**
 * An AF_PACKET receive ring in TPACKET_V3: the kernel fills variable-length frames into blocks and hands a
 * block over when it is full or when its retire timer (at least 1 ms) fires. Fewer status handovers than
 * TPACKET_V2 under load; a lone packet may wait up to the timer, so blocks are kept small (DESIGN.md:
 * 64 KiB blocks halved request/response rates). The socket is a {@link RingSocket}.
 */
public final class RxRingV3 extends MappedRing
{
    private final int blockSize;
    private final int blocks;
    private int next;

    /**
     * @param ifindex interface index.
     * @param blockSize bytes per block, a multiple of the page size.
     * @param blockCount blocks.
     * @param retireMs block retire timeout, at least 1 ms.
     * @throws PacketIoException when a call fails.
     */
    public RxRingV3(final int ifindex, final int blockSize, final int blockCount, final int retireMs)
        throws PacketIoException
    {
        super(open(ifindex, blockSize, blockCount, retireMs));
        this.blockSize = blockSize;
        this.blocks = blockCount;
    }

    /**
     * A ring over memory the caller fills as the kernel would: for tests of the walk.
     *
     * @param memory the blocks.
     * @param blockSize bytes per block.
     * @param blockCount blocks.
     */
    RxRingV3(final UnsafeBuffer memory, final int blockSize, final int blockCount)
    {
        super(memory);
        this.blockSize = blockSize;
        this.blocks = blockCount;
    }

    private static RingSocket open(final int ifindex, final int blockSize, final int blockCount,
        final int retireMs) throws PacketIoException
    {
        if (blockSize < 4096 || blockSize % 4096 != 0 || blockCount < 2)
        {
            throw new PacketIoException("bad ring geometry: block size " + blockSize + ", blocks " + blockCount);
        }
        final Memory req = new Memory(TpacketLayout.REQ3_SIZE);
        req.clear();
        req.setInt(0, blockSize);
        req.setInt(4, blockCount);
        req.setInt(8, 2048);
        req.setInt(12, blockSize / 2048 * blockCount);
        req.setInt(16, Math.max(1, retireMs));
        return new RingSocket(ifindex, LibC.TPACKET_V3, req, (long)blockSize * blockCount);
    }

    @Override
    public int receive(final FrameHandler handler, final int limit)
    {
        final UnsafeBuffer r = ring;
        int n = 0;
        while (n < limit)
        {
            final int block = next * blockSize;
            if (0 == (r.getIntVolatile(block + BLOCK_STATUS) & TP_STATUS_USER))
            {
                break;
            }
            final int count = r.getInt(block + BLOCK_NUM_PKTS);
            int p = block + r.getInt(block + BLOCK_FIRST);
            for (int k = 0; k < count; k += FrameHandler.GROUP)
            {
                final int g = Math.min(FrameHandler.GROUP, count - k);
                int q = p;
                for (int j = 0; j < g; j++)
                {
                    handler.prepare(j, r, q + (r.getShort(q + V3_MAC) & 0xFFFF), r.getInt(q + V3_SNAPLEN));
                    q += r.getInt(q + V3_NEXT);
                }
                handler.prepared(g);
                for (int j = 0; j < g; j++)
                {
                    handler.onFrame(r, p + (r.getShort(p + V3_MAC) & 0xFFFF), r.getInt(p + V3_SNAPLEN),
                        r.getInt(p + V3_LEN), r.getInt(p + V3_STATUS));
                    p += r.getInt(p + V3_NEXT);
                }
            }
            r.putIntOrdered(block + BLOCK_STATUS, TP_STATUS_KERNEL);
            next = next + 1 == blocks ? 0 : next + 1;
            n += count;
        }
        return n;
    }
}
