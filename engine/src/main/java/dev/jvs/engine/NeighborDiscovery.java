package dev.jvs.engine;

import dev.jvs.engine.frame.Checksums;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.frame.Ipv6;
import dev.jvs.engine.service.ServiceTable;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Neighbour discovery (RFC 4861), IPv6's part of what {@link ArpResponder} does for IPv4: Neighbor
 * Advertisements for the IPv6 VIPs (solicited, override), Neighbor Solicitations to resolve IPv6 real servers,
 * and their MACs learnt from what they say (an advertisement of their address, a solicitation with their
 * link-layer option).
 */
public final class NeighborDiscovery
{
    static final int TYPE_NS = 135;
    static final int TYPE_NA = 136;
    /** An NS or NA: type, code, checksum, 4 bytes of flags or reserved, the 16-byte target. */
    private static final int MESSAGE_LENGTH = 24;
    private static final int OPTION_SOURCE_LLA = 1;
    private static final int OPTION_TARGET_LLA = 2;
    /** Solicited and override (RFC 4861 4.4). */
    private static final int NA_SOLICITED_OVERRIDE = 0x6000_0000;
    private static final int NA_OVERRIDE = 0x2000_0000;
    private static final int NA_ROUTER = 0x8000_0000;
    private static final long ALL_NODES_HI = 0xFF02_0000_0000_0000L;
    private static final long ALL_NODES_LO = 1L;

    private final EngineConfig cfg;
    private final ServiceTable services;
    private final Neighbors neighbors;
    private final Counters counters;
    private final Packet pkt;

    private final Owned6 owned;

    NeighborDiscovery(final EngineConfig cfg, final ServiceTable services, final Neighbors neighbors,
        final Counters counters, final Packet pkt, final Owned6 owned)
    {
        this.owned = owned;
        this.cfg = cfg;
        this.services = services;
        this.neighbors = neighbors;
        this.counters = counters;
        this.pkt = pkt;
    }

    /**
     * An ICMPv6 message addressed to the link: learn a real server's MAC from it, and answer a solicitation
     * for a VIP. Other ICMPv6 is not the director's.
     */
    int onIcmp6(final DirectBuffer in, final int off, final MutableDirectBuffer out, final int outOff,
        final int outCap)
    {
        final Packet p = pkt;
        final int l4 = p.l4;
        final int type = in.getByte(l4) & 0xFF;
        // RFC 4861 7.1: hop limit 255 (it never crossed a router), code 0, long enough, checksum valid.
        if (TYPE_NS != type && TYPE_NA != type || 255 != Ipv6.hopLimit(in, p.ip) || 0 != in.getByte(l4 + 1) ||
            p.l4Len < MESSAGE_LENGTH || 0xFFFF != Checksums.fold(Checksums.sum(in, l4, p.l4Len,
            Ipv6.pseudoSum(in, p.ip, p.l4Len, Ipv6.NH_ICMPV6))))
        {
            return count(Counter.NOT_OURS);
        }
        final long thi = Ipv6.word(in, l4 + 8);
        final long tlo = Ipv6.word(in, l4 + 16);
        final int end = l4 + p.l4Len;
        if (TYPE_NA == type)
        {
            learn(thi, tlo, option(in, l4 + MESSAGE_LENGTH, end, OPTION_TARGET_LLA));
            return count(Counter.NOT_OURS);
        }
        final long sll = option(in, l4 + MESSAGE_LENGTH, end, OPTION_SOURCE_LLA);
        learn(p.shi, p.slo, sll);
        // Answered whatever the vip_mode: jvs adds no IPv6 address to the kernel, so nothing else would answer.
        final long from = owned.answer(thi, tlo, services.isVip6(thi, tlo), p.inPort);
        if (from < 0)
        {
            return count(Counter.NOT_OURS);
        }
        return advertise(in, off, thi, tlo, 0 == p.shi && 0 == p.slo, 0 == from ? cfg.mac(p.inPort) : from, out,
            outOff, outCap);
    }

