package dev.jvs.schedulers;

/**
 * rr ({@code ip_vs_rr.c}): continue after the last chosen destination, wrapping once, skipping overloaded
 * and weight-0 ones. The position survives additions (a new server at the head is reached on the next
 * wrap); when the current destination is removed the position moves to its predecessor.
 */
public final class RoundRobin extends Scheduler
{
    private static final int HEAD = -1;

    /** Id of the last chosen destination, or {@link #HEAD}. */
    private int current = HEAD;

    /** @param dests the service's destinations. */
    public RoundRobin(final Destinations dests)
    {
        super(dests);
    }

    @Override
    public String name()
    {
        return "rr";
    }

    @Override
    protected void onInit()
    {
        current = HEAD;
    }

    @Override
    protected void onDestRemoved(final int id, final int formerPosition)
    {
        if (current == id)
        {
            current = 0 == formerPosition ? HEAD : dests.order[formerPosition - 1];
        }
    }

    @Override
    public int pick(final Flow flow)
    {
        final Destinations d = dests;
        final int[] order = d.order;
        final int n = d.count;
        final int start = HEAD == current ? -1 : d.pos[current];
        // From the one after 'start' to the tail, then from the head up to and including 'start'.
        for (int i = 1; i <= n; i++)
        {
            int p = start + i;
            if (p >= n)
            {
                p -= n;
            }
            final int id = order[p];
            if (0 == (d.flags[id] & Destinations.F_OVERLOAD) && d.weight[id] > 0)
            {
                current = id;
                return id;
            }
        }
        return NO_DEST;
    }
}
