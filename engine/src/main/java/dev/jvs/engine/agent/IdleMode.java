package dev.jvs.engine.agent;

import org.agrona.concurrent.IdleStrategy;

/**
 * What an agent does when a cycle found no work ({@code jvs run --idle}). One mechanism for every agent: the
 * mode picks the Agrona {@link IdleStrategy}, and the agent says how it sleeps (a worker in poll(2) on its
 * receive ring, the conductor in a timed park) through a {@link Waiter}.
 */
public enum IdleMode
{
    /** Sleep at once (the default: an idle director takes no CPU). */
    POLL,
    /** Spin 100 cycles, yield 100, then sleep: a burst after a pause finds the thread awake. */
    BACKOFF,
    /** Never sleep: the lowest latency, a core per agent. */
    SPIN;

    private static final int SPINS = 100;
    private static final int YIELDS = 100;
    private static final int MAX_SLEEP_MS = 10;

    /** How an agent sleeps until work may have arrived. */
    @FunctionalInterface
    public interface Waiter
    {
        /**
         * Sleep until work may be ready, at most this long (the agent may cut it short for its own timers).
         *
         * @param maxMs most milliseconds.
         */
        void await(int maxMs);
    }

    /**
     * @param waiter how the agent sleeps.
     * @return a new strategy (one per agent: it counts that agent's idle cycles).
     */
    public IdleStrategy strategy(final Waiter waiter)
    {
        return new Strategy(this, waiter);
    }

    /**
     * @param name the option's value.
     * @return the mode.
     * @throws IllegalArgumentException with the sentence {@code jvs run} prints.
     */
    public static IdleMode parse(final String name)
    {
        return switch (name)
        {
            case "poll" -> POLL;
            case "backoff" -> BACKOFF;
            case "spin" -> SPIN;
            default -> throw new IllegalArgumentException("--idle must be poll, backoff or spin, not " + name);
        };
    }

    private static final class Strategy implements IdleStrategy
    {
        private final IdleMode mode;
        private final Waiter waiter;
        private int idleCycles;

        Strategy(final IdleMode mode, final Waiter waiter)
        {
            this.mode = mode;
            this.waiter = waiter;
        }

        @Override
        public void idle(final int workCount)
        {
            if (workCount > 0)
            {
                idleCycles = 0;
            }
            else
            {
                idle();
            }
        }

        @Override
        public void idle()
        {
            idleCycles++;
            if (SPIN == mode || BACKOFF == mode && idleCycles <= SPINS)
            {
                Thread.onSpinWait();
            }
            else if (BACKOFF == mode && idleCycles <= SPINS + YIELDS)
            {
                Thread.yield();
            }
            else
            {
                waiter.await(MAX_SLEEP_MS);
            }
        }

        @Override
        public void reset()
        {
            idleCycles = 0;
        }

        @Override
        public String alias()
        {
            return mode.name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
