package dev.jvs.schedulers;

import java.util.Arrays;

/**
 * dh ({@code ip_vs_dh.c}): a 256-bucket table filled round-robin from the list, one bucket per destination
 * in turn (weights do not shape it); the bucket is chosen by a multiplicative hash of the destination
 * address. A destination that is gone, weight 0 or overloaded means no destination.
 */
public final class DestinationHashing extends Scheduler
{
    private final int[] buckets = new int[SourceHashing.TAB_SIZE];

    /** @param dests the service's destinations. */
    public DestinationHashing(final Destinations dests)
    {
        super(dests);
        Arrays.fill(buckets, NO_DEST);
    }

    @Override
    public String name()
    {
        return "dh";
    }

    @Override
    protected void onInit()
    {
        reassign();
    }

    @Override
    protected void onDone()
    {
        Arrays.fill(buckets, NO_DEST);
    }

    @Override
    protected void onDestAdded(final int id)
    {
        reassign();
    }

    @Override
    protected void onDestRemoved(final int id, final int formerPosition)
    {
        reassign();
    }

    @Override
    protected void onDestUpdated(final int id)
    {
        reassign();
    }

    private void reassign()
    {
        final int n = dests.count;
        for (int i = 0; i < buckets.length; i++)
        {
            buckets[i] = 0 == n ? NO_DEST : dests.order[i % n];
        }
    }

    @Override
    public int pick(final Flow flow)
    {
        final int id = buckets[(flow.daddr * SourceHashing.GOLDEN) & SourceHashing.TAB_MASK];
        final Destinations d = dests;
        if (NO_DEST == id || 0 == (d.flags[id] & Destinations.F_AVAILABLE) || d.weight[id] <= 0 ||
            0 != (d.flags[id] & Destinations.F_OVERLOAD))
        {
            return NO_DEST;
        }
        return id;
    }
}
