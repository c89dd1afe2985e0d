package dev.jvs.schedulers;

/**
 * dh ({@code ip_vs_dh.c}): a 256-bucket table filled round-robin from the list, one bucket per destination
 * in turn (weights do not shape it); the bucket is the kernel's {@code ip_vs_dh_hashkey},
 * {@code hash_32(ntohl(daddr), 8)}. A destination that is gone, weight 0 or overloaded means no destination.
 */
public final class DestinationHashing extends TableScheduler
{
    /** @param dests the service's destinations. */
    public DestinationHashing(final Destinations dests)
    {
        super(dests, SourceHashing.TAB_SIZE);
    }

    @Override
    public String name()
    {
        return "dh";
    }

    @Override
    void reassign()
    {
        final int n = dests.count;
        for (int i = 0; i < table.length; i++)
        {
            table[i] = 0 == n ? NO_DEST : dests.order[i % n];
        }
    }

    @Override
    public int pick(final Flow flow)
    {
        final int id = table[KernelHash.hash32(flow.daddr, SourceHashing.TAB_BITS)];
        return NO_DEST == id || 0 == (dests.flags[id] & Destinations.F_AVAILABLE) || !usable(id) ? NO_DEST : id;
    }
}