    private void learn(final long hi, final long lo, final long mac)
    {
        if (mac < 0)
        {
            return;
        }
        final IpAddress rs = services.realServer6(hi, lo);
        if (null != rs)
        {
            neighbors.put6(rs, Forwarder.withPort(mac, pkt.inPort));
        }
    }

    /** The MAC in the first option of a kind, or -1. */
    private static long option(final DirectBuffer in, final int from, final int end, final int kind)
    {
        int at = from;
        while (at + 8 <= end)
        {
            final int len = (in.getByte(at + 1) & 0xFF) * 8;
            if (0 == len)
            {
                return -1; // RFC 4861 4.6: a zero length makes the message invalid.
            }
            if (kind == (in.getByte(at) & 0xFF))
            {
                return Ethernet.mac(in, at + 2);
            }
            at += len;
        }
        return -1;
    }

    /** A Neighbor Advertisement of a VIP back to its solicitor (to all nodes when it was a DAD probe). */
    private int advertise(final DirectBuffer in, final int off, final long thi, final long tlo, final boolean dad,
        final long mac, final MutableDirectBuffer out, final int outOff, final int outCap)
    {
        final Packet p = pkt;
        final int l2 = p.l2Len;
        final int n = l2 + Ipv6.HEADER_LENGTH + MESSAGE_LENGTH + 8;
        if (n > outCap)
        {
            return count(Counter.DROP_NO_ROOM);
        }
        out.putBytes(outOff, in, off, l2);
        Ethernet.macs(out, outOff, dad ? Ipv6.multicastMac(ALL_NODES_LO) : Ethernet.mac(in, off +
            Ethernet.SRC_OFFSET), mac);
        final int ip = outOff + l2;
        header(out, ip, thi, tlo, dad ? ALL_NODES_HI : p.shi, dad ? ALL_NODES_LO : p.slo);
        final int l4 = ip + Ipv6.HEADER_LENGTH;
        out.putByte(l4, (byte)TYPE_NA);
        out.putByte(l4 + 1, (byte)0);
        out.putInt(l4 + 4, dad ? NA_OVERRIDE : NA_SOLICITED_OVERRIDE, ByteOrder.BIG_ENDIAN);
        Ipv6.address(out, l4 + 8, thi, tlo);
        out.putByte(l4 + MESSAGE_LENGTH, (byte)OPTION_TARGET_LLA);
        out.putByte(l4 + MESSAGE_LENGTH + 1, (byte)1);
        Ethernet.mac(out, l4 + MESSAGE_LENGTH + 2, mac);
        Ipv6.fillChecksum(out, ip, l4, MESSAGE_LENGTH + 8, Ipv6.NH_ICMPV6, 2);
        counters.inc(Counter.ND_ANSWERED);
        return n;
    }

    /**
     * An unsolicited Neighbor Advertisement of an address a new VRRP master owns, as keepalived's
     * {@code ndisc_send_unsolicited_na_immediate} sends it: from the address itself to all nodes (ff02::1),
     * override set, router set when the interface forwards IPv6, the target's link-layer address option.
     *
     * @param out where the Ethernet frame goes.
     * @param off its offset.
     * @param hi the address, high 64 bits.
     * @param lo low 64 bits.
     * @param mac the MAC it answers from.
     * @param router whether the interface forwards IPv6 (the router flag).
     * @return the frame's length.
     */
    public static int unsolicitedAdvert(final MutableDirectBuffer out, final int off, final long hi, final long lo,
        final long mac, final boolean router)
    {
        Ethernet.macs(out, off, Ipv6.multicastMac(ALL_NODES_LO), mac);
        out.putShort(off + Ethernet.TYPE_OFFSET, (short)Ethernet.TYPE_IPV6, ByteOrder.BIG_ENDIAN);
        final int ip = off + Ethernet.HEADER_LENGTH;
        header(out, ip, hi, lo, ALL_NODES_HI, ALL_NODES_LO);
        final int l4 = ip + Ipv6.HEADER_LENGTH;
        out.putByte(l4, (byte)TYPE_NA);
        out.putByte(l4 + 1, (byte)0);
        out.putInt(l4 + 4, NA_OVERRIDE | (router ? NA_ROUTER : 0), ByteOrder.BIG_ENDIAN);
        Ipv6.address(out, l4 + 8, hi, lo);
        out.putByte(l4 + MESSAGE_LENGTH, (byte)OPTION_TARGET_LLA);
        out.putByte(l4 + MESSAGE_LENGTH + 1, (byte)1);
        Ethernet.mac(out, l4 + MESSAGE_LENGTH + 2, mac);
        Ipv6.fillChecksum(out, ip, l4, MESSAGE_LENGTH + 8, Ipv6.NH_ICMPV6, 2);
        return Ethernet.HEADER_LENGTH + Ipv6.HEADER_LENGTH + MESSAGE_LENGTH + 8;
    }

