package dev.jvs.schedulers;

/**
 * wrr ({@code ip_vs_wrr.c}), pass by pass: the required weight {@code cw} starts at the maximum weight
 * reduced by (gcd - 1) and steps down by the gcd; each pass picks, in list order, every destination whose
 * weight reaches {@code cw}. Any add, remove or update restarts the walk from the head and keeps
 * {@code cw} where it was (clamped), exactly as {@code ip_vs_wrr_dest_changed} does, so the first cycle after
 * a change is not always a whole one.
 * <p>
 * Because the kernel adds servers at the head, servers added A=4, B=3, C=2 are scanned C, B, A and a steady
 * cycle reads A B A C B A C B A, not the A A B A B C A B C one would get from the order they were added.
 */
public final class WeightedRoundRobin extends Scheduler
{
    private static final int HEAD = -1;

    /** Position of the last chosen destination, or {@link #HEAD}. */
    private int cl = HEAD;
    private int cw;
    private int mw;
    private int di;

    /** @param dests the service's destinations. */
    public WeightedRoundRobin(final Destinations dests)
    {
        super(dests);
    }

    @Override
    public String name()
    {
        return "wrr";
    }

    @Override
    protected void onInit()
    {
        cl = HEAD;
        di = gcdWeight();
        mw = maxWeight() - (di - 1);
        cw = mw;
    }

    @Override
    protected void onDestAdded(final int id)
    {
        changed();
    }

    @Override
    protected void onDestRemoved(final int id, final int formerPosition)
    {
        changed();
    }

    @Override
    protected void onDestUpdated(final int id)
    {
        changed();
    }

    private void changed()
    {
        cl = HEAD;
        di = gcdWeight();
        mw = maxWeight() - (di - 1);
        if (cw > mw || 0 == cw)
        {
            cw = mw;
        }
        else if (di > 1)
        {
            cw = (cw / di) * di + 1;
        }
    }

    @Override
    public int pick(final Flow flow)
    {
        if (0 == mw)
        {
            return NO_DEST;
        }
        final Destinations d = dests;
        final int[] order = d.order;
        final int[] weight = d.weight;
        final int[] flags = d.flags;
        final int n = d.count;
        final int last = cl;
        int p = cl;
        int stop = Integer.MIN_VALUE;
        boolean lastPass = false;
        boolean restarted = false;
        while (true)
        {
            for (p = p + 1; p < n; p++)
            {
                final int id = order[p];
                if (0 == (flags[id] & Destinations.F_OVERLOAD) && weight[id] >= cw)
                {
                    cl = p;
                    return id;
                }
                if (p == stop)
                {
                    cl = p;
                    return NO_DEST;
                }
            }
            p = HEAD;
            cw -= di;
            if (cw <= 0)
            {
                cw = mw;
                if (lastPass || HEAD == last)
                {
                    cl = HEAD;
                    return NO_DEST;
                }
                restarted = true;
            }
            lastPass = cw <= di;
            if (lastPass && restarted && HEAD != last)
            {
                stop = last;
            }
        }
    }

    private int gcdWeight()
    {
        int g = 0;
        for (int p = 0; p < dests.count; p++)
        {
            final int w = dests.weight[dests.order[p]];
            if (w > 0)
            {
                g = g > 0 ? gcd(w, g) : w;
            }
        }
        return g > 0 ? g : 1;
    }

    private int maxWeight()
    {
        int m = 0;
        for (int p = 0; p < dests.count; p++)
        {
            m = Math.max(m, dests.weight[dests.order[p]]);
        }
        return m;
    }

    static int gcd(final int a, final int b)
    {
        int x = a;
        int y = b;
        while (0 != y)
        {
            final int t = x % y;
            x = y;
            y = t;
        }
        return x;
    }

    /** @return the current required weight (tests). */
    int currentWeight()
    {
        return cw;
    }
}
