package dev.jvs.engine.frame;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * TCP header (RFC 9293), offsets from the start of the header.
 * <pre>
 * |          Source Port          |       Destination Port        |
 * |                        Sequence Number                        |
 * |                    Acknowledgment Number                      |
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 * |           Checksum            |         Urgent Pointer        |
 * </pre>
 */
public final class Tcp
{
    /** Source port. */
    public static final int SRC_PORT_OFFSET = 0;
    /** Destination port. */
    public static final int DST_PORT_OFFSET = 2;
    /** Sequence number. */
    public static final int SEQ_OFFSET = 4;
    /** Acknowledgment number. */
    public static final int ACK_OFFSET = 8;
    /** Data offset (high nibble). */
    public static final int DATA_OFFSET_OFFSET = 12;
    /** Flags. */
    public static final int FLAGS_OFFSET = 13;
    /** Checksum. */
    public static final int CHECKSUM_OFFSET = 16;
    /** Header length without options. */
    public static final int MIN_HEADER_LENGTH = 20;

    /** FIN. */
    public static final int FIN = 0x01;
    /** SYN. */
    public static final int SYN = 0x02;
    /** RST. */
    public static final int RST = 0x04;
    /** ACK. */
    public static final int ACK = 0x10;

    private Tcp()
    {
    }

    /** @param b buffer. @param o header offset. @return header length in bytes. */
    public static int headerLength(final DirectBuffer b, final int o)
    {
        return ((b.getByte(o + DATA_OFFSET_OFFSET) >> 4) & 0xF) << 2;
    }

    /** @param b buffer. @param o header offset. @return flags byte. */
    public static int flags(final DirectBuffer b, final int o)
    {
        return b.getByte(o + FLAGS_OFFSET) & 0xFF;
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
}
