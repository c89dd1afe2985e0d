package dev.jvs.testbed;

import dev.jvs.engine.frame.Checksums;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.io.Sockets;
import dev.jvs.engine.io.Transmitter;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * A packet generator for the raw forwarding benchmark: 64-byte UDP frames (1024 flows by default, by source
 * port) sent through an AF_PACKET socket in batches of 256 per sendmmsg, as fast as it can, bounded by a count
 * and a time. Runs inside the client namespace:
 * {@code UdpBlast IFACE DST_MAC SRC_IP DST_IP PORT COUNT SECONDS [SOURCES [FLOWS]]}.
 */
public final class UdpBlast
{
    private UdpBlast()
    {
    }

    static void frame(final UnsafeBuffer b, final int o, final long src, final long dst, final int saddr,
        final int daddr, final int sport, final int dport)
    {
        Ethernet.mac(b, o, dst);
        Ethernet.mac(b, o + 6, src);
        b.putShort(o + 12, (short)0x0800, ByteOrder.BIG_ENDIAN);
        final int ip = o + 14;
        b.putByte(ip, (byte)0x45);
        b.putByte(ip + 1, (byte)0);
        Ipv4.totalLength(b, ip, 50);
        b.putShort(ip + 4, (short)sport, ByteOrder.BIG_ENDIAN);
        b.putShort(ip + 6, (short)0, ByteOrder.BIG_ENDIAN);
        b.putByte(ip + 8, (byte)64);
        b.putByte(ip + 9, (byte)17);
        Ipv4.src(b, ip, saddr);
        Ipv4.dst(b, ip, daddr);
        Ipv4.fillChecksum(b, ip);
        final int udp = ip + 20;
        b.putShort(udp, (short)sport, ByteOrder.BIG_ENDIAN);
        b.putShort(udp + 2, (short)dport, ByteOrder.BIG_ENDIAN);
        b.putShort(udp + 4, (short)30, ByteOrder.BIG_ENDIAN);
        for (int i = 8; i < 30; i++)
        {
            b.putByte(udp + i, (byte)i);
        }
        Checksums.fillL4(b, ip, udp, 30, 6, true);
    }

    /**
     * @param args IFACE DST_MAC SRC_IP DST_IP PORT COUNT SECONDS [SOURCES [FLOWS]]: SOURCES consecutive source
     *             addresses from SRC_IP (default 1), so that a director's fanout can spread them over workers;
     *             FLOWS source ports from 10000 (a power of two up to 32768, default 1024).
     * @throws Exception on failure.
     */
    public static void main(final String[] args) throws Exception
    {
        final String iface = args[0];
        final long dstMac = Ethernet.parseMac(args[1]);
        final int saddr = Ipv4.parse(args[2]);
        final int daddr = Ipv4.parse(args[3]);
        final int dport = Integer.parseInt(args[4]);
        final long count = Long.parseLong(args[5]);
        final long deadline = System.nanoTime() + Long.parseLong(args[6]) * 1_000_000_000L;
        final int sources = args.length > 7 ? Integer.parseInt(args[7]) : 1;
        final int flows = args.length > 8 ? Integer.parseInt(args[8]) : 1024;
        if (Integer.bitCount(flows) != 1 || flows > 32768)
        {
            throw new IllegalArgumentException("FLOWS must be a power of two up to 32768: " + flows);
        }
        final long srcMac = Sockets.mac(iface);
        final int batch = 256;
        try (Transmitter tx = new Transmitter(Sockets.ifindex(iface), batch))
        {
            final UnsafeBuffer b = tx.buffer();
            long sent = 0;
            int flow = 0;
            final long start = System.nanoTime();
            while (sent < count && System.nanoTime() < deadline)
            {
                for (int i = 0; i < batch; i++)
                {
                    final int f = flow++ & (flows - 1);
                    frame(b, tx.slotOffset(), srcMac, dstMac, saddr + f % sources, daddr, 10_000 + f, dport);
                    tx.commit(64);
                }
                sent += tx.flush();
            }
            final double s = (System.nanoTime() - start) / 1e9;
            System.out.printf("sent %d frames in %.2f s: %.0f frames/s (%d refused)%n", sent, s, sent / s,
                tx.failed());
        }
    }
}
