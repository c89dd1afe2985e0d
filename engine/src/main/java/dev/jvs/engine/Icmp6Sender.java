package dev.jvs.engine;

import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.frame.Ipv6;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * ICMPv6 errors the director sends about a client's packet (Linux's {@code icmp6_send}, as IPVS calls it from
 * {@code decrement_ttl} and {@code __mtu_check_toobig_v6}): Time Exceeded and Packet Too Big, back to the
 * sender by the port it came in by. The source is the packet's destination, the VIP, as icmp6_send takes
 * the offending packet's destination when it is a local address (a VIP is one on an IPVS director); the
 * offending packet is quoted as far as the error stays within the minimum IPv6 MTU (RFC 4443 2.4).
 * About a NAT real server's reply the kernel's {@code ip6_forward} sends them, before IPVS translates the
 * reply: to the real server, from the director's own address on the port it came in by (the source
 * {@code icmp6_send} selects when the destination, the client, is not local).
 */
final class Icmp6Sender
{
    static final int TYPE_PACKET_TOO_BIG = 2;
    static final int TYPE_TIME_EXCEEDED = 3;
    /** 1280 - 40 - 8. */
    static final int QUOTE_MAX = 1232;
    private static final int HEADER_LENGTH = 8;
    private static final int HOP_LIMIT = 64;

    private final EngineConfig cfg;
    private final Counters counters;
    private final Packet pkt;

    Icmp6Sender(final EngineConfig cfg, final Counters counters, final Packet pkt)
    {
        this.cfg = cfg;
        this.counters = counters;
        this.pkt = pkt;
    }

    /** Hop limit 1: Time Exceeded (code 0, hop limit exceeded in transit) back to the sender, from the VIP. */
    int timeExceeded(final DirectBuffer in, final int off)
    {
        counters.inc(Counter.DROP_TTL_EXCEEDED);
        return error(in, off, TYPE_TIME_EXCEEDED, 0, pkt.dhi, pkt.dlo);
    }

    /** Bigger than the path: Packet Too Big with the MTU back to the sender, from the VIP. */
    int packetTooBig(final DirectBuffer in, final int off, final int mtu)
    {
        counters.inc(Counter.DROP_FRAG_NEEDED);
        return error(in, off, TYPE_PACKET_TOO_BIG, mtu, pkt.dhi, pkt.dlo);
    }

    /**
     * About a NAT reply: Time Exceeded (mtu 0) or Packet Too Big to the real server, from the director's own
     * address on the port the reply came in by; counted and dropped when that port has none.
     */
    int aboutReply(final DirectBuffer in, final int off, final int mtu)
    {
        counters.inc(0 == mtu ? Counter.DROP_TTL_EXCEEDED : Counter.DROP_FRAG_NEEDED);
        final dev.jvs.engine.frame.IpAddress me = cfg.ip6(pkt.inPort);
        return null == me ? Forwarder.NOTHING : error(in, off, 0 == mtu ? TYPE_TIME_EXCEEDED : TYPE_PACKET_TOO_BIG,
            mtu, me.hi(), me.lo());
    }

    /**
     * A Packet Too Big to a client about its packet we tunnelled (quoted from inside our ip6ip6 packet that a
     * router sent back), from the VIP it was sent to, into an egress toward the client.
     *
     * @param eg the egress toward the client, its L2 header written.
     * @param dstMac the client's MAC.
     * @param mtu the MTU to report.
     * @param in the buffer holding the quote.
     * @param inner the client's packet, its IPv6 header.
     * @param avail bytes of it there.
     * @return the frame's length, or {@link Forwarder#NOTHING}.
     */
    int tooBigTo(final Egress eg, final long dstMac, final int mtu, final DirectBuffer in, final int inner,
        final int avail)
    {
        final Packet p = pkt;
        final MutableDirectBuffer out = eg.buffer;
        final int quote = Math.min(avail, QUOTE_MAX);
        final int n = p.l2Len + Ipv6.HEADER_LENGTH + HEADER_LENGTH + quote;
        if (n > eg.capacity)
        {
            return Forwarder.NOTHING;
        }
        counters.inc(Counter.DROP_FRAG_NEEDED);
        Ethernet.macs(out, eg.offset, dstMac, cfg.mac(eg.port()));
        final int ip = eg.offset + p.l2Len;
        final long vhi = Ipv6.word(in, inner + Ipv6.DST_OFFSET);
        final long vlo = Ipv6.word(in, inner + Ipv6.DST_OFFSET + 8);
        final long chi = Ipv6.word(in, inner + Ipv6.SRC_OFFSET);
        final long clo = Ipv6.word(in, inner + Ipv6.SRC_OFFSET + 8);
        write(out, ip, TYPE_PACKET_TOO_BIG, mtu, vhi, vlo, chi, clo, in, inner, quote);
        return n;
    }

    private int error(final DirectBuffer in, final int off, final int type, final int value, final long shi,
        final long slo)
    {
        final Packet p = pkt;
        final Egress eg = p.egress.open(p.inPort);
        final MutableDirectBuffer out = eg.buffer;
        final int outOff = eg.offset;
        final int quote = Math.min(p.ipTotal, QUOTE_MAX);
        final int n = p.l2Len + Ipv6.HEADER_LENGTH + HEADER_LENGTH + quote;
        if (n > eg.capacity)
        {
            return Forwarder.NOTHING;
        }
        // The frame's own L2 header (VLAN tags included), turned round.
        out.putBytes(outOff, in, off, p.l2Len);
        Ethernet.macs(out, outOff, Ethernet.mac(in, off + Ethernet.SRC_OFFSET), cfg.mac(p.inPort));
        write(out, outOff + p.l2Len, type, value, shi, slo, p.shi, p.slo, in, p.ip, quote);
        return n;
    }

    /** The IPv6 header and the ICMPv6 error quoting {@code quote} bytes of {@code in} at {@code from}. */
    private void write(final MutableDirectBuffer out, final int ip, final int type, final int value, final long shi,
        final long slo, final long dhi, final long dlo, final DirectBuffer in, final int from, final int quote)
    {
        out.putInt(ip, 0x6000_0000, ByteOrder.BIG_ENDIAN);
        out.putShort(ip + Ipv6.PAYLOAD_LENGTH_OFFSET, (short)(HEADER_LENGTH + quote), ByteOrder.BIG_ENDIAN);
        out.putByte(ip + Ipv6.NEXT_HEADER_OFFSET, (byte)Ipv6.NH_ICMPV6);
        out.putByte(ip + Ipv6.HOP_LIMIT_OFFSET, (byte)HOP_LIMIT);
        Ipv6.address(out, ip + Ipv6.SRC_OFFSET, shi, slo);
        Ipv6.address(out, ip + Ipv6.DST_OFFSET, dhi, dlo);
        final int l4 = ip + Ipv6.HEADER_LENGTH;
        out.putByte(l4, (byte)type);
        out.putByte(l4 + 1, (byte)0);
        out.putInt(l4 + 4, value, ByteOrder.BIG_ENDIAN);
        out.putBytes(l4 + HEADER_LENGTH, in, from, quote);
        Ipv6.fillChecksum(out, ip, l4, HEADER_LENGTH + quote, Ipv6.NH_ICMPV6, 2);
        counters.inc(Counter.ICMP_SENT);
    }
}
