package dev.jvs.engine.io;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.jvs.engine.os.LibC;
import org.agrona.concurrent.UnsafeBuffer;

import static dev.jvs.engine.io.TpacketLayout.V2_HDR_SIZE;
import static dev.jvs.engine.io.TpacketLayout.V2_LEN;
import static dev.jvs.engine.io.TpacketLayout.V2_STATUS;

/**
 * Sends frames through a memory-mapped TPACKET_V2 transmit ring (PACKET_TX_RING), kicked by one sendto(2) per
 * batch. The frame is written straight into its ring slot, the one copy on the path in user space.
 *
 * <p>Every frame goes behind a {@code struct virtio_net_hdr} (PACKET_VNET_HDR) whose {@code hdr_len} is the
 * whole frame, so that {@code tpacket_snd} copies the frame into the skb's linear part instead of attaching
 * the slot's page to it. Why: DESIGN.md warns that veth hands a slot back (its skb's destructor runs when the
 * skb crosses to the peer) while the peer may still read the page. Since Linux 4.20 ("packet: copy user
 * buffers before orphan or clone") the kernel marks such skbs zero-copy and copies their pages before veth
 * or a tap lets them escape, and {@code DirectorLabTest} could not make attached pages go wrong on this
 * kernel (a slow reader's data whole while the ring turned over many times). But that copy is page by page:
 * raw UDP forwarding measured 3.92 to 4.03 µs of director CPU a frame with the pages attached against 3.83 to
 * 3.91 µs with the linear copy, and 3.79 to 3.92 µs with sendmmsg (bench/RESULTS.md). The linear copy also
 * frees the slot's data at once on any kernel and driver.
 *
 * <p>Slot layout ({@code tpacket_snd}, no PACKET_TX_HAS_OFF): {@code struct tpacket2_hdr} (32 bytes), then the
 * data at TPACKET2_HDRLEN - sizeof(struct sockaddr_ll) = 32: the 10-byte virtio_net_hdr
 * ({@code u8 flags; u8 gso_type; __virtio16 hdr_len, gso_size, csum_start, csum_offset}, little-endian),
 * then the Ethernet frame. {@code tp_len} counts both. A batch is kicked without waiting (MSG_DONTWAIT): the
 * kernel takes every requested slot during the call, and a slot turns available again when its skb is freed
 * (on veth during the call; on a NIC at transmit completion). Only when the ring has come round to a slot
 * still in flight does the kick wait, for all of them. PACKET_LOSS makes the kernel skip a malformed frame
 * instead of stopping the ring at it.
 */
public final class TxRing implements Sender
{
    static final int FRAME_SIZE = 2048;
    static final int DATA = V2_HDR_SIZE;
    static final int VNET_HDR_SIZE = 10;
    static final int VNET_HDR_LEN = 2;
    private static final int BLOCK_SIZE = 1 << 16;
    static final int TP_STATUS_SEND_REQUEST = 1;
    /** SEND_REQUEST, SENDING, WRONG_FORMAT: the slot is not ours (the high bits may carry a timestamp kind). */
    static final int NOT_AVAILABLE = 7;

    private final int fd;
    private final int frames;
    private final Pointer map;
    private final long mapLength;
    private final UnsafeBuffer ring;
    private int next;
    private int pending;
    private long refused;

