package dev.jvs.director.ha;

import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.vrrp.VrrpCounter;
import dev.jvs.vrrp.VrrpInstance;
import dev.jvs.vrrp.VrrpPacket;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;
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
    void drop(final VrrpInstance i, final VrrpCounter why, final DirectBuffer b, final int ip, final String detail)
    {
        final long bit = 1L << why.ordinal();
        if (null == i)
        {
            dropped[why.ordinal()]++;
            if (0 == (loggedDrops & bit))
            {
                loggedDrops |= bit;
                log.accept("VRRP: advert from " + source(b, ip) + " dropped: " +
                    why.label() + detail + " (further drops of this kind are counted, not logged)");
            }
            return;
        }
        i.count(why);
        final Long logged = loggedByInstance.getOrDefault(i, 0L);
        if (0 == (logged & bit))
        {
            loggedByInstance.put(i, logged | bit);
            log.accept("VRRP " + i.config().name() + ": advert from " + source(b, ip) +
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
     * @param b the advert's buffer.
     * @param ip its IP header.
     */
    void logNew(final VrrpInstance i, final DirectBuffer b, final int ip)
    {
        for (final VrrpCounter c : COUNTERS)
        {
            if (c.isDrop() && i.counter(c) != countsBefore[c.ordinal()])
            {
                final long logged = loggedByInstance.getOrDefault(i, 0L);
                if (0 == (logged & (1L << c.ordinal())))
                {
                    loggedByInstance.put(i, logged | 1L << c.ordinal());
                    log.accept("VRRP " + i.config().name() + ": advert from " + source(b, ip) +
                        " dropped: " + c.label() + " (further drops of this kind are counted, not logged)");
                }
            }
        }
    }

    /**
     * @param b buffer.
     * @param ip an IPv4 or IPv6 header (at least its addresses there).
     * @return its source address as text (IPv6 as inet_ntop writes it).
     */
    static String source(final DirectBuffer b, final int ip)
    {
        if (VrrpPacket.isIpv6(b, ip))
        {
            return new IpAddress(true, b.getLong(ip + 8, ByteOrder.BIG_ENDIAN), b.getLong(ip + 16,
                ByteOrder.BIG_ENDIAN)).toString();
        }
        return Ipv4.toString(b.getInt(ip + 12, ByteOrder.BIG_ENDIAN));
    }

    /** @param c a counter. @return adverts no instance took, dropped for it. */
    long dropped(final VrrpCounter c)
    {
        return dropped[c.ordinal()];
    }
}
