package dev.jvs.engine;

import dev.jvs.engine.conn.ConnectionEntries;
import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.frame.Checksums;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.frame.Ipv6;
import dev.jvs.engine.frame.Tcp;
import dev.jvs.engine.frame.Udp;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * ICMPv6 errors about a connection ({@code ip_vs_in_icmp_v6}, {@code ip_vs_out_icmp_v6}): a destination
 * unreachable, packet too big, time exceeded or parameter problem quoting a connection's packet follows the
 * connection, as {@link IcmpHandler} does for IPv4. About a packet that went VIP to client (a router near the
 * client says a NAT reply did not fit): to the real server, for NAT with the outer destination and the quoted
 * source made the server's again. About a packet that went client to a NAT real server: back to the client,
 * the outer source and the quoted destination made the VIP's. The ICMPv6 checksum, which covers the outer
 * addresses, is computed again.
 */
final class Icmp6Handler
{
    /** ICMPv6 messages below this are errors (RFC 4443 2.1). */
    private static final int INFORMATIONAL = 128;
    private static final int HEADER_LENGTH = 8;

    private final EngineConfig cfg;
    private final ServiceTable services;
    private final ConnectionTable conns;
    private final Neighbors neighbors;
    private final Counters counters;
    private final Packet pkt;
    private final Transmit xmit;
    private final Transmit6 xmit6;

    Icmp6Handler(final EngineConfig cfg, final ServiceTable services, final ConnectionTable conns,
        final Neighbors neighbors, final Counters counters, final Packet pkt, final Transmit xmit,
        final Transmit6 xmit6)
    {
        this.cfg = cfg;
        this.services = services;
        this.conns = conns;
        this.neighbors = neighbors;
        this.counters = counters;
        this.pkt = pkt;
        this.xmit = xmit;
        this.xmit6 = xmit6;
    }

    /** @return whether an ICMPv6 type is an error message, this class's to handle. */
    static boolean isError(final int type)
    {
        return type < INFORMATIONAL;
    }

