package dev.jvs.engine;

/** One worker's frame counters, indexed by {@link Counter#ordinal()}; single writer. */
public final class Counters
{
    private static final Counter[] ALL = Counter.values();
    private final long[] values = new long[ALL.length];

    /** @param c counter to increment. */
    public void inc(final Counter c)
    {
        values[c.ordinal()]++;
    }

    /**
     * @param c counter.
     * @param n amount to add (counts the kernel keeps and the worker gathers).
     */
    public void add(final Counter c, final long n)
    {
        values[c.ordinal()] += n;
    }

    /** @param c counter. @return its value. */
    public long get(final Counter c)
    {
        return values[c.ordinal()];
    }

    /** @return total of the drop counters. */
    public long drops()
    {
        long n = 0;
        for (final Counter c : ALL)
        {
            if (c.isDrop())
            {
                n += values[c.ordinal()];
            }
        }
        return n;
    }

    /** @return a copy of every counter, by ordinal (on the writer's thread). */
    public long[] snapshot()
    {
        return values.clone();
    }

    /** Reset all to zero. */
    public void clear()
    {
        java.util.Arrays.fill(values, 0);
    }
}
