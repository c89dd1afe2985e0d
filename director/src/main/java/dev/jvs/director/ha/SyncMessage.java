package dev.jvs.director.ha;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * IPVS's connection sync message, version 1 (net/netfilter/ipvs/ip_vs_sync.c), IPv4 entries without options:
 * <pre>
 * header (8):  0 reserved = 0   1 syncid   2 size (be16, whole message)   4 nr_conns   5 version = 1   6 spare
 * ip_vs_sync_v4 (36), each at a 4-byte boundary:
 *   0 type (0: IPv4)   1 protocol   2 ver_size (be16: version 0 in the top 4 bits, entry size below)
 *   4 flags (be32, IP_VS_CONN_F_*)   8 state (be16)   10 cport   12 vport   14 dport
 *  16 fwmark (be32)   20 timeout (be32, seconds)   24 caddr   28 vaddr   32 daddr
 * ip_vs_sync_v6 (72): the same to 24 (type STYPE_F_INET6), then caddr, vaddr, daddr of 16 bytes each.
 * </pre>
 * Carried in UDP to 224.0.0.81:8848 with TTL 1 by default.
 */
public final class SyncMessage
{
    /** Header length. */
    public static final int HEADER_LENGTH = 8;
    /** An IPv4 entry without options. */
    public static final int CONN_LENGTH = 36;
    /** An IPv6 entry without options. */
    public static final int CONN6_LENGTH = 72;
    /** SYNC_PROTO_VER. */
    public static final int VERSION = 1;
    /** IP_VS_CONN_F_MASQ. */
    public static final int F_MASQ = 0x0000;
    /** IP_VS_CONN_F_TUNNEL. */
    public static final int F_TUNNEL = 0x0002;
    /** IP_VS_CONN_F_DROUTE. */
    public static final int F_DROUTE = 0x0003;
    /** IP_VS_CONN_F_FWD_MASK. */
    public static final int F_FWD_MASK = 0x0007;
    /** IP_VS_CONN_F_NOOUTPUT. */
    public static final int F_NOOUTPUT = 0x0080;
    /** IP_VS_CONN_F_INACTIVE. */
    public static final int F_INACTIVE = 0x0100;
    /** IP_VS_CONN_F_TEMPLATE. */
    public static final int F_TEMPLATE = 0x1000;
    /** IP_VS_CONN_F_ONE_PACKET. */
    public static final int F_ONE_PACKET = 0x2000;
    /** STYPE_F_INET6. */
    public static final int TYPE_INET6 = 1;

    private SyncMessage()
    {
    }

    /**
     * Start a message.
     *
     * @param b buffer.
     * @param off where.
     * @param syncId the sync id.
     */
    public static void header(final MutableDirectBuffer b, final int off, final int syncId)
    {
        b.putByte(off, (byte)0);
        b.putByte(off + 1, (byte)syncId);
        b.putShort(off + 2, (short)HEADER_LENGTH, ByteOrder.BIG_ENDIAN);
        b.putByte(off + 4, (byte)0);
        b.putByte(off + 5, (byte)VERSION);
        b.putShort(off + 6, (short)0);
    }

