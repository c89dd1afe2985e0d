package dev.jvs.schedulers;

import java.util.Arrays;

/**
 * The destination-address map shared by lblc and lblcr ({@code ip_vs_lblc.c}, {@code ip_vs_lblcr.c}):
 * 1024 hash buckets of entries chained newest first, each entry a destination address with its last use,
 * and either one destination (lblc) or a set of them (lblcr). Entries come from fixed pools, so a pick never
 * allocates; an exhausted pool behaves like the kernel's failed {@code kmalloc}: the chosen destination is
 * used without being cached.
 * <p>
 * Garbage collection is the kernel's periodic timer, every 60 s from the scheduler's start: every 30th run
 * drops entries unused for the expiration time (24 h by default, the {@code lblc_expiration} /
 * {@code lblcr_expiration} sysctl); other runs, only while there are more than 16384 entries, drop entries
 * unused for 6 minutes, walking buckets from a rover until 4/3 of the excess (at most half the limit) went.
 */
final class LocalityTable
{
    static final int TAB_BITS = 10;
    static final int TAB_SIZE = 1 << TAB_BITS;
    static final int TAB_MASK = TAB_SIZE - 1;
    static final long CHECK_EXPIRE_INTERVAL_MS = 60_000;
    static final long ENTRY_TIMEOUT_MS = 6 * 60_000;
    static final long DEFAULT_EXPIRATION_MS = 24L * 60 * 60_000;
    static final int COUNT_FOR_FULL_EXPIRATION = 30;
    static final int MAX_SIZE = TAB_SIZE * 16;
    static final int NONE = -1;

    final int[] bucket = new int[TAB_SIZE];
    final int[] enAddr;
    final int[] enDest;
    final long[] enLastUse;
    final int[] enNext;
    final int[] enSetHead;
    final int[] enSetSize;
    final long[] enSetLastMod;
    private int enFree;

    final int[] elDest;
    final int[] elNext;
    private int elFree;

    int entries;
    private int rover;
    private int counter = 1;
    private long nextTimerMs;
    final long expirationMs;

    LocalityTable(final int capacity, final int setElements, final long expirationMs)
    {
        enAddr = new int[capacity];
        enDest = new int[capacity];
        enLastUse = new long[capacity];
        enNext = new int[capacity];
        enSetHead = new int[capacity];
        enSetSize = new int[capacity];
        enSetLastMod = new long[capacity];
        elDest = new int[setElements];
        elNext = new int[setElements];
        this.expirationMs = expirationMs;
        clear();
    }

    /** Drop every entry and restart the timer from {@code nowMs}. */
    void reset(final long nowMs)
    {
        clear();
        nextTimerMs = nowMs + CHECK_EXPIRE_INTERVAL_MS;
    }

    private void clear()
    {
        Arrays.fill(bucket, NONE);
        for (int i = 0; i < enNext.length; i++)
        {
            enNext[i] = i + 1 < enNext.length ? i + 1 : NONE;
        }
        enFree = enNext.length > 0 ? 0 : NONE;
        for (int i = 0; i < elNext.length; i++)
        {
            elNext[i] = i + 1 < elNext.length ? i + 1 : NONE;
        }
        elFree = elNext.length > 0 ? 0 : NONE;
        entries = 0;
        rover = 0;
        counter = 1;
    }

    /** The kernel's {@code hash_32(addr, 10)}: multiply by the 32-bit golden ratio, keep the top bits. */
    static int hashKey(final int addr)
    {
        return KernelHash.hash32(addr, TAB_BITS);
    }

    int get(final int addr)
    {
        for (int e = bucket[hashKey(addr)]; NONE != e; e = enNext[e])
        {
            if (enAddr[e] == addr)
            {
                return e;
            }
        }
        return NONE;
    }

