package dev.jvs.schedulers;

/**
 * lblc and lblcr ({@code ip_vs_lblc.c}, {@code ip_vs_lblcr.c}): locality-based least-connection, for cache
 * clusters where a destination address should keep going to the same server.
 * <p>
 * lblc maps each destination address to one server. On a hit it keeps that server unless it was removed,
 * has weight 0, or "is overloaded": more active connections than its weight while some server has fewer
 * than half its weight active. Otherwise it schedules as wlc and re-maps the address.
 * <p>
 * lblcr ("with replication") maps each address to a set of servers and uses the least loaded of the set
 * (overhead per weight); when that one is overloaded in the same sense it adds the wlc choice to the set;
 * when the set has more than one server and has not changed for the expiration time, the most loaded one
 * is dropped from it.
 * <p>
 * The wlc step reads a {@link LoadIndex}; whether any server is under half its weight is a maintained count.
 */
public final class LocalityBased extends Scheduler
{
    /**
     * The kernel's limit: {@code ip_vs_lblc_new} refuses a new entry once the table holds more than
     * {@code max_size} (1024 buckets * 16), so it never holds more than 16385; the address is then scheduled
     * by wlc every time until the collector makes room.
     */
    public static final int DEFAULT_CAPACITY = LocalityTable.MAX_SIZE + 1;

    private final boolean replicated;
    private final LoadIndex wlc;
    private final LocalityTable table;
    private boolean[] underHalf = new boolean[16];
    private int underHalfCount;

    /**
     * @param dests the service's destinations.
     * @param replicated true for lblcr, false for lblc.
     * @param capacity most addresses cached at once.
     * @param expirationMs the {@code lblc_expiration}/{@code lblcr_expiration} sysctl, milliseconds.
     * @param nowMs time of binding (the garbage collection timer starts from it).
     */
    public LocalityBased(
        final Destinations dests, final boolean replicated, final int capacity, final long expirationMs,
        final long nowMs)
    {
        super(dests);
        this.replicated = replicated;
        this.wlc = new LoadIndex(dests, Ranking.WLC);
        this.table = new LocalityTable(capacity, replicated ? capacity * 4 : 0, expirationMs);
        table.reset(nowMs);
    }

    /**
     * With the kernel's defaults: 24 h expiration.
     *
     * @param dests the service's destinations.
     * @param replicated true for lblcr.
     * @param nowMs time of binding.
     */
    public LocalityBased(final Destinations dests, final boolean replicated, final long nowMs)
    {
        this(dests, replicated, DEFAULT_CAPACITY, LocalityTable.DEFAULT_EXPIRATION_MS, nowMs);
    }

    @Override
    public String name()
    {
        return replicated ? "lblcr" : "lblc";
    }

    @Override
    protected void onInit()
    {
        listChanged();
    }

    @Override
    protected void onDestAdded(final int id)
    {
        listChanged();
    }

    @Override
    protected void onDestRemoved(final int id, final int formerPosition)
    {
        if (id < underHalf.length && underHalf[id])
        {
            underHalf[id] = false;
            underHalfCount--;
        }
        wlc.rebuild();
    }

    @Override
    protected void onDestUpdated(final int id)
    {
        onLoadChanged(id);
    }

    @Override
    protected void onLoadChanged(final int id)
    {
        wlc.update(id);
        final boolean under = isUnderHalf(id);
        if (under != underHalf[id])
        {
            underHalf[id] = under;
            underHalfCount += under ? 1 : -1;
        }
    }

    @Override
    public void onTimer(final long nowMs)
    {
        table.onTimer(nowMs);
    }

    private void listChanged()
    {
        if (underHalf.length < dests.idLimit())
        {
            underHalf = new boolean[Math.max(dests.idLimit(), underHalf.length * 2)];
        }
        java.util.Arrays.fill(underHalf, false);
        underHalfCount = 0;
        for (int p = 0; p < dests.count; p++)
        {
            final int id = dests.order[p];
            if (isUnderHalf(id))
            {
                underHalf[id] = true;
                underHalfCount++;
            }
        }
        wlc.rebuild();
    }

    private boolean isUnderHalf(final int id)
    {
        return dests.active[id] * 2 < dests.weight[id];
    }

    /** The kernel's {@code is_overloaded(dest, svc)} for lblc/lblcr. */
    private boolean isOverloaded(final int id)
    {
        return dests.active[id] > dests.weight[id] && underHalfCount > 0;
    }

    @Override
    public int pick(final Flow flow)
    {
        return replicated ? pickReplicated(flow) : pickSingle(flow);
    }

