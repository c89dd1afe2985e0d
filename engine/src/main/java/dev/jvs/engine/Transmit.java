package dev.jvs.engine;

import dev.jvs.engine.frame.Checksums;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.frame.Tcp;
import dev.jvs.engine.frame.Udp;
import dev.jvs.engine.service.VirtualService;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * What goes on the wire ({@code ip_vs_xmit.c}): the received datagram copied into the transmit slot (the one
 * copy on the path), its TTL decremented, and rewritten by the connection's method: NAT rewrites the
 * destination (and a reply's source back to the VIP), DR only the MACs, TUN puts an IPIP header in front, and
 * cuts what does not fit the path into fragments. Checksums are updated incrementally (RFC 1624), or completed
 * in software when the frame carries only the pseudo-header sum.
 * <p>
 * The rewrites read the received frame and write the copy: a narrow load from the copy may have to wait for
 * the copy's wide stores (store-to-load forwarding). No difference showed in ForwardBenchmark.
 */
final class Transmit
{
    /** Linux keeps a learnt PMTU 10 minutes (ip_rt_mtu_expires). */
    private static final long PMTU_EXPIRES_MS = 600_000;

    private final EngineConfig cfg;
    private final Neighbors neighbors;
    private final Counters counters;
    private final Packet pkt;
    private final IcmpSender icmp;
    /**
     * Path MTUs to TUN real servers learnt from ICMP fragmentation needed about our tunnelled packets: real
     * server address to (expiry ms &lt;&lt; 16 | MTU).
     */
    private final Long2LongHashMap tunnelMtu = new Long2LongHashMap(-1L);
    /** A tunnelled packet too big for its path, whole, while {@link #nextFrame} cuts it (no allocation). */
    private final UnsafeBuffer fragScratch = new UnsafeBuffer(new byte[2 * Ethernet.VLAN_TAG_LENGTH +
        Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + 65_535]);
    private int fragPayload;
    private int fragSent;
    private int fragLeft;
    private int fragL2;

    Transmit(final EngineConfig cfg, final Neighbors neighbors, final Counters counters, final Packet pkt,
        final IcmpSender icmp)
    {
        this.cfg = cfg;
        this.neighbors = neighbors;
        this.counters = counters;
        this.pkt = pkt;
        this.icmp = icmp;
    }

    /**
     * Write the frame for a real server by its method. The IP datagram is taken as received; on success the
     * TTL has been decremented and checksums made right.
     */
    int toRealServer(final VirtualService svc, final int dest, final int method, final int raddr,
        final int rport, final DirectBuffer in, final int off, final MutableDirectBuffer out, final int outOff,
        final int outCap, final Routes routes)
    {
        if (Ipv4.ttl(in, pkt.ip) <= 1)
        {
            // Back to the client, by the port it came in by.
            final Egress eg = pkt.egress.open(pkt.inPort);
            return icmp.timeExceeded(in, off, eg.buffer, eg.offset, eg.capacity, pkt.daddr);
        }
        final long mac = svc.mac(dest, neighbors, routes);
        if (mac < 0)
        {
            return count(VirtualService.NO_ROUTE == mac ? Counter.DROP_NO_ROUTE : Counter.DROP_NO_NEIGHBOR);
        }
        if (Method.TUN == method)
        {
            return tunnel(raddr, mac, in, off, out, outOff, outCap);
        }
        final int n = copyOut(in, off, out, outOff, outCap, mac);
        if (Forwarder.NOTHING == n)
        {
            return Forwarder.NOTHING;
        }
        final int ip = outOff + pkt.l2Len;
        final int l4 = ip + pkt.ipHl;
        decrementTtl(in, pkt.ip, out, ip);
        if (Method.NAT == method)
        {
            rewriteDestination(in, out, ip, l4, raddr, rport);
        }
        else if (pkt.csumNotReady)
        {
            completeL4(out, ip, l4);
        }
        counters.inc(Counter.FORWARDED_IN);
        return n;
    }

    /** A NAT reply to the client at {@code mac}: TTL one less, the source back to the VIP and its port. */
    int toClient(final DirectBuffer in, final int off, final MutableDirectBuffer out, final int outOff,
        final int outCap, final long mac, final int vaddr, final int vport)
    {
        final int n = copyOut(in, off, out, outOff, outCap, mac);
        if (Forwarder.NOTHING == n)
        {
            return Forwarder.NOTHING;
        }
        final int ip = outOff + pkt.l2Len;
        decrementTtl(in, pkt.ip, out, ip);
        rewriteSource(in, out, ip, ip + pkt.ipHl, vaddr, vport);
        counters.inc(Counter.FORWARDED_OUT);
        return n;
    }

    /**
     * Copy the received frame into the TX slot, from the director's MAC to {@code dstMac}, or count why not.
     *
     * @return the frame length, or {@link Forwarder#NOTHING}.
     */
    int copyOut(final DirectBuffer in, final int off, final MutableDirectBuffer out, final int outOff,
        final int outCap, final long dstMac)
    {
        final int port = pkt.egress.port();
        if (pkt.ipTotal > cfg.mtu(port))
        {
            return count(Counter.DROP_OVERSIZE);
        }
        final int n = pkt.l2Len + pkt.ipTotal;
        if (n > outCap)
        {
            return count(Counter.DROP_NO_ROOM);
        }
        // The one copy on the path (a manual 8-byte loop measured slower).
        out.putBytes(outOff, in, off, n);
        Ethernet.macs(out, outOff, dstMac, cfg.mac(port));
        return n;
    }

    /** The copy's TTL one less and its header checksum updated (ip_decrease_ttl, RFC 1141). */
    static void decrementTtl(final DirectBuffer in, final int inIp, final MutableDirectBuffer out, final int ip)
    {
        // TTL is the high byte of a 16-bit word, so the sum gains 0x0100.
        out.putByte(ip + Ipv4.TTL_OFFSET, (byte)(in.getByte(inIp + Ipv4.TTL_OFFSET) - 1));
        int check = Ipv4.checksum(in, inIp) + 0x0100;
        check += check >>> 16;
        Ipv4.checksum(out, ip, check & 0xFFFF);
    }

    /** NAT in, after {@link #decrementTtl}: destination address and port become the real server's. */
    private void rewriteDestination(final DirectBuffer in, final MutableDirectBuffer out, final int ip,
        final int l4, final int raddr, final int rport)
    {
        Ipv4.dst(out, ip, raddr);
        Ipv4.checksum(out, ip, Checksums.update32(Ipv4.checksum(out, ip), pkt.daddr, raddr));
        out.putShort(l4 + 2, (short)rport, ByteOrder.BIG_ENDIAN);
        patchL4(in, out, ip, l4, pkt.daddr, raddr, pkt.dport, rport);
    }

    /** NAT out, after {@link #decrementTtl}: source address and port become the VIP's. */
    private void rewriteSource(final DirectBuffer in, final MutableDirectBuffer out, final int ip, final int l4,
        final int vaddr, final int vport)
    {
        Ipv4.src(out, ip, vaddr);
        Ipv4.checksum(out, ip, Checksums.update32(Ipv4.checksum(out, ip), pkt.saddr, vaddr));
        out.putShort(l4, (short)vport, ByteOrder.BIG_ENDIAN);
        patchL4(in, out, ip, l4, pkt.saddr, vaddr, pkt.sport, vport);
    }

    private void patchL4(final DirectBuffer in, final MutableDirectBuffer b, final int ip, final int l4,
        final int oldAddr, final int newAddr, final int oldPort, final int newPort)
    {
        if (pkt.csumNotReady)
        {
            completeL4(b, ip, l4);
            return;
        }
        final int proto = pkt.proto;
        final int field = Ipv4.PROTO_TCP == proto ? Tcp.CHECKSUM_OFFSET : Udp.CHECKSUM_OFFSET;
        final int check = in.getShort(pkt.l4 + field, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (Ipv4.PROTO_UDP == proto && 0 == check)
        {
            return; // UDP without checksum stays without.
        }
        int c = Checksums.update32(check, oldAddr, newAddr);
        c = Checksums.update16(c, oldPort, newPort);
        if (Ipv4.PROTO_UDP == proto && 0 == c)
        {
            c = 0xFFFF;
        }
        b.putShort(l4 + field, (short)c, ByteOrder.BIG_ENDIAN);
    }

    private void completeL4(final MutableDirectBuffer b, final int ip, final int l4)
    {
        if (Ipv4.PROTO_TCP == pkt.proto)
        {
            Checksums.fillL4(b, ip, l4, pkt.l4Len, Tcp.CHECKSUM_OFFSET, false);
        }
        else if (Ipv4.PROTO_UDP == pkt.proto)
        {
            Checksums.fillL4(b, ip, l4, pkt.l4Len, Udp.CHECKSUM_OFFSET, true);
        }
    }

    // ------------------------------------------------------------------------------------------------ TUN

    /**
     * IPIP ({@code ip_vs_tunnel_xmit}): the datagram (TTL decremented) behind a new outer header from the
     * director to the real server, DF copied from the inner header when pmtu_disc is on (cleared otherwise), the
     * DS field copied with ECN encapsulated as {@code INET_ECN_encapsulate} does. Too big for the path: with DF,
     * an ICMP fragmentation needed goes back; without, the outer packet leaves in fragments, as ip_fragment
     * cuts it (see {@link #nextFrame}).
     */
    private int tunnel(final int raddr, final long mac, final DirectBuffer in, final int off,
        final MutableDirectBuffer out, final int outOff, final int outCap)
    {
        final int ipTotal = pkt.ipTotal;
        final int portMtu = cfg.mtu(pkt.egress.port());
        if (ipTotal > portMtu)
        {
            return count(Counter.DROP_OVERSIZE);
        }
        final int df = cfg.pmtuDisc ? Ipv4.fragField(in, pkt.ip) & Ipv4.FLAG_DF : 0;
        final long learnt = tunnelMtu.isEmpty() ? -1L : tunnelMtu.get(raddr & 0xFFFFFFFFL);
        final int mtu = -1L == learnt ? portMtu : Math.min(portMtu, (int)(learnt & 0xFFFF));
        if (ipTotal + Ipv4.MIN_HEADER_LENGTH > mtu)
        {
            if (0 != df)
            {
                // Back to the client, by the port it came in by.
                final Egress eg = pkt.egress.open(pkt.inPort);
                return icmp.fragNeeded(in, off, eg.buffer, eg.offset, eg.capacity, mtu - Ipv4.MIN_HEADER_LENGTH);
            }
            final int whole = encapsulate(raddr, mac, df, in, off, fragScratch, 0);
            fragPayload = mtu - Ipv4.MIN_HEADER_LENGTH;
            fragSent = 0;
            fragLeft = whole - pkt.l2Len - Ipv4.MIN_HEADER_LENGTH;
            fragL2 = pkt.l2Len;
            counters.inc(Counter.FORWARDED_IN);
            counters.inc(Counter.TUN_FRAGMENTED);
            return nextFrame(out, outOff, outCap);
        }
        final int n = pkt.l2Len + Ipv4.MIN_HEADER_LENGTH + ipTotal;
        if (n > outCap)
        {
            return count(Counter.DROP_NO_ROOM);
        }
        encapsulate(raddr, mac, df, in, off, out, outOff);
        counters.inc(Counter.FORWARDED_IN);
        return n;
    }

    /** Write the frame {@link #tunnel} sends: Ethernet, the outer header, the inner datagram. @return its length. */
    private int encapsulate(final int raddr, final long mac, final int df, final DirectBuffer in, final int off,
        final MutableDirectBuffer out, final int outOff)
    {
        final int l2Len = pkt.l2Len;
        final int ipTotal = pkt.ipTotal;
        out.putBytes(outOff, in, off, l2Len);
        final int outer = outOff + l2Len;
        final int inner = outer + Ipv4.MIN_HEADER_LENGTH;
        out.putBytes(inner, in, pkt.ip, ipTotal);
        if (pkt.csumNotReady)
        {
            completeL4(out, inner, inner + pkt.ipHl);
        }
        decrementTtl(in, pkt.ip, out, inner);
        final int port = pkt.egress.port();
        Ethernet.macs(out, outOff, mac, cfg.mac(port));
        out.putShort(outOff + l2Len - 2, (short)Ethernet.TYPE_IPV4, ByteOrder.BIG_ENDIAN);
        out.putByte(outer, (byte)0x45);
        final int tos = Ipv4.tos(in, pkt.ip);
        // INET_ECN_encapsulate: the inner ECN bits, but CE becomes ECT(0) outside.
        out.putByte(outer + Ipv4.TOS_OFFSET, (byte)(3 == (tos & 3) ? (tos & ~3) | 2 : tos));
        Ipv4.totalLength(out, outer, Ipv4.MIN_HEADER_LENGTH + ipTotal);
        out.putShort(outer + Ipv4.ID_OFFSET, (short)icmp.nextIpId(), ByteOrder.BIG_ENDIAN);
        out.putShort(outer + Ipv4.FRAG_OFFSET, (short)df, ByteOrder.BIG_ENDIAN);
        out.putByte(outer + Ipv4.TTL_OFFSET, out.getByte(inner + Ipv4.TTL_OFFSET));
        out.putByte(outer + Ipv4.PROTOCOL_OFFSET, (byte)Ipv4.PROTO_IPIP);
        Ipv4.src(out, outer, cfg.ip(port));
        Ipv4.dst(out, outer, raddr);
        Ipv4.fillChecksum(out, outer);
        return l2Len + Ipv4.MIN_HEADER_LENGTH + ipTotal;
    }

    /** Forget fragments not yet handed out (a new frame arrived). */
    void resetFragments()
    {
        fragLeft = 0;
    }

    /** @return whether the last frame left fragments to send. */
    boolean hasMoreFrames()
    {
        return fragLeft > 0;
    }

    /**
     * The next fragment of a tunnelled packet too big for its path ({@code ip_do_fragment}'s slow path): each
     * carries the outer header with the packet's IP id, a payload of the path MTU less the header rounded down
     * to 8 bytes (the last one the rest), its offset, and MF on all but the last.
     *
     * @return its length, or {@link Forwarder#NOTHING} when none is left or it does not fit (then none is left).
     */
    int nextFrame(final MutableDirectBuffer out, final int outOff, final int outCap)
    {
        final int left = fragLeft;
        if (left <= 0)
        {
            return Forwarder.NOTHING;
        }
        // ip_do_fragment: the rest when it fits, else as much as fits, rounded down to 8 bytes.
        final int len = left <= fragPayload ? left : fragPayload & ~7;
        final int hdr = fragL2 + Ipv4.MIN_HEADER_LENGTH;
        if (hdr + len > outCap)
        {
            fragLeft = 0;
            return count(Counter.DROP_NO_ROOM);
        }
        final UnsafeBuffer whole = fragScratch;
        out.putBytes(outOff, whole, 0, hdr);
        out.putBytes(outOff + hdr, whole, hdr + fragSent, len);
        final int ip = outOff + fragL2;
        Ipv4.totalLength(out, ip, Ipv4.MIN_HEADER_LENGTH + len);
        out.putShort(ip + Ipv4.FRAG_OFFSET, (short)((fragSent >>> 3) | (len < left ? Ipv4.FLAG_MF : 0)),
            ByteOrder.BIG_ENDIAN);
        Ipv4.fillChecksum(out, ip);
        fragSent += len;
        fragLeft = left - len;
        return hdr + len;
    }

    /**
     * A router says our IPIP packets to {@code raddr} are too big for its path: remember the path MTU for 10
     * minutes, as Linux does, when it is below the interface's (and not below Linux's min_pmtu of 552).
     *
     * @return the MTU taken.
     */
    int learnPathMtu(final int raddr, final int reported, final long nowMs)
    {
        final int mtu = Math.max(552, reported);
        if (mtu < cfg.mtu)
        {
            tunnelMtu.put(raddr & 0xFFFFFFFFL, (nowMs + PMTU_EXPIRES_MS) << 16 | mtu);
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
        final Long2LongHashMap.EntryIterator it = tunnelMtu.entrySet().iterator();
        while (it.hasNext())
        {
            it.next();
            if ((it.getLongValue() >>> 16) <= nowMs)
            {
                it.remove();
            }
        }
    }

    private int count(final Counter c)
    {
        counters.inc(c);
        return Forwarder.NOTHING;
    }
}
