package dev.jvs.engine;

import dev.jvs.engine.frame.Checksums;
import dev.jvs.engine.frame.Icmp;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.frame.Ipv6;
import dev.jvs.engine.frame.Tcp;
import dev.jvs.engine.frame.Udp;
import dev.jvs.engine.service.ServiceTable;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * The received frame being processed, as {@link Forwarder#process} parsed it once: where its headers are and
 * what they say. One instance per forwarder, refilled for every frame and read by every part of the forwarding
 * (scheduling, state transitions, transmission, ICMP): no object per frame, and no part re-parses.
 * <pre>
 *   off        l2Len        ip            ipHl           l4            l4Len
 *   | Ethernet [VLAN tags] | IPv4 header [options] | TCP/UDP/ICMP header and payload |
 *                          |&lt;-------------------- ipTotal -------------------------&gt;|
 * </pre>
 */
final class Packet
{
    /** Ethernet header length, VLAN tags included. */
    int l2Len;
    /** Offset of the IPv4 header in the received buffer. */
    int ip;
    /** IPv4 header length. */
    int ipHl;
    /** IPv4 total length. */
    int ipTotal;
    /** Offset of the transport header. */
    int l4;
    /** Transport header and payload length. */
    int l4Len;
    /** IP protocol. */
    int proto;
    /** Source and destination addresses (IPv6: their fold, what the schedulers hash, as the kernel's do). */
    int saddr;
    int daddr;
    /** An IPv6 packet: its addresses are these halves; {@link #ipHl} then spans the extension headers. */
    boolean v6;
    long shi;
    long slo;
    long dhi;
    long dlo;
    /** Source and destination ports (TCP, UDP). */
    int sport;
    int dport;
    /** TCP flags, 0 for UDP. */
    int tcpFlags;
    /** The L4 checksum holds only the pseudo-header sum (TP_STATUS_CSUMNOTREADY). */
    boolean csumNotReady;
    /** The port (interface) the frame came in by: replies to its sender (ARP, ICMP) leave by it. */
    int inPort;
    /** Where the frame to send is written: the slot of the port opened last. */
    Egress egress;

    /**
     * Parse the IPv4 header and the transport header it announces into this packet, checking them.
     *
     * @param in the buffer.
     * @param ip offset of the IPv4 header.
     * @param avail bytes from there to the end of the frame.
     * @param services whether the destination is a VIP decides a malformed frame's counter.
     * @return null when the frame goes on, else what to count it under: it is dropped.
     */
    Counter parseIp(final DirectBuffer in, final int ip, final int avail, final ServiceTable services)
    {
        final Packet p = this;
        p.ip = ip;
        p.v6 = false;
        if (avail < Ipv4.MIN_HEADER_LENGTH || 4 != Ipv4.version(in, ip))
        {
            return Counter.DROP_BAD_IP_HEADER;
        }
        final int hl = Ipv4.headerLength(in, ip);
        final int total = Ipv4.totalLength(in, ip);
        if (hl < Ipv4.MIN_HEADER_LENGTH || hl > avail || total < hl || total > avail)
        {
            return Counter.DROP_BAD_IP_HEADER;
        }
        if (!Checksums.ipHeaderValid(in, ip, hl))
        {
            return Counter.DROP_BAD_IP_CHECKSUM;
        }
        p.ipHl = hl;
        p.ipTotal = total;
        p.proto = Ipv4.protocol(in, ip);
        p.saddr = Ipv4.src(in, ip);
        p.daddr = Ipv4.dst(in, ip);
        final int frag = Ipv4.fragField(in, ip);
        if (0 != (frag & (Ipv4.FLAG_MF | Ipv4.FRAG_OFFSET_MASK)))
        {
            return services.isVip(p.daddr) ? Counter.DROP_FRAGMENT : Counter.NOT_OURS;
        }
        p.l4 = ip + hl;
        p.l4Len = total - hl;
        return parseL4(in, services);
    }

    /**
     * Parse an IPv6 header, its extension headers and the transport header into this packet. Fragments are
     * dropped as IPv4's are: IPVS sees IPv6 only after the kernel's reassembly (nf_defrag_ipv6), which a
     * user-space director does not have.
     *
     * @param in the buffer.
     * @param ip offset of the IPv6 header.
     * @param avail bytes from there to the end of the frame.
     * @param services whether the destination is a VIP decides a malformed frame's counter.
     * @return null when the frame goes on, else what to count it under: it is dropped.
     */
    Counter parseIp6(final DirectBuffer in, final int ip, final int avail, final ServiceTable services)
    {
        final Packet p = this;
        p.ip = ip;
        p.v6 = true;
        if (avail < Ipv6.HEADER_LENGTH || 6 != Ipv6.version(in, ip))
        {
            return Counter.DROP_BAD_IP6_HEADER;
        }
        final int total = Ipv6.HEADER_LENGTH + Ipv6.payloadLength(in, ip);
        if (total > avail)
        {
            return Counter.DROP_BAD_IP6_HEADER;
        }
        p.shi = Ipv6.word(in, ip + Ipv6.SRC_OFFSET);
        p.slo = Ipv6.word(in, ip + Ipv6.SRC_OFFSET + 8);
        p.dhi = Ipv6.word(in, ip + Ipv6.DST_OFFSET);
        p.dlo = Ipv6.word(in, ip + Ipv6.DST_OFFSET + 8);
        p.saddr = (int)(p.shi >>> 32) ^ (int)p.shi ^ (int)(p.slo >>> 32) ^ (int)p.slo;
        p.daddr = (int)(p.dhi >>> 32) ^ (int)p.dhi ^ (int)(p.dlo >>> 32) ^ (int)p.dlo;
        final long t = Ipv6.transport(in, ip, ip + total);
        if (t < 0 || 0 != (t & Ipv6.MORE_FRAGMENTS))
        {
            return Ipv6.MALFORMED == t ? Counter.DROP_BAD_IP6_HEADER :
                services.isVip6(p.dhi, p.dlo) ? Counter.DROP_FRAGMENT6 : Counter.NOT_OURS;
        }
        p.proto = (int)(t >>> 32);
        p.l4 = (int)t;
        p.ipHl = p.l4 - ip;
        p.ipTotal = total;
        p.l4Len = total - p.ipHl;
        if (Ipv6.NH_ICMPV6 == p.proto)
        {
            return p.l4Len < Icmp.HEADER_LENGTH ? Counter.NOT_OURS : null;
        }
        return parseL4(in, services);
    }

    /** TCP, UDP: the ports and flags; ICMP: its length. @return as {@link #parseIp}. */
    private Counter parseL4(final DirectBuffer in, final ServiceTable services)
    {
        final Packet p = this;
        final int l4 = p.l4;
        final int l4Len = p.l4Len;
        switch (p.proto)
        {
            case Ipv4.PROTO_TCP:
                if (l4Len < Tcp.MIN_HEADER_LENGTH)
                {
                    return services.isVip(p.daddr) ? Counter.DROP_TRUNCATED_L4 : Counter.NOT_OURS;
                }
                final int doff = Tcp.headerLength(in, l4);
                if (doff < Tcp.MIN_HEADER_LENGTH || doff > l4Len)
                {
                    return services.isVip(p.daddr) ? Counter.DROP_BAD_L4_HEADER : Counter.NOT_OURS;
                }
                p.tcpFlags = Tcp.flags(in, l4);
                break;
            case Ipv4.PROTO_UDP:
                if (l4Len < Udp.HEADER_LENGTH)
                {
                    return services.isVip(p.daddr) ? Counter.DROP_TRUNCATED_L4 : Counter.NOT_OURS;
                }
                final int ulen = Udp.length(in, l4);
                if (ulen < Udp.HEADER_LENGTH || ulen > l4Len)
                {
                    return services.isVip(p.daddr) ? Counter.DROP_BAD_L4_HEADER : Counter.NOT_OURS;
                }
                p.tcpFlags = 0;
                break;
            case Ipv4.PROTO_ICMP:
                return l4Len < Icmp.HEADER_LENGTH ?
                    (services.isVip(p.daddr) ? Counter.DROP_TRUNCATED_L4 : Counter.NOT_OURS) : null;
            default:
                return null;
        }
        p.sport = in.getShort(l4, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        p.dport = in.getShort(l4 + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        return null;
    }
}