    private int pickSingle(final Flow flow)
    {
        final LocalityTable t = table;
        final Destinations d = dests;
        final long now = flow.nowMs;
        int e = t.get(flow.daddr);
        if (LocalityTable.NONE != e)
        {
            t.enLastUse[e] = now;
            final int id = t.enDest[e];
            if (0 != (d.flags[id] & Destinations.F_AVAILABLE) && d.weight[id] > 0 && !isOverloaded(id))
            {
                return id;
            }
        }
        final int id = wlc.best();
        if (NO_DEST == id)
        {
            return NO_DEST;
        }
        // ip_vs_lblc_new: keep an entry that already points there, else replace it.
        if (LocalityTable.NONE != e)
        {
            if (t.enDest[e] == id)
            {
                return id;
            }
            t.delete(e);
        }
        e = t.newEntry(flow.daddr, now);
        if (LocalityTable.NONE != e)
        {
            t.enDest[e] = id;
        }
        return id;
    }

    private int pickReplicated(final Flow flow)
    {
        final LocalityTable t = table;
        final long now = flow.nowMs;
        final int e = t.get(flow.daddr);
        if (LocalityTable.NONE != e)
        {
            t.enLastUse[e] = now;
            int id = setMin(e);
            if (t.enSetSize[e] > 1 && now - (t.enSetLastMod[e] + t.expirationMs) > 0)
            {
                final int m = setMax(e);
                if (NO_DEST != m)
                {
                    t.setErase(e, m, now);
                }
            }
            if (NO_DEST != id && !isOverloaded(id))
            {
                return id;
            }
            id = wlc.best();
            if (NO_DEST == id)
            {
                return NO_DEST;
            }
            t.setInsert(e, id, true, now);
            return id;
        }
        final int id = wlc.best();
        if (NO_DEST == id)
        {
            return NO_DEST;
        }
        final int ne = t.newEntry(flow.daddr, now);
        if (LocalityTable.NONE != ne)
        {
            t.setInsert(ne, id, false, now);
        }
        return id;
    }

    /** {@code ip_vs_dest_set_min}: least overhead per weight among available, non-overloaded members. */
    private int setMin(final int e)
    {
        final LocalityTable t = table;
        final Destinations d = dests;
        int el = t.enSetHead[e];
        int least = NO_DEST;
        for (; LocalityTable.NONE != el; el = t.elNext[el])
        {
            final int id = t.elDest[el];
            if (0 != (d.flags[id] & Destinations.F_OVERLOAD))
            {
                continue;
            }
            if (d.weight[id] > 0 && 0 != (d.flags[id] & Destinations.F_AVAILABLE))
            {
                least = id;
                break;
            }
        }
        if (NO_DEST == least)
        {
            return NO_DEST;
        }
        int loh = d.overhead(least);
        for (el = t.elNext[el]; LocalityTable.NONE != el; el = t.elNext[el])
        {
            final int id = t.elDest[el];
            if (0 != (d.flags[id] & Destinations.F_OVERLOAD))
            {
                continue;
            }
            final int doh = d.overhead(id);
            if ((long)loh * d.weight[id] > (long)doh * d.weight[least] &&
                0 != (d.flags[id] & Destinations.F_AVAILABLE))
            {
                least = id;
                loh = doh;
            }
        }
        return least;
    }

    /** {@code ip_vs_dest_set_max}: most overhead per weight among members with weight. */
    private int setMax(final int e)
    {
        final LocalityTable t = table;
        final Destinations d = dests;
        int el = t.enSetHead[e];
        int most = NO_DEST;
        for (; LocalityTable.NONE != el; el = t.elNext[el])
        {
            if (d.weight[t.elDest[el]] > 0)
            {
                most = t.elDest[el];
                break;
            }
        }
        if (NO_DEST == most)
        {
            return NO_DEST;
        }
        int moh = d.overhead(most);
        for (el = t.elNext[el]; LocalityTable.NONE != el; el = t.elNext[el])
        {
            final int id = t.elDest[el];
            final int doh = d.overhead(id);
            if ((long)moh * d.weight[id] < (long)doh * d.weight[most] && d.weight[id] > 0)
            {
                most = id;
                moh = doh;
            }
        }
        return most;
    }

    /** @return cached addresses (tests). */
    int entries()
    {
        return table.entries;
    }

    /**
     * @param daddr destination address.
     * @return number of servers cached for it, 0 when not cached (tests).
     */
    int cachedServers(final int daddr)
    {
        final int e = table.get(daddr);
        if (LocalityTable.NONE == e)
        {
            return 0;
        }
        return replicated ? table.enSetSize[e] : 1;
    }
}
