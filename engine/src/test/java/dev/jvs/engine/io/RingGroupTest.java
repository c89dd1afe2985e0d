package dev.jvs.engine.io;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static dev.jvs.engine.io.TpacketLayout.BLOCK_FIRST;
import static dev.jvs.engine.io.TpacketLayout.BLOCK_NUM_PKTS;
import static dev.jvs.engine.io.TpacketLayout.BLOCK_STATUS;
import static dev.jvs.engine.io.TpacketLayout.TP_STATUS_KERNEL;
import static dev.jvs.engine.io.TpacketLayout.TP_STATUS_USER;
import static dev.jvs.engine.io.TpacketLayout.V2_LEN;
import static dev.jvs.engine.io.TpacketLayout.V2_MAC;
import static dev.jvs.engine.io.TpacketLayout.V2_SNAPLEN;
import static dev.jvs.engine.io.TpacketLayout.V2_STATUS;
import static dev.jvs.engine.io.TpacketLayout.V3_LEN;
import static dev.jvs.engine.io.TpacketLayout.V3_MAC;
import static dev.jvs.engine.io.TpacketLayout.V3_NEXT;
import static dev.jvs.engine.io.TpacketLayout.V3_SNAPLEN;
import static dev.jvs.engine.io.TpacketLayout.V3_STATUS;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The receive rings hand frames over in prefetch groups: every frame of a group is prepared before any is
 * handled, in ring order, across the ring's wrap, never past the limit, and every slot or block goes back to
 * the kernel. The rings here are memory filled as the kernel fills a mapped ring.
 */
class RingGroupTest
{
    private static final int MAC_OFFSET = 64;

    /** Records the calls as "p<slot>:<first byte>", "g<count>" and "f<first byte>". */
    private static final class Recorder implements FrameHandler
    {
        final List<String> calls = new ArrayList<>();

        @Override
        public void prepare(final int slot, final UnsafeBuffer buffer, final int offset, final int length)
        {
            calls.add("p" + slot + ":" + buffer.getByte(offset));
        }

        @Override
        public void prepared(final int count)
        {
            calls.add("g" + count);
        }

        @Override
        public void onFrame(final UnsafeBuffer buffer, final int offset, final int length, final int wireLength,
            final int status)
        {
            calls.add("f" + buffer.getByte(offset));
        }
    }

    private static List<String> expected(final int[][] groups)
    {
        final List<String> calls = new ArrayList<>();
        for (final int[] g : groups)
        {
            for (int j = 0; j < g.length; j++)
            {
                calls.add("p" + j + ":" + g[j]);
            }
            calls.add("g" + g.length);
            for (final int id : g)
            {
                calls.add("f" + id);
            }
        }
        return calls;
    }

    private static void v2Frame(final UnsafeBuffer ring, final int frameSize, final int slot, final int id)
    {
        final int base = slot * frameSize;
        ring.putShort(base + V2_MAC, (short)MAC_OFFSET);
        ring.putInt(base + V2_SNAPLEN, 60);
        ring.putInt(base + V2_LEN, 60);
        ring.putByte(base + MAC_OFFSET, (byte)id);
        ring.putInt(base + V2_STATUS, TP_STATUS_USER);
    }

