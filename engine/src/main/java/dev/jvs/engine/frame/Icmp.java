package dev.jvs.engine.frame;

import org.agrona.DirectBuffer;

/**
 * ICMP for IPv4 (RFC 792). Errors quote the offending IP header and at least 8 bytes of its payload
 * starting at {@link #QUOTED_OFFSET}; "fragmentation needed" (type 3 code 4) carries the next-hop MTU in
 * bytes 6-7 (RFC 1191).
 * <pre>
 * |     Type      |     Code      |          Checksum             |
 * |     unused (or identifier)    |  next-hop MTU (or sequence)   |
 * |      quoted IP header + 8 bytes of its payload (errors)  ...  |
 * </pre>
 */
public final class Icmp
{
    /** Type. */
    public static final int TYPE_OFFSET = 0;
    /** Code. */
    public static final int CODE_OFFSET = 1;
    /** Checksum. */
    public static final int CHECKSUM_OFFSET = 2;
    /** Next-hop MTU of "fragmentation needed". */
    public static final int MTU_OFFSET = 6;
    /** Start of the quoted datagram in error messages. */
    public static final int QUOTED_OFFSET = 8;
    /** Fixed header length. */
    public static final int HEADER_LENGTH = 8;

    /** Echo reply. */
    public static final int ECHO_REPLY = 0;
    /** Destination unreachable. */
    public static final int DEST_UNREACH = 3;
    /** Source quench. */
    public static final int SOURCE_QUENCH = 4;
    /** Redirect. */
    public static final int REDIRECT = 5;
    /** Echo request. */
    public static final int ECHO_REQUEST = 8;
    /** Time exceeded. */
    public static final int TIME_EXCEEDED = 11;
    /** Parameter problem. */
    public static final int PARAMETER_PROBLEM = 12;
    /** Code of destination unreachable: fragmentation needed and DF set. */
    public static final int CODE_FRAG_NEEDED = 4;

    private Icmp()
    {
    }

    /** @param b buffer. @param o header offset. @return type. */
    public static int type(final DirectBuffer b, final int o)
    {
        return b.getByte(o + TYPE_OFFSET) & 0xFF;
    }

    /** @param b buffer. @param o header offset. @return code. */
    public static int code(final DirectBuffer b, final int o)
    {
        return b.getByte(o + CODE_OFFSET) & 0xFF;
    }

    /**
     * @param type ICMP type.
     * @return true for the error types that quote a datagram (and which IPVS relates to connections).
     */
    public static boolean isError(final int type)
    {
        return DEST_UNREACH == type || SOURCE_QUENCH == type || TIME_EXCEEDED == type ||
            PARAMETER_PROBLEM == type || REDIRECT == type;
    }
}
