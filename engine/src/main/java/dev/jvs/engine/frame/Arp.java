package dev.jvs.engine.frame;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * ARP for IPv4 over Ethernet (RFC 826), offsets from the start of the ARP payload.
 * <pre>
 * | htype (2) | ptype (2) | hlen (1) | plen (1) | oper (2) |
 * | sender MAC (6) | sender IP (4) | target MAC (6) | target IP (4) |
 * </pre>
 */
public final class Arp
{
    /** Hardware type. */
    public static final int HTYPE_OFFSET = 0;
    /** Protocol type. */
    public static final int PTYPE_OFFSET = 2;
    /** Hardware address length. */
    public static final int HLEN_OFFSET = 4;
    /** Protocol address length. */
    public static final int PLEN_OFFSET = 5;
    /** Operation. */
    public static final int OPER_OFFSET = 6;
    /** Sender hardware address. */
    public static final int SHA_OFFSET = 8;
    /** Sender protocol address. */
    public static final int SPA_OFFSET = 14;
    /** Target hardware address. */
    public static final int THA_OFFSET = 18;
    /** Target protocol address. */
    public static final int TPA_OFFSET = 24;
    /** Length of an Ethernet/IPv4 ARP message. */
    public static final int LENGTH = 28;

    /** Request. */
    public static final int OP_REQUEST = 1;
    /** Reply. */
    public static final int OP_REPLY = 2;

    private Arp()
    {
    }

    /**
     * @param b buffer.
     * @param o ARP offset.
     * @return true for Ethernet/IPv4 with the right address lengths.
     */
    public static boolean isEthernetIpv4(final DirectBuffer b, final int o)
    {
        return 1 == b.getShort(o + HTYPE_OFFSET, ByteOrder.BIG_ENDIAN) &&
            Ethernet.TYPE_IPV4 == (b.getShort(o + PTYPE_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF) &&
            6 == b.getByte(o + HLEN_OFFSET) && 4 == b.getByte(o + PLEN_OFFSET);
    }

    /** @param b buffer. @param o ARP offset. @return operation. */
    public static int oper(final DirectBuffer b, final int o)
    {
        return b.getShort(o + OPER_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** @param b buffer. @param o ARP offset. @return sender IP. */
    public static int senderIp(final DirectBuffer b, final int o)
    {
        return b.getInt(o + SPA_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @param b buffer. @param o ARP offset. @return target IP. */
    public static int targetIp(final DirectBuffer b, final int o)
    {
        return b.getInt(o + TPA_OFFSET, ByteOrder.BIG_ENDIAN);
    }

    /** @param b buffer. @param o ARP offset. @return sender MAC. */
    public static long senderMac(final DirectBuffer b, final int o)
    {
        return Ethernet.mac(b, o + SHA_OFFSET);
    }

    /**
     * Write a whole Ethernet/IPv4 ARP message.
     *
     * @param b buffer.
     * @param o ARP offset.
     * @param op operation.
     * @param sha sender MAC.
     * @param spa sender IP.
     * @param tha target MAC.
     * @param tpa target IP.
     */
    public static void write(final MutableDirectBuffer b, final int o, final int op, final long sha, final int spa,
        final long tha, final int tpa)
    {
        b.putShort(o + HTYPE_OFFSET, (short)1, ByteOrder.BIG_ENDIAN);
        b.putShort(o + PTYPE_OFFSET, (short)Ethernet.TYPE_IPV4, ByteOrder.BIG_ENDIAN);
        b.putByte(o + HLEN_OFFSET, (byte)6);
        b.putByte(o + PLEN_OFFSET, (byte)4);
        b.putShort(o + OPER_OFFSET, (short)op, ByteOrder.BIG_ENDIAN);
        Ethernet.mac(b, o + SHA_OFFSET, sha);
        b.putInt(o + SPA_OFFSET, spa, ByteOrder.BIG_ENDIAN);
        Ethernet.mac(b, o + THA_OFFSET, tha);
        b.putInt(o + TPA_OFFSET, tpa, ByteOrder.BIG_ENDIAN);
    }
}