    /** @param b buffer. @param off message offset. @return its size field. */
    public static int size(final DirectBuffer b, final int off)
    {
        return b.getShort(off + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    /** @param b buffer. @param off message offset. @return its nr_conns. */
    public static int count(final DirectBuffer b, final int off)
    {
        return b.getByte(off + 4) & 0xFF;
    }

    /**
     * Append an IPv4 entry, updating size and nr_conns.
     *
     * @param b buffer.
     * @param off message offset.
     * @param protocol IP protocol.
     * @param flags IP_VS_CONN_F_* flags.
     * @param state state.
     * @param caddr client address.
     * @param cport client port.
     * @param vaddr virtual address.
     * @param vport virtual port.
     * @param daddr real server.
     * @param dport real server port.
     * @param fwmark firewall mark.
     * @param timeoutS timeout in seconds.
     */
    public static void append(final MutableDirectBuffer b, final int off, final int protocol, final int flags,
        final int state, final int caddr, final int cport, final int vaddr, final int vport, final int daddr,
        final int dport, final int fwmark, final int timeoutS)
    {
        final int size = size(b, off);
        final int c = off + size;
        b.putByte(c, (byte)0);
        b.putByte(c + 1, (byte)protocol);
        b.putShort(c + 2, (short)CONN_LENGTH, ByteOrder.BIG_ENDIAN);
        b.putInt(c + 4, flags, ByteOrder.BIG_ENDIAN);
        b.putShort(c + 8, (short)state, ByteOrder.BIG_ENDIAN);
        b.putShort(c + 10, (short)cport, ByteOrder.BIG_ENDIAN);
        b.putShort(c + 12, (short)vport, ByteOrder.BIG_ENDIAN);
        b.putShort(c + 14, (short)dport, ByteOrder.BIG_ENDIAN);
        b.putInt(c + 16, fwmark, ByteOrder.BIG_ENDIAN);
        b.putInt(c + 20, timeoutS, ByteOrder.BIG_ENDIAN);
        b.putInt(c + 24, caddr, ByteOrder.BIG_ENDIAN);
        b.putInt(c + 28, vaddr, ByteOrder.BIG_ENDIAN);
        b.putInt(c + 32, daddr, ByteOrder.BIG_ENDIAN);
        b.putShort(off + 2, (short)(size + CONN_LENGTH), ByteOrder.BIG_ENDIAN);
        b.putByte(off + 4, (byte)(count(b, off) + 1));
    }

    /**
     * Append an IPv6 entry (addresses as their two 64-bit halves), updating size and nr_conns.
     *
     * @param b buffer.
     * @param off message offset.
     * @param protocol IP protocol.
     * @param flags IP_VS_CONN_F_* flags.
     * @param state state.
     * @param ports cport, vport and dport.
     * @param fwmark firewall mark.
     * @param timeoutS timeout in seconds.
     * @param addresses caddr, vaddr and daddr, hi and lo each.
     */
    public static void append6(final MutableDirectBuffer b, final int off, final int protocol, final int flags,
        final int state, final int[] ports, final int fwmark, final int timeoutS, final long[] addresses)
    {
        final int size = size(b, off);
        final int c = off + size;
        b.putByte(c, (byte)TYPE_INET6);
        b.putByte(c + 1, (byte)protocol);
        b.putShort(c + 2, (short)CONN6_LENGTH, ByteOrder.BIG_ENDIAN);
        b.putInt(c + 4, flags, ByteOrder.BIG_ENDIAN);
        b.putShort(c + 8, (short)state, ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < 3; i++)
        {
            b.putShort(c + 10 + 2 * i, (short)ports[i], ByteOrder.BIG_ENDIAN);
        }
        b.putInt(c + 16, fwmark, ByteOrder.BIG_ENDIAN);
        b.putInt(c + 20, timeoutS, ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < 6; i++)
        {
            b.putLong(c + 24 + 8 * i, addresses[i], ByteOrder.BIG_ENDIAN);
        }
        b.putShort(off + 2, (short)(size + CONN6_LENGTH), ByteOrder.BIG_ENDIAN);
        b.putByte(off + 4, (byte)(count(b, off) + 1));
    }

    /** What a parsed entry carries. */
    public interface Visitor
    {
        /**
         * One IPv4 entry.
         *
         * @param protocol IP protocol.
         * @param flags IP_VS_CONN_F_* flags.
         * @param state state.
         * @param caddr client address.
         * @param cport client port.
         * @param vaddr virtual address.
         * @param vport virtual port.
         * @param daddr real server.
         * @param dport real server port.
         * @param fwmark firewall mark.
         * @param timeoutS timeout, seconds.
         */
        void onConn(int protocol, int flags, int state, int caddr, int cport, int vaddr, int vport, int daddr,
            int dport, int fwmark, int timeoutS);

        /**
         * One IPv6 entry (skipped unless overridden, as a kernel without IPv6 skips them).
         *
         * @param protocol IP protocol.
         * @param flags IP_VS_CONN_F_* flags.
         * @param state state.
         * @param ports cport, vport and dport.
         * @param fwmark firewall mark.
         * @param timeoutS timeout, seconds.
         * @param addresses caddr, vaddr and daddr, hi and lo each (valid during the call only).
         */
        default void onConn6(final int protocol, final int flags, final int state, final int[] ports,
            final int fwmark, final int timeoutS, final long[] addresses)
        {
        }
    }

    /** Result of {@link #parse}: why a message (or its rest) was dropped. */
    public enum Verdict
    {
        /** Every entry read. */
        OK,
        /** Shorter than its header or its size says. */
        TRUNCATED,
        /** Not version 1 (a version 0 sender, or garbage). */
        BAD_VERSION,
        /** Another sync id. */
        OTHER_SYNCID,
        /** An entry's size runs past the message, or is too small. */
        BAD_ENTRY
    }

    /**
     * Read a message as the kernel's ip_vs_process_message does.
     *
     * @param b buffer.
     * @param off where the UDP payload starts.
     * @param len UDP payload length.
     * @param syncId the accepted sync id (0 accepts any).
     * @param v called for each entry.
     * @return the verdict.
     */
    public static Verdict parse(final DirectBuffer b, final int off, final int len, final int syncId, final Visitor v)
    {
        if (len < HEADER_LENGTH)
        {
            return Verdict.TRUNCATED;
        }
        if (0 != b.getByte(off) || VERSION != b.getByte(off + 5) || 0 != b.getShort(off + 6))
        {
            return Verdict.BAD_VERSION;
        }
        final int size = size(b, off);
        if (size > len || size < HEADER_LENGTH)
        {
            return Verdict.TRUNCATED;
        }
        if (0 != syncId && (b.getByte(off + 1) & 0xFF) != syncId)
        {
            return Verdict.OTHER_SYNCID;
        }
        int p = off + HEADER_LENGTH;
        final int end = off + size;
        for (int i = 0, n = count(b, off); i < n; i++)
        {
            if (p + 4 > end)
            {
                return Verdict.BAD_ENTRY;
            }
            final int verSize = b.getShort(p + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            final int esize = verSize & 0x0FFF;
            if (0 != (verSize >>> 12) || esize < 4 || p + esize > end)
            {
                return Verdict.BAD_ENTRY;
            }
            if (0 == (b.getByte(p) & TYPE_INET6))
            {
                if (esize < CONN_LENGTH)
                {
                    return Verdict.BAD_ENTRY;
                }
                v.onConn(b.getByte(p + 1) & 0xFF, b.getInt(p + 4, ByteOrder.BIG_ENDIAN),
                    b.getShort(p + 8, ByteOrder.BIG_ENDIAN) & 0xFFFF, b.getInt(p + 24, ByteOrder.BIG_ENDIAN),
                    b.getShort(p + 10, ByteOrder.BIG_ENDIAN) & 0xFFFF, b.getInt(p + 28, ByteOrder.BIG_ENDIAN),
                    b.getShort(p + 12, ByteOrder.BIG_ENDIAN) & 0xFFFF, b.getInt(p + 32, ByteOrder.BIG_ENDIAN),
                    b.getShort(p + 14, ByteOrder.BIG_ENDIAN) & 0xFFFF, b.getInt(p + 16, ByteOrder.BIG_ENDIAN),
                    b.getInt(p + 20, ByteOrder.BIG_ENDIAN));
            }
            else
            {
                if (esize < CONN6_LENGTH)
                {
                    return Verdict.BAD_ENTRY;
                }
                final int[] ports = {b.getShort(p + 10, ByteOrder.BIG_ENDIAN) & 0xFFFF,
                    b.getShort(p + 12, ByteOrder.BIG_ENDIAN) & 0xFFFF, b.getShort(p + 14, ByteOrder.BIG_ENDIAN) & 0xFFFF};
                final long[] a = new long[6];
                for (int k = 0; k < 6; k++)
                {
                    a[k] = b.getLong(p + 24 + 8 * k, ByteOrder.BIG_ENDIAN);
                }
                v.onConn6(b.getByte(p + 1) & 0xFF, b.getInt(p + 4, ByteOrder.BIG_ENDIAN),
                    b.getShort(p + 8, ByteOrder.BIG_ENDIAN) & 0xFFFF, ports, b.getInt(p + 16, ByteOrder.BIG_ENDIAN),
                    b.getInt(p + 20, ByteOrder.BIG_ENDIAN), a);
            }
            p += (esize + 3) & ~3;
        }
        return Verdict.OK;
    }
}
