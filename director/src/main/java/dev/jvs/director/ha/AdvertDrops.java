package dev.jvs.director.ha;

import dev.jvs.engine.frame.Ipv4;
import dev.jvs.vrrp.VrrpCounter;
import dev.jvs.vrrp.VrrpInstance;

import java.util.Map;
import java.util.function.Consumer;

/**
 * Adverts dropped: counted (at their instance, or here when no instance took them) and logged once per kind
 * and instance. keepalived logs each one; a peer that keeps sending bad adverts would flood the log.
 */
final class AdvertDrops
{
    private static final VrrpCounter[] COUNTERS = VrrpCounter.values();

    private final Consumer<String> log;
    private final long[] dropped = new long[COUNTERS.length];
    /** Drop reasons already logged: by instance, and for adverts no instance took (bits by counter). */
    private final Map<VrrpInstance, Long> loggedByInstance = new java.util.IdentityHashMap<>();
    private long loggedDrops;
    private final long[] countsBefore = new long[COUNTERS.length];

    AdvertDrops(final Consumer<String> log)
    {
        this.log = log;
    }

    /**
     * Count a dropped advert, and log the first drop of each kind for each instance (keepalived logs each
     * one; a peer that keeps sending bad adverts would flood the log): later ones are only counted.
     */
    void drop(final VrrpInstance i, final VrrpCounter why, final int src, final String detail)
    {
        final long bit = 1L << why.ordinal();
        if (null == i)
        {
            dropped[why.ordinal()]++;
            if (0 == (loggedDrops & bit))
            {
                loggedDrops |= bit;
                log.accept("VRRP: advert from " + Ipv4.toString(src) + " dropped: " +
                    why.label() + detail + " (further drops of this kind are counted, not logged)");
            }
            return;
        }
        i.count(why);
        final Long logged = loggedByInstance.getOrDefault(i, 0L);
        if (0 == (logged & bit))
        {
            loggedByInstance.put(i, logged | bit);
            log.accept("VRRP " + i.config().name() + ": advert from " + Ipv4.toString(src) +
                " dropped: " + why.label() + detail + " (further drops of this kind are counted, not logged)");
        }
    }

    /** @param i an instance about to judge an advert: its drop counts now. */
    void before(final VrrpInstance i)
    {
        for (final VrrpCounter c : COUNTERS)
        {
            countsBefore[c.ordinal()] = i.counter(c);
        }
    }

    /**
     * The instance counted what it dropped itself (since {@link #before}); log the first of each kind.
     *
     * @param i the instance.
     * @param src the advert's source.
     */
    void logNew(final VrrpInstance i, final int src)
    {
        for (final VrrpCounter c : COUNTERS)
        {
            if (c.isDrop() && i.counter(c) != countsBefore[c.ordinal()])
            {
                final long logged = loggedByInstance.getOrDefault(i, 0L);
                if (0 == (logged & (1L << c.ordinal())))
                {
                    loggedByInstance.put(i, logged | 1L << c.ordinal());
                    log.accept("VRRP " + i.config().name() + ": advert from " + Ipv4.toString(src) +
                        " dropped: " + c.label() + " (further drops of this kind are counted, not logged)");
                }
            }
        }
    }

    /** @param c a counter. @return adverts no instance took, dropped for it. */
    long dropped(final VrrpCounter c)
    {
        return dropped[c.ordinal()];
    }
}
