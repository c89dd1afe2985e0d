package dev.jvs.schedulers;

import java.util.Arrays;

/**
 * mh ({@code ip_vs_mh.c}): Maglev consistent hashing. A lookup table of 4093 slots (the kernel's default
 * {@code CONFIG_IP_VS_MH_TAB_INDEX} 12 picks the prime 4093) is rebuilt on every destination change: each
 * destination gets an offset and a skip from hsiphash of its address + port under two fixed keys, and
 * destinations take turns claiming their next preferred free slot, each claiming
 * {@code (last_weight / gcd) >> rshift} slots per turn (rshift keeps weight/gcd within 6 bits).
 * <p>
 * The table is built from the last non-zero weight, so setting a weight to 0 does not move anyone else's
 * flows: the quiesced server's slots give "no destination", or with mh-fallback a deterministic re-hash.
 * A pick is one hsiphash and one array read.
 */
public final class MaglevHashing extends TableScheduler
{
    /** The primes the kernel may use for the table size. */
    static final int[] PRIMES = {251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071};
    static final int TAB_INDEX = 12;
    static final int TAB_BITS = TAB_INDEX / 2;
    static final int TAB_SIZE = PRIMES[TAB_INDEX - 8];

    static final long HASH1_KEY = 2654435761L;
    static final long HASH2_KEY = 2654446892L;

    private final boolean fallback;
    private final boolean usePort;
    private final boolean sorted;

    private int[] offset = new int[16];
    private int[] skip = new int[16];
    private int[] perm = new int[16];
    private int[] turns = new int[16];
    private final boolean[] taken = new boolean[TAB_SIZE];

    /**
     * @param dests the service's destinations.
     * @param serviceFlags {@link #FLAG_SCHED1} for mh-fallback, {@link #FLAG_SCHED2} for mh-port.
     */
    public MaglevHashing(final Destinations dests, final int serviceFlags)
    {
        super(dests, TAB_SIZE);
        this.fallback = 0 != (serviceFlags & FLAG_SCHED1);
        this.usePort = 0 != (serviceFlags & FLAG_SCHED2);
        this.sorted = 0 != (serviceFlags & FLAG_SORTED);
    }

    /** The destinations' ids in the order the table is filled: the list's, or address and port order. */
    private int[] walk(final Destinations d, final int n)
    {
        if (!sorted)
        {
            return d.order;
        }
        final Integer[] ids = new Integer[n];
        for (int p = 0; p < n; p++)
        {
            ids[p] = d.order[p];
        }
        Arrays.sort(ids, java.util.Comparator.comparingLong((Integer id) -> Integer.toUnsignedLong(d.addr[id]))
            .thenComparingInt(id -> d.port[id]));
        final int[] out = new int[n];
        for (int p = 0; p < n; p++)
        {
            out[p] = ids[p];
        }
        return out;
    }

    @Override
    public String name()
    {
        return "mh";
    }

    static int hashKey(final int addr, final int port, final long key, final int off)
    {
        return HalfSipHash.hash1u32(off + port + addr, key, key);
    }

    private static int mod(final int hash, final int m)
    {
        return Integer.remainderUnsigned(hash, m);
    }

    @Override
    void reassign()
    {
        final Destinations d = dests;
        final int n = d.count;
        if (n > TAB_SIZE)
        {
            throw new IllegalStateException("mh supports at most " + TAB_SIZE + " destinations");
        }
        final int[] ord = walk(d, n);
        int gcd = 0;
        int maxWeight = 0;
        for (int p = 0; p < n; p++)
        {
            final int w = d.lastWeight[ord[p]];
            if (w > 0)
            {
                gcd = gcd > 0 ? WeightedRoundRobin.gcd(w, gcd) : w;
            }
            maxWeight = Math.max(maxWeight, w);
        }
        if (gcd < 1)
        {
            Arrays.fill(table, NO_DEST);
            return;
        }
        final int rshift = Math.max(0, (32 - Integer.numberOfLeadingZeros(maxWeight / gcd)) - TAB_BITS);

        if (offset.length < n)
        {
            offset = new int[n];
            skip = new int[n];
            perm = new int[n];
            turns = new int[n];
        }
        for (int p = 0; p < n; p++)
        {
            final int id = ord[p];
            offset[p] = mod(hashKey(d.addr[id], d.port[id], HASH1_KEY, 0), TAB_SIZE);
            skip[p] = mod(hashKey(d.addr[id], d.port[id], HASH2_KEY, 0), TAB_SIZE - 1) + 1;
            perm[p] = offset[p];
            final int lw = d.lastWeight[id];
            final int t = (lw / gcd) >> rshift;
            turns[p] = 0 != t ? t : (0 != lw ? 1 : 0);
        }

        Arrays.fill(taken, false);
        int filled = 0;
        int dtCount = 0;
        while (filled < TAB_SIZE)
        {
            int p = 0;
            while (p < n)
            {
                if (turns[p] < 1)
                {
                    p++;
                    continue;
                }
                int c = perm[p];
                while (taken[c])
                {
                    perm[p] += skip[p];
                    if (perm[p] >= TAB_SIZE)
                    {
                        perm[p] -= TAB_SIZE;
                    }
                    c = perm[p];
                }
                taken[c] = true;
                table[c] = ord[p];
                if (++filled == TAB_SIZE)
                {
                    return;
                }
                if (++dtCount >= turns[p])
                {
                    dtCount = 0;
                    p++;
                }
            }
        }
    }

    @Override
    int slotOf(final int addr, final int port, final int offset)
    {
        return mod(hashKey(addr, port, HASH1_KEY, offset), TAB_SIZE);
    }

    @Override
    public int pick(final Flow flow)
    {
        return pickByKey(flow.saddr, usePort && flow.hasPorts() ? flow.sport : 0, fallback);
    }

    /** @param slot table slot. @return its destination id (tests). */
    int slot(final int slot)
    {
        return table[slot];
    }
}