    /** An IPv6 header of an ND message: no traffic class or flow label, hop limit 255. */
    private static void header(final MutableDirectBuffer out, final int ip, final long shi, final long slo,
        final long dhi, final long dlo)
    {
        out.putInt(ip, 0x6000_0000, ByteOrder.BIG_ENDIAN);
        out.putShort(ip + Ipv6.PAYLOAD_LENGTH_OFFSET, (short)(MESSAGE_LENGTH + 8), ByteOrder.BIG_ENDIAN);
        out.putByte(ip + Ipv6.NEXT_HEADER_OFFSET, (byte)Ipv6.NH_ICMPV6);
        out.putByte(ip + Ipv6.HOP_LIMIT_OFFSET, (byte)255);
        Ipv6.address(out, ip + Ipv6.SRC_OFFSET, shi, slo);
        Ipv6.address(out, ip + Ipv6.DST_OFFSET, dhi, dlo);
    }

    /**
     * A Neighbor Solicitation for a real server, to its solicited-node group, from the link-local address of
     * the port's MAC (the kernel holds it, so the advertisement also reaches the ring).
     *
     * @param target the address to resolve.
     * @param port the port it is asked on.
     * @param out where the frame goes.
     * @param outOff offset.
     * @return the frame length.
     */
    int solicit(final IpAddress target, final int port, final MutableDirectBuffer out, final int outOff)
    {
        final long mac = cfg.mac(port);
        final long group = Ipv6.solicitedNodeLo(target.lo());
        Ethernet.macs(out, outOff, Ipv6.multicastMac(group), mac);
        out.putShort(outOff + Ethernet.TYPE_OFFSET, (short)Ethernet.TYPE_IPV6, ByteOrder.BIG_ENDIAN);
        final int ip = outOff + Ethernet.HEADER_LENGTH;
        header(out, ip, Ipv6.LINK_LOCAL_HI, Ipv6.linkLocalLo(mac), Ipv6.SOLICITED_NODE_HI, group);
        final int l4 = ip + Ipv6.HEADER_LENGTH;
        out.putByte(l4, (byte)TYPE_NS);
        out.putByte(l4 + 1, (byte)0);
        out.putInt(l4 + 4, 0);
        Ipv6.address(out, l4 + 8, target.hi(), target.lo());
        out.putByte(l4 + MESSAGE_LENGTH, (byte)OPTION_SOURCE_LLA);
        out.putByte(l4 + MESSAGE_LENGTH + 1, (byte)1);
        Ethernet.mac(out, l4 + MESSAGE_LENGTH + 2, mac);
        Ipv6.fillChecksum(out, ip, l4, MESSAGE_LENGTH + 8, Ipv6.NH_ICMPV6, 2);
        return Ethernet.HEADER_LENGTH + Ipv6.HEADER_LENGTH + MESSAGE_LENGTH + 8;
    }

    private int count(final Counter c)
    {
        counters.inc(c);
        return Forwarder.NOTHING;
    }
}
