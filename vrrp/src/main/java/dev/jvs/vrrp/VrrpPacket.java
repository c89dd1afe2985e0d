package dev.jvs.vrrp;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The VRRP advertisement over IPv4, IP header included, as keepalived writes it (bytes checked against
 * keepalived 2.2.7's own adverts in the tests):
 * <pre>
 *  IPv4: 0x45, TOS 0xc0, total length, id (a per-instance counter), no DF, TTL 255, protocol 112,
 *        source = the primary address (or unicast_src_ip), destination 224.0.0.18 or the unicast peer
 *  VRRPv2 (RFC 3768)                            VRRPv3 (RFC 5798)
 *   0 version 2 | type 1   1 VRID                0 version 3 | type 1   1 VRID
 *   2 priority             3 count of addresses  2 priority             3 count of addresses
 *   4 auth type            5 advert int (s)      4 rsvd(4) | max advert int (12 bits, centiseconds)
 *   6 checksum                                   6 checksum (over an IPv4 pseudo-header too)
 *   8 addresses, 4 bytes each                    8 addresses, 4 bytes each
 *   + 8 bytes of authentication data (PASS: the password, zero-padded)
 * </pre>
 * Over IPv6 (VRRPv3 only, RFC 5798 5.1.2), as keepalived's kernel socket sends it (seen on the wire):
 * <pre>
 *  IPv6: version 6, traffic class 0xc0, flow label (the kernel's automatic one; jvs sends 0), payload
 *        length, next header 112, hop limit 255, source = the interface's link-local address (or
 *        unicast_src_ip), destination ff02::12 or the unicast peer
 *  VRRPv3 as above, addresses 16 bytes each, the checksum over an IPv6 pseudo-header (RFC 8200 8.1)
 * </pre>
 * Stateless and allocation-free: writes into, and checks in place in, any buffer.
 */
public final class VrrpPacket
{
    /** IP protocol number of VRRP. */
    public static final int PROTOCOL = 112;
    /** The VRRP multicast group 224.0.0.18. */
    public static final int GROUP = 0xE0000012;
    /** The Ethernet multicast MAC of 224.0.0.18. */
    public static final long GROUP_MAC = 0x01005E000012L;
    /** The VRRP IPv6 multicast group ff02::12, high and low 64 bits. */
    public static final long GROUP6_HI = 0xFF02_0000_0000_0000L;
    /** See {@link #GROUP6_HI}. */
    public static final long GROUP6_LO = 0x12L;
    /** The Ethernet multicast MAC of ff02::12. */
    public static final long GROUP6_MAC = 0x333300000012L;
    /** IPv6 header length. */
    public static final int IP6_HEADER_LENGTH = 40;
    /** TTL sent and required. */
    public static final int TTL = 255;
    /** TOS keepalived sends (precedence "internetwork control"). */
    public static final int TOS = 0xC0;
    /** IPv4 header length written. */
    public static final int IP_HEADER_LENGTH = 20;
    /** VRRP header length, addresses excluded. */
    public static final int HEADER_LENGTH = 8;
    /** VRRPv2 authentication data length. */
    public static final int AUTH_LENGTH = 8;
    /** Auth type none. */
    public static final int AUTH_NONE = 0;
    /** Auth type simple text password. */
    public static final int AUTH_PASS = 1;
    /** Authentication type: IP Authentication Header (RFC 2402; keepalived knows it, jvs refuses it). */
    public static final int AUTH_AH = 2;
    /** Advertisement packet type. */
    public static final int TYPE_ADVERTISEMENT = 1;

    private VrrpPacket()
    {
    }

    /**
     * Length of the IP packet of an advertisement.
     *
     * @param version 2 or 3.
     * @param addresses how many addresses.
     * @return bytes.
     */
    public static int length(final int version, final int addresses)
    {
        return IP_HEADER_LENGTH + HEADER_LENGTH + 4 * addresses + (2 == version ? AUTH_LENGTH : 0);
    }

    /**
     * Write an advertisement (IP header and VRRP) at {@code off}.
     *
     * @param b buffer.
     * @param off where the IP header starts.
     * @param version 2 or 3.
     * @param vrid virtual router id.
     * @param priority priority (0 to give up mastership).
     * @param addresses the virtual addresses.
     * @param advertCentis advertisement interval in centiseconds (v2 sends it in whole seconds).
     * @param auth v2 authentication data (8 bytes, PASS) or null for none.
     * @param src IP source.
     * @param dst IP destination.
     * @param ipId IP identification.
     * @return bytes written.
     */
    public static int write(final MutableDirectBuffer b, final int off, final int version, final int vrid,
        final int priority, final int[] addresses, final int advertCentis, final byte[] auth, final int src,
        final int dst, final int ipId)
    {
        final int total = length(version, addresses.length);
        b.putByte(off, (byte)0x45);
        b.putByte(off + 1, (byte)TOS);
        b.putShort(off + 2, (short)total, ByteOrder.BIG_ENDIAN);
        b.putShort(off + 4, (short)ipId, ByteOrder.BIG_ENDIAN);
        b.putShort(off + 6, (short)0);
        b.putByte(off + 8, (byte)TTL);
        b.putByte(off + 9, (byte)PROTOCOL);
        b.putShort(off + 10, (short)0);
        b.putInt(off + 12, src, ByteOrder.BIG_ENDIAN);
        b.putInt(off + 16, dst, ByteOrder.BIG_ENDIAN);
        b.putShort(off + 10, (short)fold(sum(b, off, IP_HEADER_LENGTH, 0)), ByteOrder.BIG_ENDIAN);
        final int v = off + IP_HEADER_LENGTH;
        b.putByte(v, (byte)((version << 4) | TYPE_ADVERTISEMENT));
        b.putByte(v + 1, (byte)vrid);
        b.putByte(v + 2, (byte)priority);
        b.putByte(v + 3, (byte)addresses.length);
        if (2 == version)
        {
            b.putByte(v + 4, (byte)(null == auth ? AUTH_NONE : AUTH_PASS));
            b.putByte(v + 5, (byte)(advertCentis / 100));
        }
        else
        {
            b.putShort(v + 4, (short)(advertCentis & 0xFFF), ByteOrder.BIG_ENDIAN);
        }
        b.putShort(v + 6, (short)0);
        int p = v + HEADER_LENGTH;
        for (final int a : addresses)
        {
            b.putInt(p, a, ByteOrder.BIG_ENDIAN);
            p += 4;
        }
        if (2 == version)
        {
            for (int i = 0; i < AUTH_LENGTH; i++)
            {
                b.putByte(p + i, null == auth ? 0 : auth[i]);
            }
        }
        b.putShort(v + 6, (short)checksum(b, off, total), ByteOrder.BIG_ENDIAN);
        return total;
    }

    /**
     * Write an IPv6 advertisement (IPv6 header and VRRPv3) at {@code off}.
     *
     * @param b buffer.
     * @param off where the IPv6 header starts.
     * @param vrid virtual router id.
     * @param priority priority (0 to give up mastership).
     * @param addresses the virtual addresses, 16 bytes each.
     * @param advertCentis advertisement interval in centiseconds.
     * @param src the source address (16 bytes).
     * @param dstHi destination, high 64 bits.
     * @param dstLo destination, low 64 bits.
     * @return bytes written.
     */
    public static int write6(final MutableDirectBuffer b, final int off, final int vrid, final int priority,
        final byte[] addresses, final int advertCentis, final byte[] src, final long dstHi, final long dstLo)
    {
        final int payload = HEADER_LENGTH + addresses.length;
        b.putInt(off, 0x6000_0000 | (TOS << 20), ByteOrder.BIG_ENDIAN);
        b.putShort(off + 4, (short)payload, ByteOrder.BIG_ENDIAN);
        b.putByte(off + 6, (byte)PROTOCOL);
        b.putByte(off + 7, (byte)TTL);
        b.putBytes(off + 8, src, 0, 16);
        b.putLong(off + 24, dstHi, ByteOrder.BIG_ENDIAN);
        b.putLong(off + 32, dstLo, ByteOrder.BIG_ENDIAN);
        final int v = off + IP6_HEADER_LENGTH;
        b.putByte(v, (byte)((3 << 4) | TYPE_ADVERTISEMENT));
        b.putByte(v + 1, (byte)vrid);
        b.putByte(v + 2, (byte)priority);
        b.putByte(v + 3, (byte)(addresses.length / 16));
        b.putShort(v + 4, (short)(advertCentis & 0xFFF), ByteOrder.BIG_ENDIAN);
        b.putShort(v + 6, (short)0);
        b.putBytes(v + HEADER_LENGTH, addresses, 0, addresses.length);
        b.putShort(v + 6, (short)checksum(b, off, IP6_HEADER_LENGTH + payload), ByteOrder.BIG_ENDIAN);
        return IP6_HEADER_LENGTH + payload;
    }

    /** @param b buffer. @param ip the IP header. @return whether it is an IPv6 one. */
    public static boolean isIpv6(final DirectBuffer b, final int ip)
    {
        return 6 == ((b.getByte(ip) >> 4) & 0x0F);
    }

    /** @param b buffer. @param ip the IP header (IPv4 or IPv6). @return where the VRRP message starts. */
    public static int vrrpOffset(final DirectBuffer b, final int ip)
    {
        return ip + (isIpv6(b, ip) ? IP6_HEADER_LENGTH : (b.getByte(ip) & 0x0F) * 4);
    }

    /** @param b buffer. @param ip the IP header. @return the size of each address the message carries. */
    public static int addressSize(final DirectBuffer b, final int ip)
    {
        return isIpv6(b, ip) ? 16 : 4;
    }

    /**
     * The VRRP checksum a packet should carry (its checksum field taken as zero): v2 over the VRRP message,
     * v3 over the message and an IPv4 or IPv6 pseudo-header (RFC 5798 5.2.8).
     *
     * @param b buffer.
     * @param ip IP header offset.
     * @param total IP total length (an IPv6 header's 40 bytes and its payload).
     * @return the checksum.
     */
    public static int checksum(final DirectBuffer b, final int ip, final int total)
    {
        final boolean v6 = isIpv6(b, ip);
        final int hl = v6 ? IP6_HEADER_LENGTH : (b.getByte(ip) & 0x0F) * 4;
        final int v = ip + hl;
        final int len = total - hl;
        long s = sum(b, v, len, 0) - (b.getShort(v + 6, ByteOrder.BIG_ENDIAN) & 0xFFFF);
        if (v6)
        {
            s += sum(b, ip + 8, 32, 0) + PROTOCOL + len;
        }
        else if (3 == version(b, v))
        {
            s += sum(b, ip + 12, 8, 0) + PROTOCOL + len;
        }
        return fold(s);
    }

    private static long sum(final DirectBuffer b, final int off, final int len, final long initial)
    {
        long s = initial;
        int i = 0;
        for (; i + 1 < len; i += 2)
        {
            s += b.getShort(off + i, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        }
        if (i < len)
        {
            s += (b.getByte(off + i) & 0xFF) << 8;
        }
        return s;
    }

    private static int fold(final long sum)
    {
        long s = sum;
        while (0 != (s >>> 16))
        {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int)(~s & 0xFFFF);
    }

    /** @param b buffer. @param v VRRP offset. @return the version field. */
    public static int version(final DirectBuffer b, final int v)
    {
        return (b.getByte(v) >> 4) & 0x0F;
    }

    /** @param b buffer. @param v VRRP offset. @return the type field. */
    public static int type(final DirectBuffer b, final int v)
    {
        return b.getByte(v) & 0x0F;
    }

    /** @param b buffer. @param v VRRP offset. @return the virtual router id. */
    public static int vrid(final DirectBuffer b, final int v)
    {
        return b.getByte(v + 1) & 0xFF;
    }

    /** @param b buffer. @param v VRRP offset. @return the priority. */
    public static int priority(final DirectBuffer b, final int v)
    {
        return b.getByte(v + 2) & 0xFF;
    }

    /** @param b buffer. @param v VRRP offset. @return the count of addresses. */
    public static int addressCount(final DirectBuffer b, final int v)
    {
        return b.getByte(v + 3) & 0xFF;
    }

    /** @param b buffer. @param v VRRP offset. @return v2 auth type. */
    public static int authType(final DirectBuffer b, final int v)
    {
        return b.getByte(v + 4) & 0xFF;
    }

    /**
     * @param b buffer.
     * @param v VRRP offset.
     * @return the advertisement interval in centiseconds (a v2 packet's seconds times 100).
     */
    public static int advertCentis(final DirectBuffer b, final int v)
    {
        return 2 == version(b, v) ? (b.getByte(v + 5) & 0xFF) * 100 : b.getShort(v + 4, ByteOrder.BIG_ENDIAN) & 0xFFF;
    }

    /**
     * @param b buffer.
     * @param v VRRP offset of an IPv6 advert.
     * @param i index.
     * @param addresses addresses of 16 bytes each.
     * @param j index among them.
     * @return whether the i-th address of the advert is the j-th of {@code addresses}.
     */
    public static boolean address6Equals(final DirectBuffer b, final int v, final int i, final byte[] addresses,
        final int j)
    {
        final int at = v + HEADER_LENGTH + 16 * i;
        for (int k = 0; k < 16; k++)
        {
            if (b.getByte(at + k) != addresses[16 * j + k])
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Compare an IPv6 advert's source with an address, unsigned, as keepalived's {@code vrrp_saddr_cmp}.
     *
     * @param b buffer.
     * @param ip the IPv6 header.
     * @param address 16 bytes.
     * @return negative, zero or positive as the source is lower, equal or higher.
     */
    public static int compareSource6(final DirectBuffer b, final int ip, final byte[] address)
    {
        for (int k = 0; k < 16; k++)
        {
            final int c = Integer.compare(b.getByte(ip + 8 + k) & 0xFF, address[k] & 0xFF);
            if (0 != c)
            {
                return c;
            }
        }
        return 0;
    }

    /** @param b buffer. @param v VRRP offset. @param i index. @return the i-th address. */
    public static int address(final DirectBuffer b, final int v, final int i)
    {
        return b.getInt(v + HEADER_LENGTH + 4 * i, ByteOrder.BIG_ENDIAN);
    }

    /**
     * Check what holds for any VRRP packet before it is given to an instance: lengths (exactly the header,
     * addresses and v2 authentication), TTL, version, type, checksum and a VRRPv3 interval other than 0
     * (keepalived's vrrp_check_packet order).
     *
     * @param b buffer.
     * @param ip IP header offset.
     * @param avail bytes available from {@code ip}.
     * @param multicast whether the instance it is for uses multicast: only then must the TTL be 255
     *     (keepalived does not check it for unicast peers, whose adverts may be routed).
     * @return null when well formed, or the counter that says why not.
     */
    public static VrrpCounter check(final DirectBuffer b, final int ip, final int avail, final boolean multicast)
    {
        if (avail >= 1 && isIpv6(b, ip))
        {
            return check6(b, ip, avail, multicast);
        }
        if (avail < IP_HEADER_LENGTH || 4 != ((b.getByte(ip) >> 4) & 0x0F))
        {
            return VrrpCounter.PACKET_LENGTH_ERRORS;
        }
        final int hl = (b.getByte(ip) & 0x0F) * 4;
        final int total = b.getShort(ip + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (hl < IP_HEADER_LENGTH || total > avail || total < hl + HEADER_LENGTH)
        {
            return VrrpCounter.PACKET_LENGTH_ERRORS;
        }
        if (multicast && TTL != (b.getByte(ip + 8) & 0xFF))
        {
            return VrrpCounter.TTL_ERRORS;
        }
        final int v = ip + hl;
        final int version = version(b, v);
        if (2 != version && 3 != version)
        {
            return VrrpCounter.VERSION_ERRORS;
        }
        if (TYPE_ADVERTISEMENT != type(b, v))
        {
            return VrrpCounter.INVALID_TYPE;
        }
        // Exactly the header, the addresses and (v2) the authentication data: longer is as wrong as shorter
        // (RFC 3768/5798 7.1, keepalived's "vrrp packet too long").
        if (total - hl != HEADER_LENGTH + 4 * addressCount(b, v) + (2 == version ? AUTH_LENGTH : 0))
        {
            return VrrpCounter.PACKET_LENGTH_ERRORS;
        }
        if (checksum(b, ip, total) != (b.getShort(v + 6, ByteOrder.BIG_ENDIAN) & 0xFFFF))
        {
            return VrrpCounter.CHECKSUM_ERRORS;
        }
        if (3 == version && 0 == advertCentis(b, v))
        {
            // keepalived adopts a Max Adver Int of 0 and then flaps on every such packet: not a usable advert.
            return VrrpCounter.ADVERT_INTERVAL_ERRORS;
        }
        return null;
    }

    /**
     * {@link #check} for an IPv6 advert (next header 112 right after the fixed header): the payload length,
     * the hop limit, version 3 only (RFC 5798 has no VRRPv2 over IPv6), the type, exactly the header and the
     * addresses, the checksum over the IPv6 pseudo-header (the kernel checks it for keepalived) and an
     * interval other than 0.
     */
    private static VrrpCounter check6(final DirectBuffer b, final int ip, final int avail, final boolean multicast)
    {
        if (avail < IP6_HEADER_LENGTH + HEADER_LENGTH)
        {
            return VrrpCounter.PACKET_LENGTH_ERRORS;
        }
        final int payload = b.getShort(ip + 4, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (IP6_HEADER_LENGTH + payload > avail || payload < HEADER_LENGTH)
        {
            return VrrpCounter.PACKET_LENGTH_ERRORS;
        }
        if (multicast && TTL != (b.getByte(ip + 7) & 0xFF))
        {
            return VrrpCounter.TTL_ERRORS;
        }
        final int v = ip + IP6_HEADER_LENGTH;
        if (3 != version(b, v))
        {
            return VrrpCounter.VERSION_ERRORS;
        }
        if (TYPE_ADVERTISEMENT != type(b, v))
        {
            return VrrpCounter.INVALID_TYPE;
        }
        if (payload != HEADER_LENGTH + 16 * addressCount(b, v))
        {
            return VrrpCounter.PACKET_LENGTH_ERRORS;
        }
        if (checksum(b, ip, IP6_HEADER_LENGTH + payload) != (b.getShort(v + 6, ByteOrder.BIG_ENDIAN) & 0xFFFF))
        {
            return VrrpCounter.CHECKSUM_ERRORS;
        }
        return 0 == advertCentis(b, v) ? VrrpCounter.ADVERT_INTERVAL_ERRORS : null;
    }
}
