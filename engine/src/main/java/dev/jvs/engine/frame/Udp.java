package dev.jvs.engine.frame;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * UDP header (RFC 768).
 * <pre>
 * |          Source Port          |       Destination Port        |
 * |            Length             |           Checksum            |
 * </pre>
 * A checksum of 0 means "none" over IPv4; a computed 0 is sent as 0xFFFF.
 */
public final class Udp
{
    /** Length. */
    public static final int LENGTH_OFFSET = 4;
    /** Checksum. */
    public static final int CHECKSUM_OFFSET = 6;
    /** Header length. */
    public static final int HEADER_LENGTH = 8;

    private Udp()
    {
    }

    /** @param b buffer. @param o header offset. @return length field. */
    public static int length(final DirectBuffer b, final int o)
    {
        return b.getShort(o + LENGTH_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }
}