    /**
     * @param ifindex interface index.
     * @param frames slots in the ring (a batch is at most this many), a multiple of 32.
     * @throws PacketIoException when the socket or the ring cannot be set up.
     */
    public TxRing(final int ifindex, final int frames) throws PacketIoException
    {
        final int perBlock = BLOCK_SIZE / FRAME_SIZE;
        if (frames < perBlock || frames % perBlock != 0)
        {
            throw new PacketIoException("bad TX ring geometry: " + frames + " frames, a multiple of " + perBlock);
        }
        this.frames = frames;
        this.mapLength = (long)frames * FRAME_SIZE;
        fd = LibC.socket(LibC.AF_PACKET, LibC.SOCK_RAW, 0);
        if (fd < 0)
        {
            throw new PacketIoException("socket(AF_PACKET): " + LibC.strerror(LibC.errno()));
        }
        try
        {
            Sockets.setInt(fd, LibC.SOL_PACKET, LibC.PACKET_VERSION, LibC.TPACKET_V2, "PACKET_VERSION");
            // Both before the ring: the kernel refuses them (EBUSY) once it is set.
            Sockets.setInt(fd, LibC.SOL_PACKET, LibC.PACKET_VNET_HDR, 1, "PACKET_VNET_HDR");
            Sockets.setInt(fd, LibC.SOL_PACKET, LibC.PACKET_LOSS, 1, "PACKET_LOSS");
            Sockets.trySetInt(fd, LibC.SOL_PACKET, LibC.PACKET_QDISC_BYPASS, 1);
            try (Memory req = new Memory(TpacketLayout.REQ_SIZE))
            {
                req.setInt(0, BLOCK_SIZE);
                req.setInt(4, frames / perBlock);
                req.setInt(8, FRAME_SIZE);
                req.setInt(12, frames);
                if (LibC.setsockopt(fd, LibC.SOL_PACKET, LibC.PACKET_TX_RING, req, (int)req.size()) < 0)
                {
                    throw new PacketIoException("PACKET_TX_RING: " + LibC.strerror(LibC.errno()));
                }
            }
            map = LibC.mmap(null, mapLength, LibC.PROT_RW, LibC.MAP_SHARED | LibC.MAP_POPULATE, fd, 0);
            if (-1L == Pointer.nativeValue(map))
            {
                throw new PacketIoException("mmap of the TX ring: " + LibC.strerror(LibC.errno()));
            }
            RingSocket.bind(fd, ifindex, 0);
        }
        catch (final PacketIoException ex)
        {
            LibC.close(fd);
            throw ex;
        }
        ring = new UnsafeBuffer(Pointer.nativeValue(map), (int)mapLength);
    }

    @Override
    public UnsafeBuffer buffer()
    {
        return ring;
    }

    @Override
    public int slotOffset()
    {
        return next * FRAME_SIZE + DATA + VNET_HDR_SIZE;
    }

    @Override
    public int slotCapacity()
    {
        return FRAME_SIZE - DATA - VNET_HDR_SIZE;
    }

    /** @return true when the next slot is still the kernel's: {@link #flush()} first. */
    @Override
    public boolean isFull()
    {
        return 0 != (ring.getIntVolatile(next * FRAME_SIZE + V2_STATUS) & NOT_AVAILABLE);
    }

    @Override
    public void commit(final int length)
    {
        final int slot = next * FRAME_SIZE;
        final int vnet = slot + DATA;
        ring.putLong(vnet, 0L);
        ring.putShort(vnet + 8, (short)0);
        ring.putShort(vnet + VNET_HDR_LEN, (short)length, java.nio.ByteOrder.LITTLE_ENDIAN);
        ring.putInt(slot + V2_LEN, VNET_HDR_SIZE + length);
        ring.putIntOrdered(slot + V2_STATUS, TP_STATUS_SEND_REQUEST);
        next = next + 1 == frames ? 0 : next + 1;
        pending++;
    }

    /**
     * Hand every requested slot to the kernel with one sendto(2); when the ring is full of frames in flight,
     * wait until they are sent.
     *
     * @return frames handed over.
     */
    @Override
    public int flush()
    {
        final boolean full = isFull();
        if (0 == pending && !full)
        {
            return 0;
        }
        final int flags = full ? 0 : LibC.MSG_DONTWAIT;
        while (LibC.sendto(fd, null, 0, flags, null, 0) < 0)
        {
            // Interrupted: ask again. After another error (ENOBUFS, a full device queue) the frame the device
            // refused is requested again (tpacket_snd) and goes with the next kick.
            final int err = LibC.errno();
            if (LibC.EINTR != err)
            {
                if (LibC.EAGAIN != err)
                {
                    refused++;
                }
                break;
            }
        }
        final int n = pending;
        pending = 0;
        return n;
    }

    @Override
    public long refused()
    {
        return refused;
    }

    @Override
    public void close()
    {
        LibC.munmap(map, mapLength);
        LibC.close(fd);
    }
}
