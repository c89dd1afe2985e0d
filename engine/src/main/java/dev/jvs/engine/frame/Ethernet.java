package dev.jvs.engine.frame;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Ethernet II header, optionally followed by 802.1Q / 802.1ad tags.
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    destination MAC (6)                        |
 * +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                               |      source MAC (6)           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   ethertype or TPID 0x8100    |  (TCI, then the next type)    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Static accessors over (buffer, offset of the frame); byte order explicit on every access.
 */
public final class Ethernet
{
    /** Destination MAC. */
    public static final int DST_OFFSET = 0;
    /** Source MAC. */
    public static final int SRC_OFFSET = 6;
    /** Ethertype (or TPID of the first VLAN tag). */
    public static final int TYPE_OFFSET = 12;
    /** Untagged header length. */
    public static final int HEADER_LENGTH = 14;
    /** Length of one VLAN tag. */
    public static final int VLAN_TAG_LENGTH = 4;
    /** MAC address length. */
    public static final int MAC_LENGTH = 6;

    /** IPv4. */
    public static final int TYPE_IPV4 = 0x0800;
    /** ARP. */
    public static final int TYPE_ARP = 0x0806;
    /** IPv6. */
    public static final int TYPE_IPV6 = 0x86DD;
    /** 802.1Q VLAN tag. */
    public static final int TYPE_VLAN = 0x8100;
    /** 802.1ad service tag (QinQ). */
    public static final int TYPE_QINQ = 0x88A8;

    private Ethernet()
    {
    }

    /**
     * @param b buffer.
     * @param o frame offset.
     * @return the first ethertype/TPID.
     */
    public static int type(final DirectBuffer b, final int o)
    {
        return b.getShort(o + TYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /**
     * Read a MAC as the low 48 bits of a long.
     *
     * @param b buffer.
     * @param at offset of the 6 bytes.
     * @return the MAC.
     */
    public static long mac(final DirectBuffer b, final int at)
    {
        return ((long)(b.getShort(at, ByteOrder.BIG_ENDIAN) & 0xFFFF) << 32) |
            (b.getInt(at + 2, ByteOrder.BIG_ENDIAN) & 0xFFFFFFFFL);
    }

    /**
     * Write a MAC held in the low 48 bits of a long.
     *
     * @param b buffer.
     * @param at offset of the 6 bytes.
     * @param mac the MAC.
     */
    public static void mac(final MutableDirectBuffer b, final int at, final long mac)
    {
        b.putShort(at, (short)(mac >>> 32), ByteOrder.BIG_ENDIAN);
        b.putInt(at + 2, (int)mac, ByteOrder.BIG_ENDIAN);
    }

    /**
     * Write both MACs of a header in two stores.
     *
     * @param b buffer.
     * @param at the frame's offset.
     * @param dst destination MAC (low 48 bits).
     * @param src source MAC (low 48 bits).
     */
    public static void macs(final MutableDirectBuffer b, final int at, final long dst, final long src)
    {
        b.putLong(at + DST_OFFSET, (dst << 16) | ((src >>> 32) & 0xFFFF), ByteOrder.BIG_ENDIAN);
        b.putInt(at + SRC_OFFSET + 2, (int)src, ByteOrder.BIG_ENDIAN);
    }

    /**
     * @param mac a MAC in the low 48 bits.
     * @return it as aa:bb:cc:dd:ee:ff.
     */
    public static String macToString(final long mac)
    {
        final StringBuilder s = new StringBuilder(17);
        for (int i = 5; i >= 0; i--)
        {
            final int v = (int)(mac >>> (8 * i)) & 0xFF;
            s.append(Character.forDigit(v >> 4, 16)).append(Character.forDigit(v & 0xF, 16));
            if (i > 0)
            {
                s.append(':');
            }
        }
        return s.toString();
    }

    /**
     * @param s aa:bb:cc:dd:ee:ff (or with dashes).
     * @return the MAC in the low 48 bits.
     * @throws IllegalArgumentException when malformed.
     */
    public static long parseMac(final String s)
    {
        final String[] p = s.trim().split("[:-]");
        if (p.length != 6)
        {
            throw new IllegalArgumentException("bad MAC address '" + s + "'");
        }
        long m = 0;
        for (final String x : p)
        {
            if (x.isEmpty() || x.length() > 2)
            {
                throw new IllegalArgumentException("bad MAC address '" + s + "'");
            }
            try
            {
                m = (m << 8) | Integer.parseInt(x, 16);
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException("bad MAC address '" + s + "'", ex);
            }
        }
        return m;
    }
}
