package dev.jvs.schedulers;

/**
 * A tournament tree over list positions that always holds the answer the kernel's linear scan would give
 * for a {@link Ranking}: each node keeps the earliest best destination of its range, the left range winning
 * ties. A pick reads the root; a change to one destination's counters replays its path to the root
 * (log2 of the list size); adding or removing a destination rebuilds the tree.
 * <p>
 * This is how lc, wlc, sed, nq, fo and ovf pick in O(1) from a thousand servers while choosing exactly what
 * the kernel's O(n) scan chooses: the scan returns the earliest destination that no later one strictly
 * beats, and for these orders that is the earliest minimum, which is what the tree combines.
 */
final class LoadIndex
{
    private final Destinations dests;
    private final Ranking ranking;
    private int[] tree = new int[2];
    private int leaves = 1;

    LoadIndex(final Destinations dests, final Ranking ranking)
    {
        this.dests = dests;
        this.ranking = ranking;
    }

    /** Rebuild from the list, after it changed shape. */
    void rebuild()
    {
        final Destinations d = dests;
        int l = 1;
        while (l < d.count)
        {
            l <<= 1;
        }
        leaves = l;
        if (tree.length < 2 * l)
        {
            tree = new int[2 * l];
        }
        for (int p = 0; p < l; p++)
        {
            tree[l + p] = p < d.count ? leaf(d.order[p]) : Scheduler.NO_DEST;
        }
        for (int i = l - 1; i >= 1; i--)
        {
            tree[i] = combine(tree[2 * i], tree[2 * i + 1]);
        }
    }

    /**
     * Replay one destination's path after its weight, flags or counters changed.
     *
     * @param id a listed destination.
     */
    void update(final int id)
    {
        final int[] t = tree;
        int i = leaves + dests.pos[id];
        t[i] = leaf(id);
        i >>= 1;
        while (i >= 1)
        {
            final int next = combine(t[2 * i], t[2 * i + 1]);
            // Same winner, and not the one whose load changed: nothing above can change either.
            if (next == t[i] && next != id)
            {
                return;
            }
            t[i] = next;
            i >>= 1;
        }
    }

    /** @return the destination the kernel's scan would choose, or {@link Scheduler#NO_DEST}. */
    int best()
    {
        return tree[1];
    }

    private int leaf(final int id)
    {
        return ranking.eligible(dests, id) ? id : Scheduler.NO_DEST;
    }

    private int combine(final int left, final int right)
    {
        if (left < 0)
        {
            return right;
        }
        if (right < 0)
        {
            return left;
        }
        return ranking.better(dests, left, right) ? right : left;
    }
}
