package dev.jvs.schedulers;

/**
 * The order a least-connection family scheduler scans for: which destinations qualify and when a later one
 * beats the best so far. Every kernel scheduler of that family keeps the earliest destination on ties, so
 * its linear scan returns the earliest best under this order, which {@link LoadIndex} can answer without
 * scanning.
 */
interface Ranking
{
    /**
     * @param d destinations.
     * @param id a listed destination.
     * @return true when the scan may choose it.
     */
    boolean eligible(Destinations d, int id);

    /**
     * @param d destinations.
     * @param best the best so far (eligible).
     * @param candidate a later destination (eligible).
     * @return true when the kernel's scan replaces {@code best} by {@code candidate}.
     */
    boolean better(Destinations d, int best, int candidate);

    /** lc: fewest overhead; weight 0 and overloaded are skipped. */
    Ranking LC = new Ranking()
    {
        public boolean eligible(final Destinations d, final int id)
        {
            return 0 == (d.flags[id] & Destinations.F_OVERLOAD) && 0 != d.weight[id];
        }

        public boolean better(final Destinations d, final int best, final int candidate)
        {
            return d.overhead(candidate) < d.overhead(best);
        }
    };

    /** wlc (and the scan inside lblc/lblcr): fewest overhead per weight, compared by cross-multiplying. */
    Ranking WLC = new Ranking()
    {
        public boolean eligible(final Destinations d, final int id)
        {
            return 0 == (d.flags[id] & Destinations.F_OVERLOAD) && d.weight[id] > 0;
        }

        public boolean better(final Destinations d, final int best, final int candidate)
        {
            return (long)d.overhead(best) * d.weight[candidate] > (long)d.overhead(candidate) * d.weight[best];
        }
    };

    /** sed: fewest (active + 1) per weight. */
    Ranking SED = new Ranking()
    {
        public boolean eligible(final Destinations d, final int id)
        {
            return 0 == (d.flags[id] & Destinations.F_OVERLOAD) && d.weight[id] > 0;
        }

        public boolean better(final Destinations d, final int best, final int candidate)
        {
            return (long)(d.active[best] + 1) * d.weight[candidate] >
                (long)(d.active[candidate] + 1) * d.weight[best];
        }
    };

    /** nq: the first idle destination, else as sed. */
    Ranking NQ = new Ranking()
    {
        public boolean eligible(final Destinations d, final int id)
        {
            return 0 == (d.flags[id] & Destinations.F_OVERLOAD) && 0 != d.weight[id];
        }

        public boolean better(final Destinations d, final int best, final int candidate)
        {
            if (0 == d.active[best])
            {
                return false;
            }
            if (0 == d.active[candidate])
            {
                return true;
            }
            return (long)(d.active[best] + 1) * d.weight[candidate] >
                (long)(d.active[candidate] + 1) * d.weight[best];
        }
    };

    /** fo: highest weight. */
    Ranking FO = new Ranking()
    {
        public boolean eligible(final Destinations d, final int id)
        {
            return 0 == (d.flags[id] & Destinations.F_OVERLOAD) && d.weight[id] > 0;
        }

        public boolean better(final Destinations d, final int best, final int candidate)
        {
            return d.weight[candidate] > d.weight[best];
        }
    };

    /** ovf: highest weight among those whose active connections do not exceed their weight. */
    Ranking OVF = new Ranking()
    {
        public boolean eligible(final Destinations d, final int id)
        {
            final int w = d.weight[id];
            return 0 == (d.flags[id] & Destinations.F_OVERLOAD) && d.active[id] <= w && 0 != w;
        }

        public boolean better(final Destinations d, final int best, final int candidate)
        {
            return d.weight[candidate] > d.weight[best];
        }
    };
}
