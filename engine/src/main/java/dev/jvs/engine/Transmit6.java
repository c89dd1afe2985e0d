package dev.jvs.engine;

import dev.jvs.engine.frame.Checksums;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.frame.Ipv6;
import dev.jvs.engine.frame.Tcp;
import dev.jvs.engine.frame.Udp;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * What goes on the wire for IPv6 ({@code ip_vs_dr_xmit_v6}, {@code ip_vs_nat_xmit_v6},
 * {@code ip_vs_tunnel_xmit_v6}): the datagram copied as {@link Transmit} copies it, its hop limit one less, and
 * by the method: DR only the MACs, NAT the destination address and port (a reply's source back to the VIP), TUN
 * an ip6ip6 header in front. IPv6 has no header checksum: only the transport's, whose pseudo-header covers the
 * addresses, is updated (RFC 1624 over the eight 16-bit words that changed).
 */
final class Transmit6
{
    private final Transmit xmit;
    private final EngineConfig cfg;
    private final Counters counters;
    private final Packet pkt;
    private final Icmp6Sender icmp;
    /**
     * Path MTUs to TUN real servers learnt from Packet Too Big about our ip6ip6 packets, by a 64-bit mix of the
     * server's address: expiry ms in the high 48 bits, the MTU in the low 16 (Linux's route cache keeps a learnt
     * PMTU 10 minutes, ip6_rt_mtu_expires).
     */
    private final org.agrona.collections.Long2LongHashMap tunnelMtu = new org.agrona.collections.Long2LongHashMap(-1L);
    private static final long PMTU_EXPIRES_MS = 600_000;

    Transmit6(final Transmit xmit, final EngineConfig cfg, final Counters counters, final Packet pkt)
    {
        this.xmit = xmit;
        this.cfg = cfg;
        this.counters = counters;
        this.pkt = pkt;
        this.icmp = new Icmp6Sender(cfg, counters, pkt);
    }

    /**
     * The frame for a real server, by its method, to {@code mac}; at hop limit 1, or bigger than the port's MTU, the
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
        final int overhead = Method.TUN == method ? Ipv6.HEADER_LENGTH : 0;
        final int portMtu = cfg.mtu(pkt.egress.port());
        final long learnt = Method.TUN != method || tunnelMtu.isEmpty() ? -1L : tunnelMtu.get(key(rhi, rlo));
        final int mtu = -1L == learnt ? portMtu : Math.min(portMtu, (int)(learnt & 0xFFFF));
        if (pkt.ipTotal + overhead > mtu)
        {
            return icmp.packetTooBig(in, off, mtu - overhead);
        }
        if (Method.TUN == method)
        {
            return tunnel(rhi, rlo, in, off, out, outOff, outCap, mac);
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

    /**
     * ip6ip6 ({@code ip_vs_tunnel_xmit_v6}): the datagram, its hop limit one less, behind an outer header from
     * the director's own address on the port to the real server, next header 41, the hop limit and DS field of
     * the inner header (ECN encapsulated as INET_ECN_encapsulate), no flow label.
     */
    private int tunnel(final long rhi, final long rlo, final DirectBuffer in, final int off,
        final MutableDirectBuffer out, final int outOff, final int outCap, final long mac)
    {
        final int port = pkt.egress.port();
        final dev.jvs.engine.frame.IpAddress source = cfg.ip6(port);
        if (null == source)
        {
            return count(Counter.DROP_NO_SOURCE6);
        }
        final int l2Len = pkt.l2Len;
        final int ipTotal = pkt.ipTotal;
        final int n = l2Len + Ipv6.HEADER_LENGTH + ipTotal;
        if (n > outCap)
        {
            return count(Counter.DROP_NO_ROOM);
        }
        out.putBytes(outOff, in, off, l2Len);
        Ethernet.macs(out, outOff, mac, cfg.mac(port));
        final int outer = outOff + l2Len;
        final int inner = outer + Ipv6.HEADER_LENGTH;
        out.putBytes(inner, in, pkt.ip, ipTotal);
        out.putByte(inner + Ipv6.HOP_LIMIT_OFFSET, (byte)(Ipv6.hopLimit(in, pkt.ip) - 1));
        if (pkt.csumNotReady)
        {
            completeL4(out, inner, inner + pkt.ipHl);
        }
        final int tc = (in.getShort(pkt.ip, ByteOrder.BIG_ENDIAN) >>> 4) & 0xFF;
        final int outerTc = 3 == (tc & 3) ? (tc & ~3) | 2 : tc;
        out.putInt(outer, 0x6000_0000 | outerTc << 20, ByteOrder.BIG_ENDIAN);
        out.putShort(outer + Ipv6.PAYLOAD_LENGTH_OFFSET, (short)ipTotal, ByteOrder.BIG_ENDIAN);
        out.putByte(outer + Ipv6.NEXT_HEADER_OFFSET, (byte)Ipv6.NH_IPV6);
        out.putByte(outer + Ipv6.HOP_LIMIT_OFFSET, out.getByte(inner + Ipv6.HOP_LIMIT_OFFSET));
        Ipv6.address(out, outer + Ipv6.SRC_OFFSET, source.hi(), source.lo());
        Ipv6.address(out, outer + Ipv6.DST_OFFSET, rhi, rlo);
        counters.inc(Counter.FORWARDED_IN);
        return n;
    }

    /**
     * A NAT reply to the client at {@code mac}: hop limit one less, the source back to the VIP and its port; at
     * hop limit 1 or over the client port's MTU the ICMPv6 error to the real server instead.
     */
    int toClient(final DirectBuffer in, final int off, final MutableDirectBuffer out, final int outOff,
        final int outCap, final long mac, final long vhi, final long vlo, final int vport)
    {
        // ip6_forward's checks, before IPVS translates the reply: the errors go to the real server.
        if (Ipv6.hopLimit(in, pkt.ip) <= 1)
        {
            return icmp.aboutReply(in, off, 0);
        }
        final int mtu = cfg.mtu(pkt.egress.port());
        if (pkt.ipTotal > mtu)
        {
            return icmp.aboutReply(in, off, mtu);
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

    private static long key(final long hi, final long lo)
    {
        return hi * 0x9E3779B97F4A7C15L ^ lo;
    }

    /**
     * A Packet Too Big about one of our ip6ip6 packets: the real server's path MTU, at least IPv6's 1280, lowered
     * when below the port's (so later packets draw a Packet Too Big from the director at once).
     *
     * @return the path MTU now.
     */
    int learnPathMtu(final long rhi, final long rlo, final int reported, final long nowMs)
    {
        final int mtu = Math.max(Ipv6.MIN_MTU, reported);
        if (mtu < cfg.mtu)
        {
            tunnelMtu.put(key(rhi, rlo), (nowMs + PMTU_EXPIRES_MS) << 16 | mtu);
            counters.inc(Counter.TUN_PMTU);
        }
        return mtu;
    }

    /** Forget learnt path MTUs whose time is up (the map's iterators are reused: no garbage). */
    void expirePathMtus(final long nowMs)
    {
        if (tunnelMtu.isEmpty())
        {
            return;
        }
        final org.agrona.collections.Long2LongHashMap.EntryIterator it = tunnelMtu.entrySet().iterator();
        while (it.hasNext())
        {
            it.next();
            if ((it.getLongValue() >>> 16) <= nowMs)
            {
                it.remove();
            }
        }
    }

    /** @return the ICMPv6 sender of this path. */
    Icmp6Sender icmp()
    {
        return icmp;
    }

    private int count(final Counter c)
    {
        counters.inc(c);
        return Forwarder.NOTHING;
    }
}