    /** An ICMPv6 error to or through the director. */
    int onError(final DirectBuffer in, final int off, final long nowMs)
    {
        final Packet p = pkt;
        final int q = p.l4 + HEADER_LENGTH;
        final int qEnd = p.ip + p.ipTotal;
        if (qEnd - q < Ipv6.HEADER_LENGTH || 6 != Ipv6.version(in, q))
        {
            return count(Counter.DROP_BAD_ICMP);
        }
        final long t = Ipv6.transport(in, q, qEnd);
        final int qproto = (int)(t >>> 32) & 0xFF;
        final int ql4 = (int)t;
        if (t >= 0 && Ipv6.NH_IPV6 == qproto && Icmp6Sender.TYPE_PACKET_TOO_BIG == (in.getByte(p.l4) & 0xFF))
        {
            return tunnelTooBig(in, q, ql4, qEnd, nowMs);
        }
        if (t < 0 || ql4 + 4 > qEnd || (Ipv4.PROTO_TCP != qproto && Ipv4.PROTO_UDP != qproto))
        {
            return count(Counter.DROP_BAD_ICMP);
        }
        final long shi = Ipv6.word(in, q + Ipv6.SRC_OFFSET);
        final long slo = Ipv6.word(in, q + Ipv6.SRC_OFFSET + 8);
        final long dhi = Ipv6.word(in, q + Ipv6.DST_OFFSET);
        final long dlo = Ipv6.word(in, q + Ipv6.DST_OFFSET + 8);
        final int sport = in.getShort(ql4, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int dport = in.getShort(ql4 + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        // About a packet that went VIP -> client: the error travels towards the VIP, as the client's packets do.
        int e = conns.ipv6().lookupIn(qproto, dhi, dlo, dport, shi, slo, sport);
        if (e >= 0)
        {
            return toRealServer(e, in, off, q, ql4);
        }
        // NAT: about a packet that went client -> real server, coming back from the real server's side.
        e = conns.ipv6().lookupOut(qproto, dhi, dlo, dport, shi, slo, sport);
        if (e >= 0)
        {
            return toClient(e, in, off, q, ql4);
        }
        return count(Counter.NOT_OURS);
    }

    /**
     * A router between us and a TUN real server says one of our ip6ip6 packets was too big (IPv6 routers never
     * fragment): the server's path MTU is lowered (later packets draw a Packet Too Big from the director at once,
     * as the kernel's route to it would), and the client gets one now for its packet, quoted from inside the
     * tunnel, with that MTU less the outer header.
     */
    private int tunnelTooBig(final DirectBuffer in, final int q, final int inner, final int qEnd, final long nowMs)
    {
        if (qEnd - inner < Ipv6.HEADER_LENGTH || 6 != Ipv6.version(in, inner))
        {
            return count(Counter.DROP_BAD_ICMP);
        }
        final long t = Ipv6.transport(in, inner, qEnd);
        final int iproto = (int)(t >>> 32) & 0xFF;
        final int il4 = (int)t;
        if (t < 0 || il4 + 4 > qEnd || (Ipv4.PROTO_TCP != iproto && Ipv4.PROTO_UDP != iproto))
        {
            return count(Counter.DROP_BAD_ICMP);
        }
        final int e = conns.ipv6().lookupIn(iproto, Ipv6.word(in, inner + Ipv6.SRC_OFFSET),
            Ipv6.word(in, inner + Ipv6.SRC_OFFSET + 8), in.getShort(il4, ByteOrder.BIG_ENDIAN) & 0xFFFF,
            Ipv6.word(in, inner + Ipv6.DST_OFFSET), Ipv6.word(in, inner + Ipv6.DST_OFFSET + 8),
            in.getShort(il4 + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF);
        final long rhi = Ipv6.word(in, q + Ipv6.DST_OFFSET);
        final long rlo = Ipv6.word(in, q + Ipv6.DST_OFFSET + 8);
        if (e < 0 || Method.TUN != conns.fwd(e))
        {
            return count(Counter.DROP_BAD_ICMP);
        }
        final IpAddress r = services.get(conns.service(e)).realServer(conns.dest(e));
        if (r.hi() != rhi || r.lo() != rlo)
        {
            return count(Counter.DROP_BAD_ICMP);
        }
        final int reported = in.getInt(pkt.l4 + 4, ByteOrder.BIG_ENDIAN);
        final int mtu = xmit6.learnPathMtu(rhi, rlo, reported, nowMs);
        final long cmac = conns.mac(e);
        if (0 == Forwarder.macOf(cmac))
        {
            return Forwarder.NOTHING;
        }
        final Egress eg = pkt.egress.to(Forwarder.portOf(cmac));
        if (pkt.l2Len > eg.capacity)
        {
            return Forwarder.NOTHING;
        }
        eg.buffer.putBytes(eg.offset, in, pkt.ip - pkt.l2Len, pkt.l2Len);
        return xmit6.icmp().tooBigTo(eg, Forwarder.macOf(cmac), Math.min(mtu, cfg.mtu(eg.port())) -
            Ipv6.HEADER_LENGTH, in, inner, Math.min(qEnd - inner, Ipv6.HEADER_LENGTH + Ipv6.payloadLength(in, inner)));
    }

    private int toRealServer(final int e, final DirectBuffer in, final int off, final int q, final int ql4)
    {
        final VirtualService svc = services.get(conns.service(e));
        final int dest = conns.dest(e);
        final IpAddress r = svc.realServer(dest);
        final long mac = neighbors.get6(r);
        if (Neighbors.UNKNOWN == mac)
        {
            return count(Counter.DROP_NO_NEIGHBOR);
        }
        final int method = conns.fwd(e);
        final Egress eg = pkt.egress.to(Forwarder.portOf(mac));
        if (Method.NAT != method)
        {
            // DR and TUN: the error goes to the real server as the connection's packets do.
            final boolean partial = pkt.csumNotReady;
            pkt.csumNotReady = false;
            final int n = xmit6.toRealServer(method, r.hi(), r.lo(), 0, in, off, eg.buffer, eg.offset, eg.capacity,
                Forwarder.macOf(mac));
            pkt.csumNotReady = partial;
            if (n > 0)
            {
                svc.countIn(dest, pkt.ipTotal);
            }
            return n;
        }
        final int n = copy(in, off, eg, Forwarder.macOf(mac));
        if (n > 0)
        {
            final int ip = eg.offset + pkt.l2Len;
            Ipv6.address(eg.buffer, ip + Ipv6.DST_OFFSET, r.hi(), r.lo());
            translate(eg.buffer, ip, ip + (q - pkt.ip), ip + (ql4 - pkt.ip), Ipv6.SRC_OFFSET, 0, r.hi(), r.lo(),
                conns.dport(e));
            svc.countIn(dest, pkt.ipTotal);
            counters.inc(Counter.FORWARDED_IN);
        }
        return n;
    }

    private int toClient(final int e, final DirectBuffer in, final int off, final int q, final int ql4)
    {
        final VirtualService svc = services.get(conns.service(e));
        final long cmac = conns.mac(e);
        if (0 == Forwarder.macOf(cmac))
        {
            return count(Counter.DROP_NO_NEIGHBOR);
        }
        final Egress eg = pkt.egress.to(Forwarder.portOf(cmac));
        final int n = copy(in, off, eg, Forwarder.macOf(cmac));
        if (n > 0)
        {
            final long vhi = conns.address6(e, ConnectionEntries.EXT_VADDR);
            final long vlo = conns.address6(e, ConnectionEntries.EXT_VADDR + 8);
            final int ip = eg.offset + pkt.l2Len;
            Ipv6.address(eg.buffer, ip + Ipv6.SRC_OFFSET, vhi, vlo);
            translate(eg.buffer, ip, ip + (q - pkt.ip), ip + (ql4 - pkt.ip), Ipv6.DST_OFFSET, 2, vhi, vlo,
                conns.vport(e));
            svc.countOut(conns.dest(e), pkt.ipTotal);
            counters.inc(Counter.FORWARDED_OUT);
        }
        return n;
    }

    /** The frame copied to {@code mac} with its hop limit one less; at hop limit 1 nothing. */
    private int copy(final DirectBuffer in, final int off, final Egress eg, final long mac)
    {
        if (Ipv6.hopLimit(in, pkt.ip) <= 1)
        {
            return count(Counter.DROP_TTL_EXCEEDED);
        }
        final int n = xmit.copyOut(in, off, eg.buffer, eg.offset, eg.capacity, mac);
        if (n > 0)
        {
            final int ip = eg.offset + pkt.l2Len;
            eg.buffer.putByte(ip + Ipv6.HOP_LIMIT_OFFSET, (byte)(Ipv6.hopLimit(in, pkt.ip) - 1));
        }
        return n;
    }

    /**
     * The quoted header's address at {@code which} (source or destination) and its port at {@code portAt}
     * (0 source, 2 destination) rewritten, the quoted transport checksum kept right when the quote holds it (the
     * kernel leaves it stale), and the ICMPv6 checksum computed again over the new outer addresses.
     */
    private void translate(final MutableDirectBuffer out, final int ip, final int q, final int ql4, final int which,
        final int portAt, final long hi, final long lo, final int port)
    {
        final long oldHi = Ipv6.word(out, q + which);
        final long oldLo = Ipv6.word(out, q + which + 8);
        final int oldPort = out.getShort(ql4 + portAt, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        Ipv6.address(out, q + which, hi, lo);
        out.putShort(ql4 + portAt, (short)port, ByteOrder.BIG_ENDIAN);
        final int qproto = (int)(Ipv6.transport(out, q, ip + pkt.ipTotal) >>> 32) & 0xFF;
        final int field = Ipv4.PROTO_TCP == qproto ? Tcp.CHECKSUM_OFFSET : Udp.CHECKSUM_OFFSET;
        if (ql4 + field + 2 <= ip + pkt.ipTotal)
        {
            int c = out.getShort(ql4 + field, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            if (Ipv4.PROTO_TCP == qproto || 0 != c)
            {
                c = Checksums.update32(c, (int)(oldHi >>> 32), (int)(hi >>> 32));
                c = Checksums.update32(c, (int)oldHi, (int)hi);
                c = Checksums.update32(c, (int)(oldLo >>> 32), (int)(lo >>> 32));
                c = Checksums.update32(c, (int)oldLo, (int)lo);
                c = Checksums.update16(c, oldPort, port);
                out.putShort(ql4 + field, (short)c, ByteOrder.BIG_ENDIAN);
            }
        }
        Ipv6.fillChecksum(out, ip, ip + pkt.ipHl, pkt.l4Len, Ipv6.NH_ICMPV6, 2);
    }


    private int count(final Counter c)
    {
        counters.inc(c);
        return Forwarder.NOTHING;
    }
}
