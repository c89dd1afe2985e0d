package dev.jvs.engine;

import dev.jvs.engine.frame.Checksums;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.frame.Icmp;
import dev.jvs.engine.frame.Ipv4;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * ICMP errors the director sends itself (Linux's {@code icmp_send}, as IPVS calls it): time exceeded and
 * fragmentation needed, quoting the offending datagram. Also the IP id counter of every packet the director
 * originates (these errors and IPIP outer headers).
 */
final class IcmpSender
{
    /** How much of the offending datagram an ICMP error quotes (576 - 20 - 8, as icmp_send). */
    static final int QUOTE_MAX = 548;

    private final EngineConfig cfg;
    private final Counters counters;
    private final Packet pkt;
    private int ipId;

    IcmpSender(final EngineConfig cfg, final Counters counters, final Packet pkt)
    {
        this.cfg = cfg;
        this.counters = counters;
        this.pkt = pkt;
    }

    /** @return the IP id of the next packet the director originates. */
    int nextIpId()
    {
        ipId = (ipId + 1) & 0xFFFF;
        return ipId;
    }

    /** TTL would reach 0: an ICMP time exceeded back to the sender, from {@code source}. */
    int timeExceeded(final DirectBuffer in, final int off, final MutableDirectBuffer out, final int outOff,
        final int outCap, final int source)
    {
        counters.inc(Counter.DROP_TTL_EXCEEDED);
        return error(in, off, out, outOff, outCap, Icmp.TIME_EXCEEDED, 0, 0, source);
    }

    /** Too big with DF: an ICMP fragmentation needed with next-hop MTU {@code mtu}, from the destination. */
    int fragNeeded(final DirectBuffer in, final int off, final MutableDirectBuffer out, final int outOff,
        final int outCap, final int mtu)
    {
        counters.inc(Counter.DROP_FRAG_NEEDED);
        return error(in, off, out, outOff, outCap, Icmp.DEST_UNREACH, Icmp.CODE_FRAG_NEEDED, mtu, pkt.daddr);
    }

    /** Build an ICMP error back to the frame's sender, quoting its datagram as Linux's icmp_send does. */
    private int error(final DirectBuffer in, final int off, final MutableDirectBuffer out, final int outOff,
        final int outCap, final int type, final int code, final int mtu, final int source)
    {
        if (pkt.l2Len + Ipv4.MIN_HEADER_LENGTH > outCap)
        {
            return Forwarder.NOTHING;
        }
        // The frame's own L2 header (VLAN tags included), turned round.
        out.putBytes(outOff, in, off, pkt.l2Len);
        return errorTo(out, outOff, outCap, type, code, mtu, source, pkt.saddr,
            Ethernet.mac(in, off + Ethernet.SRC_OFFSET), in, pkt.ip, Math.min(pkt.ipTotal, QUOTE_MAX));
    }

    /**
     * An ICMP error to {@code dest} at {@code destMac} quoting {@code quote} bytes of the datagram at
     * {@code quoted}; the L2 header at {@code outOff} (l2Len bytes) is already in place but for its MACs.
     */
    int errorTo(final MutableDirectBuffer out, final int outOff, final int outCap, final int type,
        final int code, final int mtu, final int source, final int dest, final long destMac, final DirectBuffer in,
        final int quoted, final int quote)
    {
        final int ipLen = Ipv4.MIN_HEADER_LENGTH + Icmp.HEADER_LENGTH + quote;
        final int n = pkt.l2Len + ipLen;
        if (n > outCap || 0 == source)
        {
            return Forwarder.NOTHING;
        }
        Ethernet.mac(out, outOff + Ethernet.DST_OFFSET, destMac);
        Ethernet.mac(out, outOff + Ethernet.SRC_OFFSET, cfg.mac(pkt.egress.port()));
        final int ip = outOff + pkt.l2Len;
        out.putByte(ip, (byte)0x45);
        out.putByte(ip + Ipv4.TOS_OFFSET, (byte)((Ipv4.tos(in, quoted) & 0x1E) | 0xC0));
        Ipv4.totalLength(out, ip, ipLen);
        out.putShort(ip + Ipv4.ID_OFFSET, (short)nextIpId(), ByteOrder.BIG_ENDIAN);
        out.putShort(ip + Ipv4.FRAG_OFFSET, (short)0, ByteOrder.BIG_ENDIAN);
        out.putByte(ip + Ipv4.TTL_OFFSET, (byte)64);
        out.putByte(ip + Ipv4.PROTOCOL_OFFSET, (byte)Ipv4.PROTO_ICMP);
        Ipv4.src(out, ip, source);
        Ipv4.dst(out, ip, dest);
        Ipv4.fillChecksum(out, ip);
        final int icmp = ip + Ipv4.MIN_HEADER_LENGTH;
        out.putByte(icmp, (byte)type);
        out.putByte(icmp + 1, (byte)code);
        out.putShort(icmp + Icmp.CHECKSUM_OFFSET, (short)0, ByteOrder.BIG_ENDIAN);
        out.putShort(icmp + 4, (short)0, ByteOrder.BIG_ENDIAN);
        out.putShort(icmp + Icmp.MTU_OFFSET, (short)mtu, ByteOrder.BIG_ENDIAN);
        out.putBytes(icmp + Icmp.QUOTED_OFFSET, in, quoted, quote);
        out.putShort(icmp + Icmp.CHECKSUM_OFFSET,
            (short)Checksums.finish(Checksums.sum(out, icmp, Icmp.HEADER_LENGTH + quote, 0)), ByteOrder.BIG_ENDIAN);
        counters.inc(Counter.ICMP_SENT);
        return n;
    }
}
