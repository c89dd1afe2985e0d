package dev.jvs.schedulers;

/**
 * twos ({@code ip_vs_twos.c}): draw two destinations at random in proportion to their weights and take the
 * one with the lower overhead per weight (the first on a tie). Draws are {@code rand % (total + 1)}, so
 * they are inclusive of the total, as in the kernel; the products are 32-bit as the kernel's are.
 */
public final class PowerOfTwoChoices extends Scheduler
{
    private final RandomSource random;

    /**
     * @param dests the service's destinations.
     * @param random source of the two draws.
     */
    public PowerOfTwoChoices(final Destinations dests, final RandomSource random)
    {
        super(dests);
        this.random = random;
    }

    @Override
    public String name()
    {
        return "twos";
    }

    @Override
    public int pick(final Flow flow)
    {
        final Destinations d = dests;
        final int[] order = d.order;
        final int n = d.count;
        int choice1 = NO_DEST;
        int choice2 = NO_DEST;
        int totalWeight = 0;
        for (int p = 0; p < n; p++)
        {
            final int id = order[p];
            if (0 == (d.flags[id] & Destinations.F_OVERLOAD) && d.weight[id] > 0)
            {
                totalWeight += d.weight[id];
                choice1 = id;
            }
        }
        if (NO_DEST == choice1)
        {
            return NO_DEST;
        }
        totalWeight += 1;
        int rweight1 = Integer.remainderUnsigned(random.nextU32(), totalWeight);
        int rweight2 = Integer.remainderUnsigned(random.nextU32(), totalWeight);
        int weight1 = -1;
        int weight2 = -1;
        int overhead1 = 0;
        int overhead2 = 0;
        for (int p = 0; p < n; p++)
        {
            final int id = order[p];
            if (0 != (d.flags[id] & Destinations.F_OVERLOAD))
            {
                continue;
            }
            final int w = d.weight[id];
            if (w <= 0)
            {
                continue;
            }
            rweight1 -= w;
            rweight2 -= w;
            if (rweight1 <= 0 && -1 == weight1)
            {
                choice1 = id;
                weight1 = w;
                overhead1 = d.overhead(id);
            }
            if (rweight2 <= 0 && -1 == weight2)
            {
                choice2 = id;
                weight2 = w;
                overhead2 = d.overhead(id);
            }
            if (-1 != weight1 && -1 != weight2)
            {
                break;
            }
        }
        if (NO_DEST != choice2 && weight2 * overhead1 > weight1 * overhead2)
        {
            choice1 = choice2;
        }
        return choice1;
    }
}
