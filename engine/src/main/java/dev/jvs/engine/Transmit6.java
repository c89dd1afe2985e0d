package dev.jvs.engine;

import dev.jvs.engine.frame.Checksums;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.frame.Ipv6;
import dev.jvs.engine.frame.Tcp;
import dev.jvs.engine.frame.Udp;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * What goes on the wire for IPv6 ({@code ip_vs_dr_xmit_v6}, {@code ip_vs_nat_xmit_v6}): the datagram copied as
 * {@link Transmit} copies it, its hop limit one less, and by the method: DR only the MACs, NAT the destination
 * address and port (a reply's source back to the VIP). IPv6 has no header checksum: only the transport's, whose
 * pseudo-header covers the addresses, is updated (RFC 1624 over the eight 16-bit words that changed).
 */
final class Transmit6
{
    private final Transmit xmit;
    private final EngineConfig cfg;
    private final Counters counters;
    private final Packet pkt;
    private final Icmp6Sender icmp;

    Transmit6(final Transmit xmit, final EngineConfig cfg, final Counters counters, final Packet pkt)
    {
        this.xmit = xmit;
        this.cfg = cfg;
        this.counters = counters;
        this.pkt = pkt;
        this.icmp = new Icmp6Sender(cfg, counters, pkt);
    }

    /**
     * The frame for a real server, DR or NAT, to {@code mac}; at hop limit 1, or bigger than the port's MTU, the
     * ICMPv6 error instead, back to the client (written into the slot of the port it came in by).
     *
     * @return its length, or {@link Forwarder#NOTHING}.
     */
    int toRealServer(final int method, final long rhi, final long rlo, final int rport, final DirectBuffer in,
        final int off, final MutableDirectBuffer out, final int outOff, final int outCap, final long mac)
    {
        if (Ipv6.hopLimit(in, pkt.ip) <= 1)
        {
            return icmp.timeExceeded(in, off);
        }
        final int mtu = cfg.mtu(pkt.egress.port());
        if (pkt.ipTotal > mtu)
        {
            return icmp.packetTooBig(in, off, mtu);
        }
        final int n = xmit.copyOut(in, off, out, outOff, outCap, mac);
        if (Forwarder.NOTHING == n)
        {
            return Forwarder.NOTHING;
        }
        final int ip = outOff + pkt.l2Len;
        final int l4 = ip + pkt.ipHl;
        out.putByte(ip + Ipv6.HOP_LIMIT_OFFSET, (byte)(Ipv6.hopLimit(in, pkt.ip) - 1));
        if (Method.NAT == method)
        {
            Ipv6.address(out, ip + Ipv6.DST_OFFSET, rhi, rlo);
            out.putShort(l4 + 2, (short)rport, ByteOrder.BIG_ENDIAN);
            patchL4(in, out, ip, l4, pkt.dhi, pkt.dlo, rhi, rlo, pkt.dport, rport);
        }
        else if (pkt.csumNotReady)
        {
            completeL4(out, ip, l4);
        }
        counters.inc(Counter.FORWARDED_IN);
        return n;
    }

    /** A NAT reply to the client at {@code mac}: hop limit one less, the source back to the VIP and its port. */
    int toClient(final DirectBuffer in, final int off, final MutableDirectBuffer out, final int outOff,
        final int outCap, final long mac, final long vhi, final long vlo, final int vport)
    {
        if (Ipv6.hopLimit(in, pkt.ip) <= 1)
        {
            return count(Counter.DROP_TTL_EXCEEDED);
        }
        final int n = xmit.copyOut(in, off, out, outOff, outCap, mac);
        if (Forwarder.NOTHING == n)
        {
            return Forwarder.NOTHING;
        }
        final int ip = outOff + pkt.l2Len;
        final int l4 = ip + pkt.ipHl;
        out.putByte(ip + Ipv6.HOP_LIMIT_OFFSET, (byte)(Ipv6.hopLimit(in, pkt.ip) - 1));
        Ipv6.address(out, ip + Ipv6.SRC_OFFSET, vhi, vlo);
        out.putShort(l4, (short)vport, ByteOrder.BIG_ENDIAN);
        patchL4(in, out, ip, l4, pkt.shi, pkt.slo, vhi, vlo, pkt.sport, vport);
        counters.inc(Counter.FORWARDED_OUT);
        return n;
    }

    private void patchL4(final DirectBuffer in, final MutableDirectBuffer b, final int ip, final int l4,
        final long oldHi, final long oldLo, final long newHi, final long newLo, final int oldPort, final int newPort)
    {
        if (pkt.csumNotReady)
        {
            completeL4(b, ip, l4);
            return;
        }
        final int field = Ipv4.PROTO_TCP == pkt.proto ? Tcp.CHECKSUM_OFFSET : Udp.CHECKSUM_OFFSET;
        int c = in.getShort(pkt.l4 + field, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        c = Checksums.update32(c, (int)(oldHi >>> 32), (int)(newHi >>> 32));
        c = Checksums.update32(c, (int)oldHi, (int)newHi);
        c = Checksums.update32(c, (int)(oldLo >>> 32), (int)(newLo >>> 32));
        c = Checksums.update32(c, (int)oldLo, (int)newLo);
        c = Checksums.update16(c, oldPort, newPort);
        if (Ipv4.PROTO_UDP == pkt.proto && 0 == c)
        {
            c = 0xFFFF;
        }
        b.putShort(l4 + field, (short)c, ByteOrder.BIG_ENDIAN);
    }

    /** The checksum in full, over the pseudo-header (a frame that carried only the pseudo-header sum). */
    private void completeL4(final MutableDirectBuffer b, final int ip, final int l4)
    {
        Ipv6.fillChecksum(b, ip, l4, pkt.l4Len, pkt.proto, Ipv4.PROTO_TCP == pkt.proto ? Tcp.CHECKSUM_OFFSET :
            Udp.CHECKSUM_OFFSET);
    }

    private int count(final Counter c)
    {
        counters.inc(c);
        return Forwarder.NOTHING;
    }
}
