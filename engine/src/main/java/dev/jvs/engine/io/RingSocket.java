package dev.jvs.engine.io;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.jvs.engine.os.LibC;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The part every AF_PACKET receive ring shares: the socket (created with protocol 0 and bound to ETH_P_ALL
 * afterwards, so it never captures on other interfaces; PACKET_IGNORE_OUTGOING keeps our own transmissions
 * out), the ring request, the shared mapping, and poll(2).
 */
final class RingSocket implements AutoCloseable
{
    final int fd;
    final UnsafeBuffer ring;
    private final Pointer map;
    private final long mapLength;
    private final Memory pollFd = new Memory(8);
    /** struct tpacket_stats_v3 { unsigned tp_packets, tp_drops, tp_freeze_q_cnt; } (v2's is its first 8 bytes). */
    private final Memory stats = new Memory(12);
    private final Memory statsLength = new Memory(4);

    /**
     * @param ifindex interface index.
     * @param version TPACKET_V2 or TPACKET_V3.
     * @param req the tpacket_req / tpacket_req3 to set.
     * @param mapLength bytes of ring to map.
     * @throws PacketIoException when a call fails.
     */
    /**
     * Receive every multicast frame (struct packet_mreq { int mr_ifindex; unsigned short mr_type, mr_alen;
     * unsigned char mr_address[8]; }): a real NIC filters multicast MACs it was not asked for, and VRRP
     * (224.0.0.18) and connection sync (224.0.0.81) arrive to groups. Dropped with the socket.
     */
    private static void allMulticast(final int fd, final int ifindex)
    {
        try (Memory mreq = new Memory(16))
        {
            mreq.clear();
            mreq.setInt(0, ifindex);
            mreq.setShort(4, (short)LibC.PACKET_MR_ALLMULTI);
            LibC.setsockopt(fd, LibC.SOL_PACKET, LibC.PACKET_ADD_MEMBERSHIP, mreq, 16);
        }
    }

    RingSocket(final int ifindex, final int version, final Memory req, final long mapLength) throws PacketIoException
    {
        fd = LibC.socket(LibC.AF_PACKET, LibC.SOCK_RAW, 0);
        if (fd < 0)
        {
            throw new PacketIoException("socket(AF_PACKET): " + LibC.strerror(LibC.errno()));
        }
        try
        {
            Sockets.setInt(fd, LibC.SOL_PACKET, LibC.PACKET_VERSION, version, "PACKET_VERSION");
            // Not fatal before Linux 4.20: the engine ignores frames from its own MAC anyway.
            Sockets.trySetInt(fd, LibC.SOL_PACKET, LibC.PACKET_IGNORE_OUTGOING, 1);
            if (LibC.setsockopt(fd, LibC.SOL_PACKET, LibC.PACKET_RX_RING, req, (int)req.size()) < 0)
            {
                throw new PacketIoException("PACKET_RX_RING: " + LibC.strerror(LibC.errno()));
            }
            this.mapLength = mapLength;
            map = LibC.mmap(null, mapLength, LibC.PROT_RW, LibC.MAP_SHARED | LibC.MAP_POPULATE, fd, 0);
            if (-1L == Pointer.nativeValue(map))
            {
                throw new PacketIoException("mmap of the RX ring: " + LibC.strerror(LibC.errno()));
            }
            ring = new UnsafeBuffer(Pointer.nativeValue(map), (int)mapLength);
            bind(fd, ifindex, LibC.ETH_P_ALL);
            allMulticast(fd, ifindex);
        }
        catch (final PacketIoException ex)
        {
            LibC.close(fd);
            throw ex;
        }
        pollFd.setInt(0, fd);
    }

    static void bind(final int fd, final int ifindex, final int protocol) throws PacketIoException
    {
        final Memory sll = new Memory(TpacketLayout.SLL_SIZE);
        sll.clear();
        sll.setShort(0, (short)LibC.AF_PACKET);
        sll.setShort(TpacketLayout.SLL_PROTOCOL, Short.reverseBytes((short)protocol));
        sll.setInt(TpacketLayout.SLL_IFINDEX, ifindex);
        if (LibC.bind(fd, sll, TpacketLayout.SLL_SIZE) < 0)
        {
            throw new PacketIoException("bind(AF_PACKET, ifindex " + ifindex + "): " + LibC.strerror(LibC.errno()));
        }
    }

    long takeDrops()
    {
        statsLength.setInt(0, 12);
        if (LibC.getsockopt(fd, LibC.SOL_PACKET, LibC.PACKET_STATISTICS, stats, statsLength) < 0)
        {
            return 0;
        }
        return Integer.toUnsignedLong(stats.getInt(4));
    }

    void await(final int timeoutMs)
    {
        pollFd.setShort(4, LibC.POLLIN);
        pollFd.setShort(6, (short)0);
        LibC.poll(pollFd, 1, timeoutMs);
    }

    @Override
    public void close()
    {
        LibC.munmap(map, mapLength);
        LibC.close(fd);
    }
}
