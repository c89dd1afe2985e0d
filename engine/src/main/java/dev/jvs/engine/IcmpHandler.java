package dev.jvs.engine;

import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.frame.Checksums;
import dev.jvs.engine.frame.Icmp;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.frame.Tcp;
import dev.jvs.engine.frame.Udp;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * ICMP errors about a connection ({@code ip_vs_in_icmp}, {@code ip_vs_out_icmp}): an unreachable, source
 * quench or time exceeded quoting a connection's packet follows the connection (for NAT the outer and the
 * quoted headers are translated, {@code ip_vs_nat_icmp}); a fragmentation needed about one of our IPIP packets
 * lowers that real server's path MTU and is relayed to the client for its own packet.
 */
final class IcmpHandler
{
    private final EngineConfig cfg;
    private final ServiceTable services;
    private final ConnectionTable conns;
    private final Neighbors neighbors;
    private final Counters counters;
    private final Packet pkt;
    private final Transmit xmit;
    private Routes routes = Routes.NONE;
    private final IcmpSender icmp;

    IcmpHandler(final EngineConfig cfg, final ServiceTable services, final ConnectionTable conns,
        final Neighbors neighbors, final Counters counters, final Packet pkt, final Transmit xmit,
        final IcmpSender icmp)
    {
        this.cfg = cfg;
        this.services = services;
        this.conns = conns;
        this.neighbors = neighbors;
        this.counters = counters;
        this.pkt = pkt;
        this.xmit = xmit;
        this.icmp = icmp;
    }

    /** @param r the director's routes (on this worker's thread). */
    void routes(final Routes r)
    {
        routes = r;
    }


