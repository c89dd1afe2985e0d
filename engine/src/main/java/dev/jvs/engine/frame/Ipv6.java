package dev.jvs.engine.frame;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The IPv6 header (RFC 8200) and the walk over its extension headers to the transport header, as the kernel's
 * {@code ipv6_find_hdr} walks them (hop-by-hop, routing, destination options, fragment, AH).
 */
public final class Ipv6
{
    /** Fixed header length. */
    public static final int HEADER_LENGTH = 40;
    /** Payload length field. */
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    /** Next header field. */
    public static final int NEXT_HEADER_OFFSET = 6;
    /** Hop limit field. */
    public static final int HOP_LIMIT_OFFSET = 7;
    /** Source address. */
    public static final int SRC_OFFSET = 8;
    /** Destination address. */
    public static final int DST_OFFSET = 24;

    /** Hop-by-hop options. */
    public static final int NH_HOP_BY_HOP = 0;
    /** Routing header. */
    public static final int NH_ROUTING = 43;
    /** Fragment header. */
    public static final int NH_FRAGMENT = 44;
    /** Authentication header. */
    public static final int NH_AH = 51;
    /** No next header. */
    public static final int NH_NONE = 59;
    /** Destination options. */
    public static final int NH_DEST_OPTS = 60;
    /** ICMPv6. */
    public static final int NH_ICMPV6 = 58;
    /** IPv6 in IPv6 (ip6ip6 tunnels). */
    public static final int NH_IPV6 = 41;
    /** The minimum link MTU (RFC 8200 5): no path MTU below it. */
    public static final int MIN_MTU = 1280;

    /** {@link #transport} for a fragment other than the first: no transport header in it. */
    public static final int LATER_FRAGMENT = -2;
    /**
     * Set in what {@link #transport} returns for a first fragment with more to come (its transport header is
     * there; an atomic fragment, RFC 6946, is a whole packet).
     */
    public static final long MORE_FRAGMENTS = 1L << 62;
    /** {@link #transport} for a malformed or truncated chain. */
    public static final int MALFORMED = -1;

    /** Most extension headers walked before the packet is called malformed. */
    private static final int MAX_EXTENSIONS = 8;

    private Ipv6()
    {
    }

    /** @return the version field. */
    public static int version(final DirectBuffer b, final int ip)
    {
        return (b.getByte(ip) & 0xF0) >>> 4;
    }

