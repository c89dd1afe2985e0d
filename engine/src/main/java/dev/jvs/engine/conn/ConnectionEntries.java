package dev.jvs.engine.conn;

import dev.jvs.engine.os.OffHeap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * The connection table's entries: a dense off-heap pool of fixed-size records (IPVS's {@code struct ip_vs_conn}),
 * their layout and the accessors of each field. {@link ConnectionTable} adds the indexes and the timer wheel.
 * <pre>
 * entries: capacity x 64 bytes (one cache line each), a dense pool; free entries are chained through
 *          TIMER_NEXT.
 *   0 caddr   int     4 vaddr  int     8 cport short  10 vport short  12 proto byte  13 kind byte
 *  14 state   byte   15 fwd    byte   16 daddr int    20 dport short  22 flags short
 *  24 dest    int    28 service short 30 client-side MAC, 6 bytes (where NAT replies go back to)
 *  36 timerTick int (wheel tick the entry is linked at)                40 expires long (ms)
 *  48 timerNext int  52 timerPrev int 56 control int (a connection's template, -1 none) or, in a
 *  template, nControl (connections it controls)                        60 timeout int (ms)
 * </pre>
 * An IPv6 entry (kind 6, or 0x46 for a template) has the same layout, its three address fields holding a
 * seeded 32-bit digest of each address (what the indexes hash and compare first), and the addresses
 * themselves in the extension: capacity x 48 bytes beside the entries (client, virtual, real server; 16 bytes
 * each), made when the first IPv6 entry is. Nothing IPv4 reads or pays for it.
 */
public abstract class ConnectionEntries
{
    /** Entry size in bytes. */
    public static final int ENTRY_LENGTH = 64;
    /** Default capacity. */
    public static final int DEFAULT_CAPACITY = 1_000_000;

    static final int CADDR = 0;
    static final int VADDR = 4;
    static final int CPORT = 8;
    static final int VPORT = 10;
    static final int PROTO = 12;
    static final int KIND = 13;
    static final int STATE = 14;
    static final int FWD = 15;
    static final int DADDR = 16;
    static final int DPORT = 20;
    static final int FLAGS = 22;
    static final int DEST = 24;
    static final int SERVICE = 28;
    static final int MAC = 30;
    static final int TIMER_TICK = 36;
    static final int EXPIRES = 40;
    static final int TIMER_NEXT = 48;
    static final int TIMER_PREV = 52;
    static final int CONTROL = 56;
    static final int N_CONTROL = 56;
    static final int TIMEOUT = 60;

    static final int KIND_CONN = 4;
    static final int KIND_TEMPLATE = 0x44;
    static final int KIND_CONN6 = 6;
    static final int KIND_TEMPLATE6 = 0x46;
    /** Extension entry size: three IPv6 addresses. */
    static final int EXT_LENGTH = 48;
    /** {@link #address6} of the client. */
    public static final int EXT_CADDR = 0;
    /** {@link #address6} of the virtual address. */
    public static final int EXT_VADDR = 16;
    /** {@link #address6} of the real server. */
    public static final int EXT_DADDR = 32;

    /** Flag: counted inactive at its destination. */
    public static final int F_INACTIVE = 0x0001;
    /** Flag: a persistence template. */
    public static final int F_TEMPLATE = 0x0002;
    /** Flag: replies bypass the director (DR, TUN) until one is seen. */
    public static final int F_NOOUTPUT = 0x0004;
    /** Flag: UDP one-packet scheduling: expire right after the packet. */
    public static final int F_ONE_PACKET = 0x0008;
    /** Flag: present in the out-index. */
    public static final int F_OUT_INDEXED = 0x0010;
    /** Flag: has seen a reply / completed a handshake (never evicted under flood). */
    public static final int F_CONFIRMED = 0x0020;
    /** Flag: installed from a connection sync message; the client-side MAC is not known yet. */
    public static final int F_SYNCED = 0x1000;
    /** Bits 6-11 of the flags: packets from the client modulo the sync period (IPVS's in_pkts). */
    static final int SYNC_COUNT_SHIFT = 6;
    static final int SYNC_COUNT_MASK = 0x3F << SYNC_COUNT_SHIFT;
    /** Flag: taken out of the in-index (an invalidated template living out its timer). */
    public static final int F_UNINDEXED = 0x2000;
    /** Flag: entry in use. */
    public static final int F_IN_USE = 0x4000;
    /**
     * A template's state: IPVS's {@code IP_VS_CTPL_S_ASSURED}, set once a connection it controls is established
     * (TCP) or answered (UDP); 0 is {@code IP_VS_CTPL_S_NONE}. Listed, and synced, as the kernel does.
     */
    public static final int TPL_ASSURED = 1;

    /** Most entries. */
    final int capacity;
    /** The pool. */
    final UnsafeBuffer entries;
    /** IPv6 entries' addresses, by entry; null until the first IPv6 entry. */
    UnsafeBuffer ext;

    ConnectionEntries(final int capacity)
    {
        if (capacity < 1 || capacity > (1 << 28))
        {
            throw new IllegalArgumentException("capacity must be 1..268435456: capacity=" + capacity);
        }
        this.capacity = capacity;
        this.entries = OffHeap.allocate(capacity * ENTRY_LENGTH);
    }

    /** Make the IPv6 extension if it is not yet (once, at the first IPv6 entry). */
    final void ensureExt()
    {
        if (null == ext)
        {
            ext = OffHeap.allocate(capacity * EXT_LENGTH);
        }
    }

    // ---------------------------------------------------------------------------------------------- fields

    /** @param e entry. @return whether it is an IPv6 connection or template. */
    public final boolean isIpv6(final int e)
    {
        return 0 != (entries.getByte(e * ENTRY_LENGTH + KIND) & 2);
    }

    /**
     * An IPv6 entry's address half.
     *
     * @param e entry.
     * @param which {@link #EXT_CADDR}, {@link #EXT_VADDR} or {@link #EXT_DADDR}, plus 8 for the last 64 bits.
     * @return the 64 bits, network order.
     */
    public final long address6(final int e, final int which)
    {
        return ext.getLong(e * EXT_LENGTH + which, ByteOrder.BIG_ENDIAN);
    }

    /** @param e entry. @return client address. */
    public final int caddr(final int e)
    {
        return entries.getInt(e * ENTRY_LENGTH + CADDR);
    }

    /** @param e entry. @return client port. */
    public final int cport(final int e)
    {
        return entries.getShort(e * ENTRY_LENGTH + CPORT) & 0xFFFF;
    }

    /** @param e entry. @return virtual address. */
    public final int vaddr(final int e)
    {
        return entries.getInt(e * ENTRY_LENGTH + VADDR);
    }

    /** @param e entry. @return virtual port. */
    public final int vport(final int e)
    {
        return entries.getShort(e * ENTRY_LENGTH + VPORT) & 0xFFFF;
    }

    /** @param e entry. @return real server address. */
    public final int daddr(final int e)
    {
        return entries.getInt(e * ENTRY_LENGTH + DADDR);
    }

    /** @param e entry. @return real server port. */
    public final int dport(final int e)
    {
        return entries.getShort(e * ENTRY_LENGTH + DPORT) & 0xFFFF;
    }

    /** @param e entry. @return IP protocol. */
    public final int proto(final int e)
    {
        return entries.getByte(e * ENTRY_LENGTH + PROTO) & 0xFF;
    }

    /** @param e entry. @return protocol state. */
    public final int state(final int e)
    {
        return entries.getByte(e * ENTRY_LENGTH + STATE);
    }

    /** @param e entry. @param s protocol state. */
    public final void state(final int e, final int s)
    {
        entries.putByte(e * ENTRY_LENGTH + STATE, (byte)s);
    }

    /** @param e entry. @return forwarding method code. */
    public final int fwd(final int e)
    {
        return entries.getByte(e * ENTRY_LENGTH + FWD);
    }

    /** @param e entry. @param m forwarding method code. */
    public final void fwd(final int e, final int m)
    {
        entries.putByte(e * ENTRY_LENGTH + FWD, (byte)m);
    }

    /** @param e entry. @return flags. */
    public final int flags(final int e)
    {
        return entries.getShort(e * ENTRY_LENGTH + FLAGS) & 0xFFFF;
    }

    /** @param e entry. @param f flags (the out-index flag cannot be changed here). */
    public final void flags(final int e, final int f)
    {
        final int o = e * ENTRY_LENGTH + FLAGS;
        final int fixed = F_OUT_INDEXED | F_IN_USE | F_UNINDEXED | F_TEMPLATE;
        final int keep = entries.getShort(o) & fixed;
        entries.putShort(o, (short)((f & ~fixed) | keep));
    }

    /** @param e entry. @return destination id. */
    public final int dest(final int e)
    {
        return entries.getInt(e * ENTRY_LENGTH + DEST);
    }

    /** @param e entry. @param d destination id. */
    public final void dest(final int e, final int d)
    {
        entries.putInt(e * ENTRY_LENGTH + DEST, d);
    }

    /** @param e entry. @return service index. */
    public final int service(final int e)
    {
        return entries.getShort(e * ENTRY_LENGTH + SERVICE) & 0xFFFF;
    }

    /** @param e entry. @param s service index, 0..65535. */
    public final void service(final int e, final int s)
    {
        entries.putShort(e * ENTRY_LENGTH + SERVICE, (short)s);
    }

    /** @param e entry. @return the client-side MAC (where replies go). */
    public final long mac(final int e)
    {
        final int o = e * ENTRY_LENGTH + MAC;
        return ((long)(entries.getShort(o, ByteOrder.BIG_ENDIAN) & 0xFFFF) << 32) |
            (entries.getInt(o + 2, ByteOrder.BIG_ENDIAN) & 0xFFFFFFFFL);
    }

    /** @param e entry. @param mac the client-side MAC. */
    public final void mac(final int e, final long mac)
    {
        final int o = e * ENTRY_LENGTH + MAC;
        entries.putShort(o, (short)(mac >>> 32), ByteOrder.BIG_ENDIAN);
        entries.putInt(o + 2, (int)mac, ByteOrder.BIG_ENDIAN);
    }

    /**
     * ip_vs_random_dropentry's candidates: a connection that never got confirmed, or a template that controls no
     * connection and was never assured (what a flood of new clients leaves behind once their half-open
     * connections are gone).
     *
     * @param e a random candidate index (callers probe for eviction).
     * @return true when the entry may be dropped to make room.
     */
    public final boolean isDroppable(final int e)
    {
        final int f = flags(e);
        if (0 == (f & F_IN_USE))
        {
            return false;
        }
        if (0 != (f & F_TEMPLATE))
        {
            return 0 == nControl(e) && 0 == (state(e) & TPL_ASSURED);
        }
        return 0 == (f & F_CONFIRMED);
    }

    /** @param e entry. @return controlling template entry, or -1. */
    public final int control(final int e)
    {
        return entries.getInt(e * ENTRY_LENGTH + CONTROL);
    }

    /** @param e entry. @param t controlling template entry, or -1. */
    public final void control(final int e, final int t)
    {
        entries.putInt(e * ENTRY_LENGTH + CONTROL, t);
    }

    /** @param e template entry. @return connections it controls. */
    /**
     * {@code ip_vs_control_assure_ct}: the template that controls connection {@code e}, if any, is assured.
     *
     * @param e a connection (not a template).
     */
    public final void assureControl(final int e)
    {
        final int t = control(e);
        if (t >= 0 && 0 == (state(t) & TPL_ASSURED))
        {
            state(t, state(t) | TPL_ASSURED);
        }
    }

    public final int nControl(final int e)
    {
        return entries.getInt(e * ENTRY_LENGTH + N_CONTROL);
    }

    /** @param e template entry. @param n connections it controls. */
    public final void nControl(final int e, final int n)
    {
        entries.putInt(e * ENTRY_LENGTH + N_CONTROL, n);
    }

    /** @param e entry. @return deadline, ms. */
    public final long expires(final int e)
    {
        return entries.getLong(e * ENTRY_LENGTH + EXPIRES);
    }

    /** @param e entry. @return current timeout, ms. */
    public final int timeout(final int e)
    {
        return entries.getInt(e * ENTRY_LENGTH + TIMEOUT);
    }

    /** @param e entry. @return true while in use. */
    public final boolean inUse(final int e)
    {
        return e >= 0 && e < capacity && 0 != (entries.getShort(e * ENTRY_LENGTH + FLAGS) & F_IN_USE);
    }
}
