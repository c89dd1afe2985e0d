package dev.jvs.engine.frame;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * IPv4 header (RFC 791), offsets from the start of the header.
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |      TOS      |          Total Length         |
 * |         Identification        |Flags|      Fragment Offset    |
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * |                       Source Address                          |
 * |                    Destination Address                        |
 * |                    Options (IHL > 5)                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class Ipv4
{
    /** Version and IHL. */
    public static final int VERSION_IHL_OFFSET = 0;
    /** Type of service / DSCP+ECN. */
    public static final int TOS_OFFSET = 1;
    /** Total length. */
    public static final int TOTAL_LENGTH_OFFSET = 2;
    /** Identification. */
    public static final int ID_OFFSET = 4;
    /** Flags and fragment offset. */
    public static final int FRAG_OFFSET = 6;
    /** TTL. */
    public static final int TTL_OFFSET = 8;
    /** Protocol. */
    public static final int PROTOCOL_OFFSET = 9;
    /** Header checksum. */
    public static final int CHECKSUM_OFFSET = 10;
    /** Source address. */
    public static final int SRC_OFFSET = 12;
    /** Destination address. */
    public static final int DST_OFFSET = 16;
    /** Header length without options. */
    public static final int MIN_HEADER_LENGTH = 20;

    /** Don't Fragment. */
    public static final int FLAG_DF = 0x4000;
    /** More Fragments. */
    public static final int FLAG_MF = 0x2000;
    /** Fragment offset mask (8-byte units). */
    public static final int FRAG_OFFSET_MASK = 0x1FFF;

    /** ICMP. */
    public static final int PROTO_ICMP = 1;
    /** IP in IP. */
    public static final int PROTO_IPIP = 4;
    /** TCP. */
    public static final int PROTO_TCP = 6;
    /** UDP. */
    public static final int PROTO_UDP = 17;

    private Ipv4()
    {
    }

    /** @param b buffer. @param o header offset. @return version nibble. */
    public static int version(final DirectBuffer b, final int o)
    {
        return (b.getByte(o) >> 4) & 0xF;
    }

    /** @param b buffer. @param o header offset. @return header length in bytes. */
    public static int headerLength(final DirectBuffer b, final int o)
    {
        return (b.getByte(o) & 0xF) << 2;
    }

    /** @param b buffer. @param o header offset. @return TOS byte. */
    public static int tos(final DirectBuffer b, final int o)
    {
        return b.getByte(o + TOS_OFFSET) & 0xFF;
    }

    /** @param b buffer. @param o header offset. @return total length. */
    public static int totalLength(final DirectBuffer b, final int o)
    {
        return b.getShort(o + TOTAL_LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** @param b buffer. @param o header offset. @param v total length. */
    public static void totalLength(final MutableDirectBuffer b, final int o, final int v)
    {
        b.putShort(o + TOTAL_LENGTH_OFFSET, (short)v, ByteOrder.BIG_ENDIAN);
    }

    /** @param b buffer. @param o header offset. @return flags and fragment offset field. */
    public static int fragField(final DirectBuffer b, final int o)
    {
        return b.getShort(o + FRAG_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** @param b buffer. @param o header offset. @return TTL. */
    public static int ttl(final DirectBuffer b, final int o)
    {
        return b.getByte(o + TTL_OFFSET) & 0xFF;
    }

    /** @param b buffer. @param o header offset. @return protocol. */
    public static int protocol(final DirectBuffer b, final int o)
    {
        return b.getByte(o + PROTOCOL_OFFSET) & 0xFF;
    }

    /** @param b buffer. @param o header offset. @return checksum field. */
    public static int checksum(final DirectBuffer b, final int o)
    {
        return b.getShort(o + CHECKSUM_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** @param b buffer. @param o header offset. @param v checksum field. */
    public static void checksum(final MutableDirectBuffer b, final int o, final int v)
    {
        b.putShort(o + CHECKSUM_OFFSET, (short)v, ByteOrder.BIG_ENDIAN);
    }

    /** @param b buffer. @param o header offset. @return source address. */
    public static int src(final DirectBuffer b, final int o)
    {
        return b.getInt(o + SRC_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @param b buffer. @param o header offset. @param v source address. */
    public static void src(final MutableDirectBuffer b, final int o, final int v)
    {
        b.putInt(o + SRC_OFFSET, v, ByteOrder.BIG_ENDIAN);
    }

    /** @param b buffer. @param o header offset. @return destination address. */
    public static int dst(final DirectBuffer b, final int o)
    {
        return b.getInt(o + DST_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @param b buffer. @param o header offset. @param v destination address. */
    public static void dst(final MutableDirectBuffer b, final int o, final int v)
    {
        b.putInt(o + DST_OFFSET, v, ByteOrder.BIG_ENDIAN);
    }

    /**
     * Recompute the header checksum from scratch.
     *
     * @param b buffer.
     * @param o header offset.
     */
    public static void fillChecksum(final MutableDirectBuffer b, final int o)
    {
        checksum(b, o, 0);
        checksum(b, o, Checksums.finish(Checksums.sum(b, o, headerLength(b, o), 0)));
    }

    /**
     * @param a address, host order.
     * @return dotted quad.
     */
    public static String toString(final int a)
    {
        return ((a >>> 24) & 0xFF) + "." + ((a >>> 16) & 0xFF) + "." + ((a >>> 8) & 0xFF) + "." + (a & 0xFF);
    }

    /**
     * @param s dotted quad.
     * @return the address, host order.
     * @throws IllegalArgumentException when malformed.
     */
    public static int parse(final String s)
    {
        // A scan, not split and streams: a large keepalived.conf parses tens of thousands of addresses.
        int a = 0;
        int parts = 0;
        int v = 0;
        int digits = 0;
        for (int i = 0; i <= s.length(); i++)
        {
            final char c = i < s.length() ? s.charAt(i) : '.';
            if ('.' == c)
            {
                if (0 == digits || v > 255 || ++parts > 4)
                {
                    throw new IllegalArgumentException("bad IPv4 address '" + s + "'");
                }
                a = (a << 8) | v;
                v = 0;
                digits = 0;
            }
            else if (c >= '0' && c <= '9' && digits < 3)
            {
                v = v * 10 + (c - '0');
                digits++;
            }
            else
            {
                throw new IllegalArgumentException("bad IPv4 address '" + s + "'");
            }
        }
        if (4 != parts)
        {
            throw new IllegalArgumentException("bad IPv4 address '" + s + "'");
        }
        return a;
    }
}