    @Test
    void v2ShouldGroupReadySlotsAcrossTheWrapAndGiveThemBack()
    {
        final int size = 256;
        final int slots = 8;
        final UnsafeBuffer mem = new UnsafeBuffer(ByteBuffer.allocateDirect(size * slots));
        final RxRing ring = new RxRing(mem, size, slots);
        final Recorder r = new Recorder();
        // Move the ring's position to slot 6 first.
        for (int s = 0; s < 6; s++)
        {
            v2Frame(mem, size, s, 100 + s);
        }
        assertEquals(6, ring.receive(r, 256));
        r.calls.clear();

        // Five ready slots from 6 on: 6, 7, then 0, 1, 2 after the wrap; slot 3 is still the kernel's.
        final int[] order = {6, 7, 0, 1, 2};
        for (final int s : order)
        {
            v2Frame(mem, size, s, s + 1);
        }
        assertEquals(5, ring.receive(r, 256));
        assertEquals(expected(new int[][] {{7, 8, 1, 2, 3}}), r.calls);
        for (int s = 0; s < slots; s++)
        {
            assertEquals(TP_STATUS_KERNEL, mem.getInt(s * size + V2_STATUS), "slot " + s + " given back");
        }

        // A ring of fewer slots than a group, all ready: each frame once.
        r.calls.clear();
        for (int s = 0; s < slots; s++)
        {
            v2Frame(mem, size, s, 10 + s);
        }
        assertEquals(slots, ring.receive(r, 256));
        assertEquals(expected(new int[][] {{13, 14, 15, 16, 17, 10, 11, 12}}), r.calls);
    }

    @Test
    void v2ShouldSplitIntoGroupsAndStopAtTheLimit()
    {
        final int size = 256;
        final int slots = 64;
        final UnsafeBuffer mem = new UnsafeBuffer(ByteBuffer.allocateDirect(size * slots));
        final RxRing ring = new RxRing(mem, size, slots);
        final Recorder r = new Recorder();
        for (int s = 0; s < 40; s++)
        {
            v2Frame(mem, size, s, s);
        }
        assertEquals(20, ring.receive(r, 20));
        final int[] first = new int[16];
        for (int j = 0; j < 16; j++)
        {
            first[j] = j;
        }
        assertEquals(expected(new int[][] {first, {16, 17, 18, 19}}), r.calls);
        assertEquals(TP_STATUS_USER, mem.getInt(20 * size + V2_STATUS), "beyond the limit: not taken");
        r.calls.clear();
        assertEquals(20, ring.receive(r, 256));
        assertEquals(2 * 20 + 2, r.calls.size(), "the other 20: a group of 16 and one of 4");
    }

    @Test
    void v3ShouldGroupTheFramesOfEachBlockAndReleaseIt()
    {
        final int blockSize = 4096;
        final UnsafeBuffer mem = new UnsafeBuffer(ByteBuffer.allocateDirect(blockSize * 2));
        final RxRingV3 ring = new RxRingV3(mem, blockSize, 2);
        final Recorder r = new Recorder();
        final int[] perBlock = {20, 3};
        for (int b = 0; b < 2; b++)
        {
            final int block = b * blockSize;
            mem.putInt(block + BLOCK_NUM_PKTS, perBlock[b]);
            mem.putInt(block + BLOCK_FIRST, 48);
            int p = block + 48;
            for (int k = 0; k < perBlock[b]; k++)
            {
                final int next = 16 + 8 * (k % 3) + MAC_OFFSET + 64;   // frames of varied spacing
                mem.putInt(p + V3_NEXT, k + 1 < perBlock[b] ? next : 0);
                mem.putShort(p + V3_MAC, (short)MAC_OFFSET);
                mem.putInt(p + V3_SNAPLEN, 60);
                mem.putInt(p + V3_LEN, 60);
                mem.putInt(p + V3_STATUS, 0);
                mem.putByte(p + MAC_OFFSET, (byte)(b * 50 + k));
                p += next;
            }
            mem.putInt(block + BLOCK_STATUS, TP_STATUS_USER);
        }
        assertEquals(23, ring.receive(r, 256));
        final int[] g1 = new int[16];
        final int[] g2 = new int[4];
        for (int k = 0; k < 20; k++)
        {
            if (k < 16)
            {
                g1[k] = k;
            }
            else
            {
                g2[k - 16] = k;
            }
        }
        assertEquals(expected(new int[][] {g1, g2, {50, 51, 52}}), r.calls);
        assertEquals(TP_STATUS_KERNEL, mem.getInt(BLOCK_STATUS));
        assertEquals(TP_STATUS_KERNEL, mem.getInt(blockSize + BLOCK_STATUS));
    }
}