    /** An ICMP message to or through the director. */
    int onIcmp(final DirectBuffer in, final int off, final long nowMs)
    {
        final int l4 = pkt.l4;
        final int type = Icmp.type(in, l4);
        if (Icmp.DEST_UNREACH != type && Icmp.SOURCE_QUENCH != type && Icmp.TIME_EXCEEDED != type)
        {
            return count(Counter.NOT_OURS);
        }
        final int q = l4 + Icmp.QUOTED_OFFSET;
        final int qAvail = pkt.l4Len - Icmp.QUOTED_OFFSET;
        if (qAvail < Ipv4.MIN_HEADER_LENGTH || 4 != Ipv4.version(in, q))
        {
            return count(services.isVip(pkt.daddr) ? Counter.DROP_BAD_ICMP : Counter.NOT_OURS);
        }
        final int qhl = Ipv4.headerLength(in, q);
        final int qproto = Ipv4.protocol(in, q);
        if (Ipv4.PROTO_IPIP == qproto && Icmp.DEST_UNREACH == type && Icmp.CODE_FRAG_NEEDED == Icmp.code(in, l4) &&
            qhl >= Ipv4.MIN_HEADER_LENGTH && cfg.portOfLocal(Ipv4.src(in, q)) >= 0)
        {
            return tunnelFragNeeded(in, off, q, qhl, qAvail, nowMs);
        }
        if (qhl < Ipv4.MIN_HEADER_LENGTH || qAvail < qhl + 8 ||
            (Ipv4.PROTO_TCP != qproto && Ipv4.PROTO_UDP != qproto))
        {
            return count(services.isVip(pkt.daddr) ? Counter.DROP_BAD_ICMP : Counter.NOT_OURS);
        }
        final int qsrc = Ipv4.src(in, q);
        final int qdst = Ipv4.dst(in, q);
        final int qsport = in.getShort(q + qhl, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int qdport = in.getShort(q + qhl + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;

        // About a packet that went VIP -> client: the error travels towards the VIP, like the client's packets.
        int e = conns.lookupIn(qproto, qdst, qdport, qsrc, qsport);
        if (e >= 0)
        {
            final int method = conns.fwd(e);
            final VirtualService svc = services.get(conns.service(e));
            if (Method.NAT != method)
            {
                final int n = transmitAsIs(svc, conns.dest(e), method, conns.daddr(e), in, off);
                if (n > 0)
                {
                    svc.countIn(conns.dest(e), pkt.ipTotal);
                }
                return n;
            }
            return nat(e, false, q - pkt.ip, qhl, in, off, svc);
        }
        // NAT: about a packet that went client -> real server, coming back from the real server's side.
        e = conns.lookupOut(qproto, qdst, qdport, qsrc, qsport);
        if (e >= 0)
        {
            return nat(e, true, q - pkt.ip, qhl, in, off, services.get(conns.service(e)));
        }
        return count(Counter.NOT_OURS);
    }

    /**
     * {@code ip_vs_in_icmp} for our tunnel: a router between the director and a TUN real server says the IPIP
     * packet was too big. The real server's path MTU is lowered (so later packets get a fragmentation needed
     * from the director at once), and the client, if it set DF, gets one now for its packet, quoted from inside
     * the tunnel, with that MTU less the outer header.
     */
    private int tunnelFragNeeded(final DirectBuffer in, final int off, final int q, final int qhl, final int qAvail,
        final long nowMs)
    {
        final int inner = q + qhl;
        final int innerAvail = qAvail - qhl;
        if (innerAvail < Ipv4.MIN_HEADER_LENGTH + 4 || 4 != Ipv4.version(in, inner))
        {
            return count(Counter.DROP_BAD_ICMP);
        }
        final int ihl = Ipv4.headerLength(in, inner);
        final int iproto = Ipv4.protocol(in, inner);
        if (ihl < Ipv4.MIN_HEADER_LENGTH || innerAvail < ihl + 4 ||
            (Ipv4.PROTO_TCP != iproto && Ipv4.PROTO_UDP != iproto))
        {
            return count(Counter.DROP_BAD_ICMP);
        }
        final int client = Ipv4.src(in, inner);
        final int e = conns.lookupIn(iproto, client, in.getShort(inner + ihl, ByteOrder.BIG_ENDIAN) & 0xFFFF,
            Ipv4.dst(in, inner), in.getShort(inner + ihl + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF);
        if (e < 0 || Method.TUN != conns.fwd(e) || conns.daddr(e) != Ipv4.dst(in, q))
        {
            return count(Counter.DROP_BAD_ICMP);
        }
        final int reported = in.getShort(pkt.l4 + Icmp.MTU_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int mtu = xmit.learnPathMtu(conns.daddr(e), reported, nowMs);
        final long cmac = conns.mac(e);
        final Egress eg = pkt.egress.to(Forwarder.portOf(cmac));
        if (0 == (Ipv4.fragField(in, inner) & Ipv4.FLAG_DF) || !cfg.pmtuDisc || 0 == Forwarder.macOf(cmac) ||
            pkt.l2Len + Ipv4.MIN_HEADER_LENGTH > eg.capacity)
        {
            return Forwarder.NOTHING;
        }
        counters.inc(Counter.DROP_FRAG_NEEDED);
        eg.buffer.putBytes(eg.offset, in, off, pkt.l2Len);
        return icmp.errorTo(eg.buffer, eg.offset, eg.capacity, Icmp.DEST_UNREACH, Icmp.CODE_FRAG_NEEDED,
            Math.min(mtu, cfg.mtu(eg.port())) - Ipv4.MIN_HEADER_LENGTH, Ipv4.dst(in, inner), client,
            Forwarder.macOf(cmac), in, inner,
            Math.min(innerAvail, Math.min(Ipv4.totalLength(in, inner), IcmpSender.QUOTE_MAX)));
    }

    /** DR and TUN: the error goes to the real server as the connection's packets do, untouched but the TTL. */
    private int transmitAsIs(final VirtualService svc, final int dest, final int method, final int raddr,
        final DirectBuffer in, final int off)
    {
        final Egress eg = pkt.egress.to(svc.port(dest, neighbors, routes));
        final boolean partial = pkt.csumNotReady;
        pkt.csumNotReady = false;
        final int p = pkt.proto;
        pkt.proto = Ipv4.PROTO_ICMP;
        final int n = xmit.toRealServer(svc, dest, method, raddr, 0, in, off, eg.buffer, eg.offset, eg.capacity,
            routes);
        pkt.proto = p;
        pkt.csumNotReady = partial;
        return n;
    }

    /**
     * {@code ip_vs_nat_icmp}: translate an ICMP error for a NAT connection.
     *
     * @param outbound true for an error from the real server's side going to the client.
     * @param qRel offset of the quoted IP header from the outer IP header.
     */
    private int nat(final int e, final boolean outbound, final int qRel, final int qhl, final DirectBuffer in,
        final int off, final VirtualService svc)
    {
        if (Ipv4.ttl(in, pkt.ip) <= 1)
        {
            final Egress back = pkt.egress;
            return icmp.timeExceeded(in, off, back.buffer, back.offset, back.capacity,
                outbound ? cfg.ip(pkt.inPort) : pkt.daddr);
        }
        final long cmac = conns.mac(e);
        final long mac = outbound ? Forwarder.macOf(cmac) : svc.mac(conns.dest(e), neighbors, routes);
        if (mac < 0)
        {
            return count(VirtualService.NO_ROUTE == mac ? Counter.DROP_NO_ROUTE : Counter.DROP_NO_NEIGHBOR);
        }
        final Egress eg = pkt.egress.to(outbound ? Forwarder.portOf(cmac) :
            svc.port(conns.dest(e), neighbors, routes));
        final MutableDirectBuffer out = eg.buffer;
        final int outOff = eg.offset;
        final int n = xmit.copyOut(in, off, out, outOff, eg.capacity, mac);
        if (Forwarder.NOTHING == n)
        {
            return Forwarder.NOTHING;
        }
        final int ip = outOff + pkt.l2Len;
        final int q = ip + qRel;
        translateQuoted(e, outbound, out, ip, q, qhl);
        out.putByte(ip + Ipv4.TTL_OFFSET, (byte)(Ipv4.ttl(out, ip) - 1));
        Ipv4.fillChecksum(out, ip);
        final int icmpOff = ip + pkt.ipHl;
        out.putShort(icmpOff + Icmp.CHECKSUM_OFFSET, (short)0, ByteOrder.BIG_ENDIAN);
        out.putShort(icmpOff + Icmp.CHECKSUM_OFFSET,
            (short)Checksums.finish(Checksums.sum(out, icmpOff, pkt.l4Len, 0)), ByteOrder.BIG_ENDIAN);
        if (outbound)
        {
            svc.countOut(conns.dest(e), pkt.ipTotal);
            counters.inc(Counter.FORWARDED_OUT);
        }
        else
        {
            svc.countIn(conns.dest(e), pkt.ipTotal);
            counters.inc(Counter.FORWARDED_IN);
        }
        return n;
    }

    /** The outer address and the quoted header rewritten by the connection, as its packets are. */
    private void translateQuoted(final int e, final boolean outbound, final MutableDirectBuffer out, final int ip,
        final int q, final int qhl)
    {
        final int ports = q + qhl;
        final int qproto = Ipv4.protocol(out, q);
        final int oldAddr;
        final int newAddr;
        final int oldPort;
        final int newPort;
        if (outbound)
        {
            Ipv4.src(out, ip, conns.vaddr(e));
            oldAddr = Ipv4.dst(out, q);
            newAddr = conns.vaddr(e);
            Ipv4.dst(out, q, newAddr);
            oldPort = out.getShort(ports + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            newPort = conns.vport(e);
            out.putShort(ports + 2, (short)newPort, ByteOrder.BIG_ENDIAN);
        }
        else
        {
            Ipv4.dst(out, ip, conns.daddr(e));
            oldAddr = Ipv4.src(out, q);
            newAddr = conns.daddr(e);
            Ipv4.src(out, q, newAddr);
            oldPort = out.getShort(ports, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            newPort = conns.dport(e);
            out.putShort(ports, (short)newPort, ByteOrder.BIG_ENDIAN);
        }
        Ipv4.fillChecksum(out, q);
        // The kernel leaves the quoted L4 checksum stale; when the quote holds it, keep it right.
        final int field = Ipv4.PROTO_TCP == qproto ? Tcp.CHECKSUM_OFFSET : Udp.CHECKSUM_OFFSET;
        if (ports + field + 2 <= ip + pkt.ipTotal)
        {
            final int check = out.getShort(ports + field, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            if (Ipv4.PROTO_TCP == qproto || 0 != check)
            {
                final int c = Checksums.update16(Checksums.update32(check, oldAddr, newAddr), oldPort, newPort);
                out.putShort(ports + field, (short)c, ByteOrder.BIG_ENDIAN);
            }
        }
    }

    private int count(final Counter c)
    {
        counters.inc(c);
        return Forwarder.NOTHING;
    }
}