    /** @return the payload length. */
    public static int payloadLength(final DirectBuffer b, final int ip)
    {
        return b.getShort(ip + PAYLOAD_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** @return the hop limit. */
    public static int hopLimit(final DirectBuffer b, final int ip)
    {
        return b.getByte(ip + HOP_LIMIT_OFFSET) & 0xFF;
    }

    /** @return the first (at 0) or last (at 8) 64 bits of the address at {@code at}, network order as a long. */
    public static long word(final DirectBuffer b, final int at)
    {
        return b.getLong(at, ByteOrder.BIG_ENDIAN);
    }

    /** Write an address's two halves at {@code at}. */
    public static void address(final MutableDirectBuffer b, final int at, final long hi, final long lo)
    {
        b.putLong(at, hi, ByteOrder.BIG_ENDIAN);
        b.putLong(at + 8, lo, ByteOrder.BIG_ENDIAN);
    }

    /**
     * Walk the extension headers from the fixed header to the upper-layer header.
     *
     * @param b the buffer.
     * @param ip the IPv6 header.
     * @param end where the packet ends (ip + 40 + payload length).
     * @return (next header &lt;&lt; 32) | offset of the upper-layer header, with {@link #MORE_FRAGMENTS} for a
     *         first fragment; or {@link #LATER_FRAGMENT} or {@link #MALFORMED}.
     */
    public static long transport(final DirectBuffer b, final int ip, final int end)
    {
        int nh = b.getByte(ip + NEXT_HEADER_OFFSET) & 0xFF;
        int at = ip + HEADER_LENGTH;
        long more = 0;
        for (int n = 0; n <= MAX_EXTENSIONS; n++)
        {
            switch (nh)
            {
                case NH_HOP_BY_HOP, NH_ROUTING, NH_DEST_OPTS, NH_AH ->
                {
                    if (at + 8 > end)
                    {
                        return MALFORMED;
                    }
                    final int len = b.getByte(at + 1) & 0xFF;
                    // AH counts 4-byte units less 2, the others 8-byte units less 1 (RFC 4302, RFC 8200).
                    final int size = NH_AH == nh ? (len + 2) * 4 : (len + 1) * 8;
                    nh = b.getByte(at) & 0xFF;
                    at += size;
                }
                case NH_FRAGMENT ->
                {
                    if (at + 8 > end)
                    {
                        return MALFORMED;
                    }
                    final int field = b.getShort(at + 2, ByteOrder.BIG_ENDIAN);
                    if (0 != (field & 0xFFF8))
                    {
                        return LATER_FRAGMENT;
                    }
                    more = 0 != (field & 1) ? MORE_FRAGMENTS : more;
                    nh = b.getByte(at) & 0xFF;
                    at += 8;
                }
                default ->
                {
                    return at > end ? MALFORMED : (long)nh << 32 | at | more;
                }
            }
        }
        return MALFORMED;
    }

    /**
     * The sum of the IPv6 pseudo-header (RFC 8200 8.1): addresses, upper-layer length, next header.
     *
     * @param b the buffer.
     * @param ip the IPv6 header.
     * @param l4Len the upper-layer length.
     * @param nextHeader the upper-layer protocol.
     * @return the unfolded sum.
     */
    public static long pseudoSum(final DirectBuffer b, final int ip, final int l4Len, final int nextHeader)
    {
        long s = Checksums.sum(b, ip + SRC_OFFSET, 32, 0);
        s += (l4Len >>> 16) + (l4Len & 0xFFFF) + nextHeader;
        return s;
    }

    /**
     * Fill a TCP, UDP or ICMPv6 checksum over the pseudo-header and the upper-layer data.
     *
     * @param b the buffer.
     * @param ip the IPv6 header.
     * @param l4 the upper-layer header.
     * @param l4Len its length with the payload.
     * @param nextHeader its protocol.
     * @param field the checksum's offset in the upper-layer header.
     */
    public static void fillChecksum(final MutableDirectBuffer b, final int ip, final int l4, final int l4Len,
        final int nextHeader, final int field)
    {
        b.putShort(l4 + field, (short)0);
        int c = ~Checksums.fold(Checksums.sum(b, l4, l4Len, pseudoSum(b, ip, l4Len, nextHeader))) & 0xFFFF;
        if (0 == c && Ipv4.PROTO_UDP == nextHeader)
        {
            c = 0xFFFF; // UDP over IPv6 must carry a checksum: 0 is sent as all ones.
        }
        b.putShort(l4 + field, (short)c, ByteOrder.BIG_ENDIAN);
    }

    /**
     * The Ethernet multicast MAC of an IPv6 multicast group (RFC 2464: 33:33 and the last 32 bits).
     *
     * @param lo the group's last 64 bits.
     * @return the MAC.
     */
    public static long multicastMac(final long lo)
    {
        return 0x3333_0000_0000L | (lo & 0xFFFF_FFFFL);
    }

    /**
     * The solicited-node group of an address (RFC 4291 2.7.1): ff02::1:ffXX:XXXX.
     *
     * @param lo the address's last 64 bits.
     * @return the group's last 64 bits (its first are {@link #SOLICITED_NODE_HI}).
     */
    public static long solicitedNodeLo(final long lo)
    {
        return 0x0000_0001_FF00_0000L | (lo & 0x00FF_FFFFL);
    }

    /** The first 64 bits of every solicited-node group, ff02::. */
    public static final long SOLICITED_NODE_HI = 0xFF02_0000_0000_0000L;

    /**
     * The link-local address made from a MAC (RFC 4291 appendix A: modified EUI-64).
     *
     * @param mac the MAC.
     * @return the last 64 bits of fe80::/64's address.
     */
    public static long linkLocalLo(final long mac)
    {
        final long oui = (mac >>> 24) & 0xFFFFFF ^ 0x020000;
        return oui << 40 | 0xFFFEL << 24 | mac & 0xFFFFFF;
    }

    /** The first 64 bits of a link-local address, fe80::. */
    public static final long LINK_LOCAL_HI = 0xFE80_0000_0000_0000L;
}
