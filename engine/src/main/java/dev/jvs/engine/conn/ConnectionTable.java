package dev.jvs.engine.conn;

import dev.jvs.engine.os.OffHeap;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * The off-heap connection table: fixed-size entries, two open-addressing indexes, a lazy timer wheel.
 * Capacity is fixed at construction; when every entry is taken, {@link #insert} returns -1 and the caller
 * counts the refusal. Single writer: one worker owns a table.
 *
 * <h2>Layout</h2>
 * <pre>
 * entries:   see {@link ConnectionEntries}.
 * in-index:  slots x 8 bytes, slots a power of two >= capacity * 4 / 3 (load <= 0.75);
 *            slot = (hash32 << 32) | (entry + 1), 0 = empty; linear probing; deletion shifts back
 *            (no tombstones). Key: proto, caddr, cport, vaddr, vport (the client's packet).
 * out-index: the same over proto, daddr, dport, caddr, cport (a NAT reply), for entries that need it.
 * </pre>
 * kind tells connections (4) from persistence templates (0x44) with the same addresses, and is part of the
 * hash and of the key comparison, as IPVS tells them apart by {@code IP_VS_CONN_F_TEMPLATE}.
 * The hash is seeded at random per table so a client cannot aim its flows at one probe chain (IPVS does the
 * same with {@code ip_vs_conn_rnd}). IPv4 keys fill 13 bytes; an IPv6 table uses the same scheme with
 * 128-byte entries (its key is 37 bytes), so nothing here assumes a 32-bit address beyond this class's
 * accessors.
 *
 * <h2>Expiry</h2>
 * A timer wheel of 4096 slots of 128 ms (a 524 s revolution) with entries linked into the slot of their
 * deadline. A packet that extends a deadline only stores the new time; the wheel re-links the entry when it
 * reaches the old slot. A deadline brought forward (a FIN shortening 900 s to 120 s) re-links at once, so
 * expiry is never late by more than a tick. {@link #expire} does bounded work per call: no sweep ever stops
 * the world.
 */
public final class ConnectionTable extends ConnectionEntries
{
    /** Wheel tick: 128 ms, so that a tick is a shift of the clock (ms are positive). */
    static final int TICK_SHIFT = 7;
    static final int WHEEL_SLOTS = 4096;
    static final int WHEEL_MASK = WHEEL_SLOTS - 1;
    static final int NONE = -1;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    final UnsafeBuffer inIndex;
    final UnsafeBuffer outIndex;
    final int slotMask;
    private final long seed;
    private final long seedHigh;
    private final Ipv6Connections ipv6;
    private final int[] wheel = new int[WHEEL_SLOTS];
    private final long baseTick;
    private int currentTick;
    private int freeHead;
    /** Entries from here on were never used: taken in order once the free list is empty (no list to build). */
    private int fresh;
    private int size;

    /**
     * Called for every entry whose deadline passed, before it is freed.
     */
    @FunctionalInterface
    public interface ExpiryHandler
    {
        /**
         * @param table the table.
         * @param entry the entry.
         * @param nowMs the time.
         * @return true to free the entry; false when the handler gave it a new deadline (a template that
         *         still controls connections).
         */
        boolean onExpired(ConnectionTable table, int entry, long nowMs);
    }

    /**
     * @param capacity most connections (and templates) at once.
     * @param seed hash seed; pass a random value in production.
     * @param nowMs the clock now (the wheel starts here).
     */
    public ConnectionTable(final int capacity, final long seed, final long nowMs)
    {
        super(capacity);
        this.seed = seed;
        this.seedHigh = Long.rotateLeft(seed * 0x9E3779B97F4A7C15L, 31);
        this.ipv6 = new Ipv6Connections(this, seed, seedHigh);
        int slots = 1;
        while (slots < (long)capacity * 4 / 3 + 1)
        {
            slots <<= 1;
        }
        slotMask = slots - 1;
        inIndex = OffHeap.allocate(slots * 8);
        outIndex = OffHeap.allocate(slots * 8);
        baseTick = nowMs >> TICK_SHIFT;
        // Fresh memory is zero: nothing to write, so a million entries cost no start-up time. The pages are
        // faulted in by prefault(), off the forwarding thread, or on first use.
        reset();
    }

    /**
     * Forget every entry (the memory stays mapped and touched: no page faults on the next inserts).
     */
    public void clear()
    {
        inIndex.setMemory(0, inIndex.capacity(), (byte)0);
        outIndex.setMemory(0, outIndex.capacity(), (byte)0);
        entries.setMemory(0, entries.capacity(), (byte)0);
        if (null != ext)
        {
            ext.setMemory(0, ext.capacity(), (byte)0);
        }
        reset();
    }

    private void reset()
    {
        freeHead = NONE;
        fresh = 0;
        size = 0;
        java.util.Arrays.fill(wheel, NONE);
        currentTick = 0;
    }

    /**
     * Fault the table's pages in without writing them (MADV_POPULATE_WRITE), so that inserts never wait for the
     * kernel: about 0.25 s for a million entries on 4 KiB pages. Safe from any thread while the owner works: the
     * contents are not touched. Does nothing on kernels before 5.14.
     */
    public void prefault()
    {
        dev.jvs.engine.os.OffHeap.prefault(entries);
        dev.jvs.engine.os.OffHeap.prefault(inIndex);
        dev.jvs.engine.os.OffHeap.prefault(outIndex);
    }

    /** @return entries in use. */
    public int size()
    {
        return size;
    }

    /** @return the fixed capacity. */
    public int capacity()
    {
        return capacity;
    }

    /** @return bytes of off-heap memory held. */
    public long offHeapBytes()
    {
        return (long)entries.capacity() + inIndex.capacity() + outIndex.capacity() + (null == ext ? 0 : ext.capacity());
    }

    // ---------------------------------------------------------------------------------------------- hashing

    int hash(final int proto, final int a1, final int p1, final int a2, final int p2)
    {
        // Three independent multiplies of seeded words, then one mixing round: a few cycles of latency.
        // Keyed by a random seed per table against chosen-collision floods (IPVS seeds jhash likewise).
        final long x = ((long)a1 << 32 | (a2 & 0xFFFFFFFFL)) ^ seed;
        final long y = ((long)(p1 & 0xFFFF) << 32 | (long)(p2 & 0xFFFF) << 16 | (proto & 0xFFFF)) ^ seedHigh;
        long h = x * 0x9E3779B97F4A7C15L + y * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return (int)(h ^ (h >>> 32));
    }

    // ---------------------------------------------------------------------------------------------- lookup

    /**
     * Find the connection of a packet from the client side.
     *
     * @param proto IP protocol.
     * @param caddr client address.
     * @param cport client port.
     * @param vaddr virtual address.
     * @param vport virtual port.
     * @return the entry, or -1.
     */
    public int lookupIn(final int proto, final int caddr, final int cport, final int vaddr, final int vport)
    {
        return find(KIND_CONN, proto, caddr, cport, vaddr, vport);
    }

    // Batched lookups (group prefetching). A lookup in a big table is two dependent cache misses: the index
    // slot, then the entry. Java has no prefetch instruction, and a load only overlaps with the loads that
    // enter the CPU's reorder window with it (about 200 instructions), so touching one frame's key ahead
    // of processing overlaps little. Hashing a group's keys first, then touching each key's slot and entry
    // in one short loop, puts the group's misses in flight together: about two memory latencies per group
    // instead of two per frame (bench/RESULTS.md).

    /**
     * @param proto IP protocol.
     * @param caddr client address.
     * @param cport client port.
     * @param vaddr virtual address.
     * @param vport virtual port.
     * @return the hash {@link #lookupIn} computes for this key.
     */
    public int hashIn(final int proto, final int caddr, final int cport, final int vaddr, final int vport)
    {
        return hash((KIND_CONN << 8) | proto, caddr, cport, vaddr, vport);
    }

    /**
     * @param proto IP protocol.
     * @param daddr real server address (the reply's source).
     * @param dport real server port.
     * @param caddr client address.
     * @param cport client port.
     * @return the hash {@link #lookupOut} computes for this key.
     */
    public int hashOut(final int proto, final int daddr, final int dport, final int caddr, final int cport)
    {
        return hash(proto, daddr, dport, caddr, cport);
    }

    /**
     * Load the key's first index slot and the entry it names when its tag matches: call it for a whole group
     * of keys in a short loop, and the group's misses overlap.
     *
     * @param out the reply (out) index rather than the in index.
     * @param h the key's hash.
     * @return bits to fold into a sink.
     */
    public long touchEntry(final boolean out, final int h)
    {
        final long s = (out ? outIndex : inIndex).getLong((h & slotMask) << 3);
        if ((int)(s >>> 32) == h)
        {
            return s ^ entries.getLong(((int)s - 1) * ENTRY_LENGTH);
        }
        return s;
    }

    /**
     * @param e entry.
     * @return packets from the client modulo the sync period, as counted by the connection sync.
     */
    public int syncCount(final int e)
    {
        return (flags(e) & SYNC_COUNT_MASK) >>> SYNC_COUNT_SHIFT;
    }

    /**
     * @param e entry.
     * @param n the count, 0..63.
     */
    public void syncCount(final int e, final int n)
    {
        flags(e, (flags(e) & ~SYNC_COUNT_MASK) | ((n << SYNC_COUNT_SHIFT) & SYNC_COUNT_MASK));
    }

    /**
     * Find a persistence template.
     *
     * @param proto protocol of the template (0 for a firewall-mark service's).
     * @param snet client network (address masked by the persistence granularity).
     * @param vaddr virtual address (the mark for a firewall-mark service).
     * @param vport virtual port, 0 for port-zero and firewall-mark services.
     * @return the template entry, or -1.
     */
    public int lookupTemplate(final int proto, final int snet, final int vaddr, final int vport)
    {
        return find(KIND_TEMPLATE, proto, snet, 0, vaddr, vport);
    }

    private int find(final int kind, final int proto, final int caddr, final int cport, final int vaddr,
        final int vport)
    {
        final int h = hash((kind << 8) | proto, caddr, cport, vaddr, vport);
        final UnsafeBuffer idx = inIndex;
        final UnsafeBuffer en = entries;
        final int mask = slotMask;
        // The key is the first 14 bytes of the entry: compare it as two native-order words.
        final long k1;
        final long k2;
        final long m2;
        if (LITTLE_ENDIAN)
        {
            k1 = (caddr & 0xFFFFFFFFL) | ((long)vaddr << 32);
            k2 = (cport & 0xFFFFL) | ((vport & 0xFFFFL) << 16) | ((proto & 0xFFL) << 32) | ((kind & 0xFFL) << 40);
            m2 = 0x0000FFFFFFFFFFFFL;
        }
        else
        {
            k1 = ((long)caddr << 32) | (vaddr & 0xFFFFFFFFL);
            k2 = ((cport & 0xFFFFL) << 48) | ((vport & 0xFFFFL) << 32) | ((proto & 0xFFL) << 24) |
                ((kind & 0xFFL) << 16);
            m2 = 0xFFFFFFFFFFFF0000L;
        }
        int i = h & mask;
        while (true)
        {
            final long s = idx.getLong(i << 3);
            if (0 == s)
            {
                return NONE;
            }
            if ((int)(s >>> 32) == h)
            {
                final int o = ((int)s - 1) * ENTRY_LENGTH;
                if (en.getLong(o) == k1 && (en.getLong(o + 8) & m2) == k2)
                {
                    return (int)s - 1;
                }
            }
            i = (i + 1) & mask;
        }
    }

    /**
     * Find the NAT connection of a reply from a real server.
     *
     * @param proto IP protocol.
     * @param daddr real server address (the reply's source).
     * @param dport real server port.
     * @param caddr client address (the reply's destination).
     * @param cport client port.
     * @return the entry, or -1.
     */
    public int lookupOut(final int proto, final int daddr, final int dport, final int caddr, final int cport)
    {
        final int h = hash(proto, daddr, dport, caddr, cport);
        final UnsafeBuffer idx = outIndex;
        final UnsafeBuffer en = entries;
        final int mask = slotMask;
        int i = h & mask;
        while (true)
        {
            final long s = idx.getLong(i << 3);
            if (0 == s)
            {
                return NONE;
            }
            if ((int)(s >>> 32) == h)
            {
                final int e = (int)s - 1;
                final int o = e * ENTRY_LENGTH;
                if (en.getInt(o + DADDR) == daddr && en.getInt(o + CADDR) == caddr &&
                    en.getShort(o + DPORT) == (short)dport && en.getShort(o + CPORT) == (short)cport &&
                    en.getByte(o + PROTO) == (byte)proto && en.getByte(o + KIND) == (byte)KIND_CONN)
                {
                    return e;
                }
            }
            i = (i + 1) & mask;
        }
    }

    // ---------------------------------------------------------------------------------------------- IPv6

    /** @return the IPv6 side of this table: its lookups and inserts (see {@link Ipv6Connections}). */
    public Ipv6Connections ipv6()
    {
        return ipv6;
    }

    // ---------------------------------------------------------------------------------------------- insert/remove

    /**
     * Add a connection (or template).
     *
     * @param proto IP protocol.
     * @param caddr client address.
     * @param cport client port.
     * @param vaddr virtual address.
     * @param vport virtual port.
     * @param daddr real server address.
     * @param dport real server port.
     * @param flags F_* flags; {@link #F_OUT_INDEXED} also indexes it for replies.
     * @param timeoutMs initial timeout.
     * @param nowMs the time.
     * @return the entry, or -1 when the table is full.
     */
    public int insert(final int proto, final int caddr, final int cport, final int vaddr, final int vport,
        final int daddr, final int dport, final int flags, final int timeoutMs, final long nowMs)
    {
        return put(KIND_CONN, proto, caddr, cport, vaddr, vport, daddr, dport, flags & ~F_TEMPLATE, timeoutMs, nowMs);
    }

    /**
     * Add a persistence template.
     *
     * @param proto template protocol (0 for firewall-mark services).
     * @param snet client network.
     * @param vaddr virtual address (or mark).
     * @param vport virtual port (or 0).
     * @param daddr real server.
     * @param dport real server port (or 0).
     * @param timeoutMs persistence timeout.
     * @param nowMs the time.
     * @return the entry, or -1 when full.
     */
    public int insertTemplate(final int proto, final int snet, final int vaddr, final int vport, final int daddr,
        final int dport, final int timeoutMs, final long nowMs)
    {
        return put(KIND_TEMPLATE, proto, snet, 0, vaddr, vport, daddr, dport, F_TEMPLATE, timeoutMs, nowMs);
    }

    int put(final int kind, final int proto, final int caddr, final int cport, final int vaddr,
        final int vport, final int daddr, final int dport, final int flags, final int timeoutMs, final long nowMs)
    {
        final UnsafeBuffer en = entries;
        final int e;
        if (NONE != freeHead)
        {
            e = freeHead;
            freeHead = en.getInt(e * ENTRY_LENGTH + TIMER_NEXT);
        }
        else if (fresh < capacity)
        {
            e = fresh++;
        }
        else
        {
            return NONE;
        }
        final int o = e * ENTRY_LENGTH;
        for (int w = 0; w < ENTRY_LENGTH; w += 8)
        {
            en.putLong(o + w, 0L);
        }
        en.putInt(o + CADDR, caddr);
        en.putInt(o + VADDR, vaddr);
        en.putShort(o + CPORT, (short)cport);
        en.putShort(o + VPORT, (short)vport);
        en.putByte(o + PROTO, (byte)proto);
        en.putByte(o + KIND, (byte)kind);
        en.putInt(o + DADDR, daddr);
        en.putShort(o + DPORT, (short)dport);
        en.putShort(o + FLAGS, (short)(flags | F_IN_USE));
        en.putInt(o + CONTROL, KIND_TEMPLATE == kind ? 0 : NONE);
        en.putInt(o + DEST, NONE);
        en.putInt(o + TIMEOUT, timeoutMs);
        en.putLong(o + EXPIRES, nowMs + timeoutMs);
        indexPut(inIndex, hash((kind << 8) | proto, caddr, cport, vaddr, vport), e);
        if ((KIND_CONN == kind || KIND_CONN6 == kind) && 0 != (flags & F_OUT_INDEXED))
        {
            indexPut(outIndex, hash(proto, daddr, dport, caddr, cport), e);
        }
        link(e, tickOf(nowMs + timeoutMs));
        size++;
        return e;
    }

    /**
     * Free an entry now (it leaves both indexes and the wheel).
     *
     * @param e the entry.
     */
    public void remove(final int e)
    {
        unindex(e);
        final UnsafeBuffer en = entries;
        final int o = e * ENTRY_LENGTH;
        unlink(e);
        en.putShort(o + FLAGS, (short)0);
        en.putInt(o + TIMER_NEXT, freeHead);
        freeHead = e;
        size--;
    }

    /**
     * Take an entry out of both indexes but keep it (and its timer): lookups no longer find it. IPVS does
     * this to a template whose real server went away, so new clients get a new template while the old one
     * lives on for the connections it controls.
     *
     * @param e the entry.
     */
    public void unindex(final int e)
    {
        final UnsafeBuffer en = entries;
        final int o = e * ENTRY_LENGTH;
        final int flags = en.getShort(o + FLAGS);
        if (0 != (flags & F_UNINDEXED))
        {
            return;
        }
        final int kind = en.getByte(o + KIND);
        final int proto = en.getByte(o + PROTO) & 0xFF;
        final int caddr = en.getInt(o + CADDR);
        final int cport = en.getShort(o + CPORT) & 0xFFFF;
        indexRemove(inIndex, hash((kind << 8) | proto, caddr, cport, en.getInt(o + VADDR),
            en.getShort(o + VPORT) & 0xFFFF), e);
        if (0 != (flags & F_OUT_INDEXED))
        {
            indexRemove(outIndex, hash(proto, en.getInt(o + DADDR), en.getShort(o + DPORT) & 0xFFFF, caddr, cport), e);
        }
        en.putShort(o + FLAGS, (short)(flags | F_UNINDEXED));
    }

    private void indexPut(final UnsafeBuffer idx, final int h, final int e)
    {
        final int mask = slotMask;
        int i = h & mask;
        while (0 != idx.getLong(i << 3))
        {
            i = (i + 1) & mask;
        }
        idx.putLong(i << 3, ((long)h << 32) | ((e + 1) & 0xFFFFFFFFL));
    }

    private void indexRemove(final UnsafeBuffer idx, final int h, final int e)
    {
        final int mask = slotMask;
        final long want = ((long)h << 32) | ((e + 1) & 0xFFFFFFFFL);
        int i = h & mask;
        while (idx.getLong(i << 3) != want)
        {
            i = (i + 1) & mask;
        }
        // Backward-shift deletion: pull later members of the probe chain into the hole.
        int hole = i;
        int j = i;
        while (true)
        {
            j = (j + 1) & mask;
            final long s = idx.getLong(j << 3);
            if (0 == s)
            {
                break;
            }
            final int home = (int)(s >>> 32) & mask;
            // Move s if its home is not in the cyclic range (hole, j].
            final boolean inRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!inRange)
            {
                idx.putLong(hole << 3, s);
                hole = j;
            }
        }
        idx.putLong(hole << 3, 0L);
    }

    // ---------------------------------------------------------------------------------------------- timers

    /** The wheel's tick of a time, relative to the table's creation (an int covers 6.8 years). */
    private int tickOf(final long ms)
    {
        return (int)((ms >> TICK_SHIFT) - baseTick);
    }

    private void link(final int e, final int tick)
    {
        final int t = Math.max(tick, currentTick);
        final int slot = t & WHEEL_MASK;
        final int o = e * ENTRY_LENGTH;
        final int head = wheel[slot];
        entries.putInt(o + TIMER_NEXT, head);
        entries.putInt(o + TIMER_PREV, NONE);
        entries.putInt(o + TIMER_TICK, t);
        if (NONE != head)
        {
            entries.putInt(head * ENTRY_LENGTH + TIMER_PREV, e);
        }
        wheel[slot] = e;
    }

    private void unlink(final int e)
    {
        final int o = e * ENTRY_LENGTH;
        final int next = entries.getInt(o + TIMER_NEXT);
        final int prev = entries.getInt(o + TIMER_PREV);
        if (NONE != next)
        {
            entries.putInt(next * ENTRY_LENGTH + TIMER_PREV, prev);
        }
        if (NONE != prev)
        {
            entries.putInt(prev * ENTRY_LENGTH + TIMER_NEXT, next);
        }
        else
        {
            wheel[entries.getInt(o + TIMER_TICK) & WHEEL_MASK] = next;
        }
    }

    /**
     * Set a new timeout from now (every packet does, as IPVS re-arms its timer). Lazy when the deadline
     * moves later; re-linked when it moves earlier.
     *
     * @param e entry.
     * @param timeoutMs timeout.
     * @param nowMs the time.
     */
    public void touch(final int e, final int timeoutMs, final long nowMs)
    {
        final int o = e * ENTRY_LENGTH;
        final long expires = nowMs + timeoutMs;
        entries.putInt(o + TIMEOUT, timeoutMs);
        entries.putLong(o + EXPIRES, expires);
        final int tick = tickOf(expires);
        if (tick < entries.getInt(o + TIMER_TICK))
        {
            unlink(e);
            link(e, tick);
        }
    }

    /**
     * Expire entries whose deadline passed, visiting at most {@code limit} entries.
     *
     * @param nowMs the time.
     * @param limit most entries to visit in this call.
     * @param handler told of every expiry before the entry is freed.
     * @return entries freed.
     */
    public int expire(final long nowMs, final int limit, final ExpiryHandler handler)
    {
        final int target = tickOf(nowMs);
        int visits = 0;
        int freed = 0;
        while (currentTick <= target)
        {
            final int slot = currentTick & WHEEL_MASK;
            int e = wheel[slot];
            while (NONE != e)
            {
                if (visits++ >= limit)
                {
                    return freed;
                }
                final int o = e * ENTRY_LENGTH;
                final int next = entries.getInt(o + TIMER_NEXT);
                if (entries.getInt(o + TIMER_TICK) == currentTick)
                {
                    if (entries.getLong(o + EXPIRES) <= nowMs && handler.onExpired(this, e, nowMs))
                    {
                        remove(e);
                        freed++;
                    }
                    else
                    {
                        // Extended since it was linked (or kept by the handler): follow its deadline.
                        unlink(e);
                        link(e, Math.max(tickOf(entries.getLong(o + EXPIRES)), currentTick + 1));
                    }
                }
                e = next;
            }
            currentTick++;
        }
        return freed;
    }
}