    /** @return a new entry hashed at the head of its bucket, or NONE when the pool is exhausted. */
    int newEntry(final int addr, final long nowMs)
    {
        final int e = enFree;
        if (NONE == e)
        {
            return NONE;
        }
        enFree = enNext[e];
        enAddr[e] = addr;
        enLastUse[e] = nowMs;
        enDest[e] = Scheduler.NO_DEST;
        enSetHead[e] = NONE;
        enSetSize[e] = 0;
        enSetLastMod[e] = nowMs;
        final int h = hashKey(addr);
        enNext[e] = bucket[h];
        bucket[h] = e;
        entries++;
        return e;
    }

    void delete(final int e)
    {
        final int h = hashKey(enAddr[e]);
        if (bucket[h] == e)
        {
            bucket[h] = enNext[e];
        }
        else
        {
            int prev = bucket[h];
            while (enNext[prev] != e)
            {
                prev = enNext[prev];
            }
            enNext[prev] = enNext[e];
        }
        for (int el = enSetHead[e]; NONE != el; )
        {
            final int next = elNext[el];
            freeElement(el);
            el = next;
        }
        enSetHead[e] = NONE;
        enSetSize[e] = 0;
        enNext[e] = enFree;
        enFree = e;
        entries--;
    }

    /** {@code ip_vs_dest_set_insert}: add at the head of the set unless (when checking) already there. */
    void setInsert(final int e, final int dest, final boolean check, final long nowMs)
    {
        if (check)
        {
            for (int el = enSetHead[e]; NONE != el; el = elNext[el])
            {
                if (elDest[el] == dest)
                {
                    return;
                }
            }
        }
        final int el = elFree;
        if (NONE == el)
        {
            return;
        }
        elFree = elNext[el];
        elDest[el] = dest;
        elNext[el] = enSetHead[e];
        enSetHead[e] = el;
        enSetSize[e]++;
        enSetLastMod[e] = nowMs;
    }

    /** {@code ip_vs_dest_set_erase}. */
    void setErase(final int e, final int dest, final long nowMs)
    {
        int prev = NONE;
        for (int el = enSetHead[e]; NONE != el; prev = el, el = elNext[el])
        {
            if (elDest[el] == dest)
            {
                enSetSize[e]--;
                enSetLastMod[e] = nowMs;
                if (NONE == prev)
                {
                    enSetHead[e] = elNext[el];
                }
                else
                {
                    elNext[prev] = elNext[el];
                }
                freeElement(el);
                return;
            }
        }
    }

    private void freeElement(final int el)
    {
        elNext[el] = elFree;
        elFree = el;
    }

    /** Run the periodic timer for every period that ended by {@code nowMs}. */
    void onTimer(final long nowMs)
    {
        while (nowMs - nextTimerMs >= 0)
        {
            checkExpire(nextTimerMs);
            nextTimerMs += CHECK_EXPIRE_INTERVAL_MS;
        }
    }

    private void checkExpire(final long now)
    {
        if (0 == counter % COUNT_FOR_FULL_EXPIRATION)
        {
            int j = rover;
            for (int i = 0; i < TAB_SIZE; i++)
            {
                j = (j + 1) & TAB_MASK;
                expireBucket(j, now, expirationMs);
            }
            rover = j;
            counter = 1;
            return;
        }
        if (entries <= MAX_SIZE)
        {
            counter++;
            return;
        }
        int goal = Math.min((entries - MAX_SIZE) * 4 / 3, MAX_SIZE / 2);
        int j = rover;
        for (int i = 0; i < TAB_SIZE; i++)
        {
            j = (j + 1) & TAB_MASK;
            goal -= expireBucket(j, now, ENTRY_TIMEOUT_MS);
            if (goal <= 0)
            {
                break;
            }
        }
        rover = j;
    }

    private int expireBucket(final int b, final long now, final long age)
    {
        int removed = 0;
        for (int e = bucket[b]; NONE != e; )
        {
            final int next = enNext[e];
            if (now - (enLastUse[e] + age) >= 0)
            {
                delete(e);
                removed++;
            }
            e = next;
        }
        return removed;
    }
}
