package dev.jvs.schedulers;

import org.junit.jupiter.api.Test;

import static dev.jvs.schedulers.Fixtures.client;
import static dev.jvs.schedulers.Fixtures.ip;
import static dev.jvs.schedulers.Fixtures.rip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalityBasedTest
{
    private static final long HOUR_MS = 3_600_000L;
    private static final int X = ip(198, 19, 7, 1);

    private final Destinations d = new Destinations();
    private final Flow f = new Flow();

    private Flow to(final int daddr, final long nowMs)
    {
        return f.set(Flow.TCP, client(1), 40000, daddr, 80, nowMs);
    }

    @Test
    void lblcShouldKeepADestinationAddressOnItsServerWhileWlcWouldChooseAnother()
    {
        final int b = d.add(rip(12), 80, 1, 0, 0);
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final LocalityBased s = new LocalityBased(d, false, 0);
        d.scheduler(s);
        assertEquals(a, s.pick(to(X, 0)), "wlc tie: head");
        d.counts(a, 0, 50);
        assertEquals(a, s.pick(to(X, 1)), "cached");
        assertEquals(b, s.pick(to(ip(198, 19, 7, 2), 1)), "a new address goes by wlc");
    }

    @Test
    void lblcShouldRemapWhenTheServerIsOverloadedAndAnotherIsUnderHalf()
    {
        final int b = d.add(rip(12), 80, 4, 0, 0);
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final LocalityBased s = new LocalityBased(d, false, 0);
        d.scheduler(s);
        assertEquals(a, s.pick(to(X, 0)));
        d.counts(a, 2, 0);
        d.counts(b, 2, 0);
        assertEquals(a, s.pick(to(X, 0)), "a is over its weight but nobody is under half");
        d.counts(b, 1, 0);
        assertEquals(b, s.pick(to(X, 0)), "b is under half: a counts as overloaded, remap");
        d.counts(a, 0, 0);
        assertEquals(b, s.pick(to(X, 0)), "the map now points to b");
    }

    @Test
    void lblcShouldRemapWhenTheServerIsRemovedOrQuiesced()
    {
        final int b = d.add(rip(12), 80, 1, 0, 0);
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final LocalityBased s = new LocalityBased(d, false, 0);
        d.scheduler(s);
        assertEquals(a, s.pick(to(X, 0)));
        d.update(a, 0, 0, 0);
        assertEquals(b, s.pick(to(X, 0)));
        d.update(a, 5, 0, 0);
        d.counts(b, 0, 9);
        assertEquals(b, s.pick(to(X, 0)), "the map moved with the remap");
        d.remove(b);
        assertEquals(a, s.pick(to(X, 0)));
    }

    @Test
    void lblcShouldExpireAnUnusedAddressAtTheFirstFullCheckAfter24Hours()
    {
        final int b = d.add(rip(12), 80, 1, 0, 0);
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final LocalityBased s = new LocalityBased(d, false, 0);
        d.scheduler(s);
        assertEquals(a, s.pick(to(X, 0)));
        d.counts(a, 0, 5);
        // Full checks run every 30th minute timer: at 1800 s, 3600 s, ... 86400 s.
        s.onTimer(24 * HOUR_MS - 1);
        assertEquals(1, s.cachedServers(X));
        s.onTimer(24 * HOUR_MS);
        assertEquals(0, s.cachedServers(X));
        assertEquals(b, s.pick(to(X, 24 * HOUR_MS)), "scheduled afresh by wlc");
    }

    @Test
    void lblcShouldCacheAtMost16385AddressesAndCollectThoseUnusedFor6MinutesAboveTheLimit()
    {
        d.add(rip(11), 80, 1, 0, 0);
        final LocalityBased s = new LocalityBased(d, false, 0);
        d.scheduler(s);
        for (int i = 0; i < 20_000; i++)
        {
            s.pick(to(ip(198, 19, 128 + (i >> 8), i & 0xff), 0));
        }
        // ip_vs_lblc_new: no new entry once entries > max_size (16384).
        assertEquals(16_385, s.entries());
        s.onTimer(5 * 60_000);
        assertEquals(16_385, s.entries(), "younger than 6 minutes");
        s.onTimer(7 * 60_000);
        // goal = (16385 - 16384) * 4 / 3 = 1: the first bucket after the rover that holds an entry goes whole.
        assertTrue(s.entries() < 16_385 && s.entries() > 16_300, "entries " + s.entries());
    }

    @Test
    void lblcShouldStillScheduleWhenItsMapIsFull()
    {
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final LocalityBased s = new LocalityBased(d, false, 2, LocalityTable.DEFAULT_EXPIRATION_MS, 0);
        d.scheduler(s);
        for (int i = 0; i < 3; i++)
        {
            assertEquals(a, s.pick(to(ip(198, 19, 7, i), 0)));
        }
        assertEquals(2, s.entries());
        assertEquals(0, s.cachedServers(ip(198, 19, 7, 2)));
    }

    @Test
    void lblcrShouldReplicateToTheWlcChoiceAndShrinkAfterTheSetIsStableForTheExpiration()
    {
        final int b = d.add(rip(12), 80, 4, 0, 0);
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final LocalityBased s = new LocalityBased(d, true, 0);
        d.scheduler(s);
        assertEquals(a, s.pick(to(X, 0)));
        d.counts(a, 2, 0);
        assertEquals(b, s.pick(to(X, 0)), "a overloaded and b under half: add b to the set");
        assertEquals(2, s.cachedServers(X));
        d.counts(b, 5, 0);
        assertEquals(b, s.pick(to(X, 0)), "least loaded of {b, a}: 1280/4 < 512/1");
        for (long t = HOUR_MS; t <= 24 * HOUR_MS; t += HOUR_MS)
        {
            s.onTimer(t);
            s.pick(to(X, t));
            assertEquals(2, s.cachedServers(X), "at " + t);
        }
        final long later = 24 * HOUR_MS + 1;
        s.onTimer(later);
        assertEquals(b, s.pick(to(X, later)));
        assertEquals(1, s.cachedServers(X), "the most loaded (a) left the set");
        d.counts(b, 0, 0);
        d.counts(a, 0, 0);
        assertEquals(b, s.pick(to(X, later)), "only b is left for X");
    }

    @Test
    void lblcrShouldEraseOneMemberPerExpirationBecauseTheEraseRestartsTheClock()
    {
        final int c = d.add(rip(13), 80, 4, 0, 0);
        final int b = d.add(rip(12), 80, 4, 0, 0);
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final LocalityBased s = new LocalityBased(d, true, 0);
        d.scheduler(s);
        assertEquals(a, s.pick(to(X, 0)));
        d.counts(a, 2, 0);
        assertEquals(b, s.pick(to(X, 0)), "a overloaded, b and c under half: wlc's head-most least is b");
        d.counts(b, 5, 0);
        assertEquals(c, s.pick(to(X, 0)), "b overloaded too: c joins");
        assertEquals(3, s.cachedServers(X));
        for (long t = HOUR_MS; t < 24 * HOUR_MS; t += HOUR_MS)
        {
            s.onTimer(t);
            s.pick(to(X, t));
            assertEquals(3, s.cachedServers(X), "used every hour, modified at 0: kept whole until " + t);
        }
        final long t1 = 24 * HOUR_MS + 1;
        s.onTimer(t1);
        s.pick(to(X, t1));
        assertEquals(2, s.cachedServers(X), "one member erased after the expiration");
        for (long t = t1 + 1; t <= t1 + 24 * HOUR_MS; t += HOUR_MS)
        {
            s.onTimer(t);
            s.pick(to(X, t));
            assertEquals(2, s.cachedServers(X), "the erase set lastmod: nothing more until " + (2 * t1) + ", at " + t);
        }
        final long t2 = t1 + 24 * HOUR_MS + 1;
        s.onTimer(t2);
        s.pick(to(X, t2));
        assertEquals(1, s.cachedServers(X), "a second expiration later, the next member goes");
    }
}
