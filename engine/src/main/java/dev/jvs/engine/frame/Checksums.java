package dev.jvs.engine.frame;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 * <p>
 * Sums are carried in an int wider than 16 bits and folded at the end. An incremental update of a complete
 * checksum field HC for a 16-bit word changing from m to m' is {@code HC' = ~(~HC + ~m + m')} (RFC 1624
 * eqn. 3). A field that holds only the pseudo-header sum P (CHECKSUM_PARTIAL, "checksum not ready") is
 * not complemented, so its update is {@code P' = fold(P + ~m + m')}: applying eqn. 3 to it is wrong.
 */
public final class Checksums
{
    private Checksums()
    {
    }

    /**
     * Add bytes to a running sum (16-bit big-endian words, an odd last byte padded with zero).
     *
     * @param b buffer.
     * @param offset first byte.
     * @param length bytes.
     * @param initial running sum.
     * @return the new running sum (not folded).
     */
    public static long sum(final DirectBuffer b, final int offset, final int length, final long initial)
    {
        long s = initial;
        int i = offset;
        final int end = offset + length;
        while (end - i >= 8)
        {
            final long w = b.getLong(i, ByteOrder.BIG_ENDIAN);
            s += (w >>> 48) + ((w >>> 32) & 0xFFFF) + ((w >>> 16) & 0xFFFF) + (w & 0xFFFF);
            i += 8;
        }
        while (end - i >= 2)
        {
            s += b.getShort(i, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            i += 2;
        }
        if (i < end)
        {
            s += (b.getByte(i) & 0xFF) << 8;
        }
        return s;
    }

    /**
     * @param s running sum.
     * @return the sum folded to 16 bits (not complemented).
     */
    public static int fold(final long s)
    {
        // Branch-free end-around carry: any non-negative sum below 2^63 ends within 16 bits.
        long x = (s >>> 32) + (s & 0xFFFFFFFFL);
        x = (x >>> 32) + (x & 0xFFFFFFFFL);
        x = (x >>> 16) + (x & 0xFFFF);
        x = (x >>> 16) + (x & 0xFFFF);
        x = (x >>> 16) + (x & 0xFFFF);
        return (int)x;
    }

    /**
     * Verify an IPv4 header checksum (fast path for the 20-byte header).
     *
     * @param b buffer.
     * @param ip header offset.
     * @param headerLength header length (at least 20, checked by the caller).
     * @return true when the header sums to 0xFFFF.
     */
    public static boolean ipHeaderValid(final DirectBuffer b, final int ip, final int headerLength)
    {
        long s;
        if (20 == headerLength)
        {
            // Native order: the ones' complement sum is byte-order independent (RFC 1071), and a valid
            // header sums to 0xFFFF in either order, so no byte swaps.
            final long x = b.getLong(ip);
            final long y = b.getLong(ip + 8);
            s = (x & 0xFFFFFFFFL) + (x >>> 32) + (y & 0xFFFFFFFFL) + (y >>> 32) + (b.getInt(ip + 16) & 0xFFFFFFFFL);
            // Below 2^35: three end-around carries bring it to 16 bits.
            s = (s >>> 32) + (s & 0xFFFFFFFFL);
            s = (s >>> 16) + (s & 0xFFFF);
            s = (s >>> 16) + (s & 0xFFFF);
            return 0xFFFF == s;
        }
        return 0xFFFF == fold(sum(b, ip, headerLength, 0));
    }

    /**
     * @param s running sum.
     * @return the checksum to store: ones' complement of the folded sum.
     */
    public static int finish(final long s)
    {
        return ~fold(s) & 0xFFFF;
    }

    /**
     * The IPv4 pseudo-header sum for TCP/UDP.
     *
     * @param src source address.
     * @param dst destination address.
     * @param protocol IP protocol.
     * @param l4Length TCP/UDP length.
     * @return the running sum.
     */
    public static long pseudoHeader(final int src, final int dst, final int protocol, final int l4Length)
    {
        return (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF) + protocol + l4Length;
    }

    /**
     * RFC 1624 eqn. 3 for a 32-bit value: the complete checksum {@code check} after {@code from} became
     * {@code to}.
     *
     * @param check complete checksum field.
     * @param from old 32-bit value.
     * @param to new 32-bit value.
     * @return the updated checksum field.
     */
    public static int update32(final int check, final int from, final int to)
    {
        final long s = (~check & 0xFFFF) + (~from >>> 16 & 0xFFFF) + (~from & 0xFFFF) + (to >>> 16) + (to & 0xFFFF);
        return ~fold(s) & 0xFFFF;
    }

    /**
     * RFC 1624 eqn. 3 for a 16-bit value.
     *
     * @param check complete checksum field.
     * @param from old 16-bit value.
     * @param to new 16-bit value.
     * @return the updated checksum field.
     */
    public static int update16(final int check, final int from, final int to)
    {
        final long s = (~check & 0xFFFF) + (~from & 0xFFFF) + (to & 0xFFFF);
        return ~fold(s) & 0xFFFF;
    }

    /**
     * Update a partial (pseudo-header only, not complemented) field for a 32-bit change.
     *
     * @param partial the field.
     * @param from old value.
     * @param to new value.
     * @return the updated field.
     */
    public static int updatePartial32(final int partial, final int from, final int to)
    {
        final long s = (partial & 0xFFFF) + (~from >>> 16 & 0xFFFF) + (~from & 0xFFFF) + (to >>> 16) + (to & 0xFFFF);
        return fold(s);
    }

    /**
     * Complete a TCP or UDP checksum over an IPv4 datagram from scratch (the "checksum not ready" case, or
     * after the payload changed).
     *
     * @param b buffer.
     * @param ip IP header offset.
     * @param l4 L4 header offset.
     * @param l4Length L4 length (header and payload).
     * @param checksumFieldOffset offset of the checksum field within the L4 header.
     * @param udp true for UDP (0 becomes 0xFFFF).
     */
    public static void fillL4(final MutableDirectBuffer b, final int ip, final int l4, final int l4Length,
        final int checksumFieldOffset, final boolean udp)
    {
        b.putShort(l4 + checksumFieldOffset, (short)0, ByteOrder.BIG_ENDIAN);
        long s = pseudoHeader(Ipv4.src(b, ip), Ipv4.dst(b, ip), Ipv4.protocol(b, ip), l4Length);
        s = sum(b, l4, l4Length, s);
        int c = finish(s);
        if (udp && 0 == c)
        {
            c = 0xFFFF;
        }
        b.putShort(l4 + checksumFieldOffset, (short)c, ByteOrder.BIG_ENDIAN);
    }

    /**
     * Verify a TCP/UDP checksum over an IPv4 datagram.
     *
     * @param b buffer.
     * @param ip IP header offset.
     * @param l4 L4 offset.
     * @param l4Length L4 length.
     * @return true when the sum over pseudo header and segment folds to 0xFFFF.
     */
    public static boolean verifyL4(final DirectBuffer b, final int ip, final int l4, final int l4Length)
    {
        long s = pseudoHeader(Ipv4.src(b, ip), Ipv4.dst(b, ip), Ipv4.protocol(b, ip), l4Length);
        s = sum(b, l4, l4Length, s);
        return 0xFFFF == fold(s);
    }
}
