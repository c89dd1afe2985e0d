package dev.jvs.schedulers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.jvs.schedulers.Fixtures.client;
import static dev.jvs.schedulers.Fixtures.rip;
import static dev.jvs.schedulers.Fixtures.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;

class LeastConnectionFamilyTest
{
    private final Destinations d = new Destinations();
    private final Flow f = tcp(client(1), 40000);

    @Test
    void lcShouldBreakTiesTowardsTheHeadWhichIsTheNewestServer()
    {
        final Scheduler s = Fixtures.bind("lc", d, 0);
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final int b = d.add(rip(12), 80, 1, 0, 0);
        assertEquals(b, s.pick(f));
        d.bind(b, Destinations.CONN_INACTIVE);
        assertEquals(a, s.pick(f));
    }

    @Test
    void lcShouldWeighOneActiveConnectionAs256Inactive()
    {
        final Scheduler s = Fixtures.bind("lc", d, 0);
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final int b = d.add(rip(12), 80, 1, 0, 0);
        d.counts(b, 1, 0);
        d.counts(a, 0, 255);
        assertEquals(a, s.pick(f), "255 inactive < 1 active");
        d.counts(a, 0, 256);
        assertEquals(b, s.pick(f), "tie at 256: head wins");
        d.counts(a, 0, 257);
        assertEquals(b, s.pick(f));
    }

    @Test
    void lcShouldIgnoreWeightsExceptZero()
    {
        final Scheduler s = Fixtures.bind("lc", d, 0);
        final int a = d.add(rip(11), 80, 100, 0, 0);
        final int b = d.add(rip(12), 80, 1, 0, 0);
        d.counts(a, 2, 0);
        d.counts(b, 1, 0);
        assertEquals(b, s.pick(f));
        d.update(b, 0, 0, 0);
        assertEquals(a, s.pick(f), "weight 0 quiesces");
    }

    @Test
    void wlcShouldCompareOverheadPerWeight()
    {
        final Scheduler s = Fixtures.bind("wlc", d, 0);
        final int a = d.add(rip(11), 80, 3, 0, 0);
        final int b = d.add(rip(12), 80, 1, 0, 0);
        d.counts(a, 2, 0);
        d.counts(b, 1, 0);
        assertEquals(a, s.pick(f), "512/3 < 256/1");
        d.counts(a, 3, 0);
        assertEquals(b, s.pick(f), "768/3 = 256/1: tie goes to the head (b)");
    }

    @Test
    void sedShouldCountTheConnectionAboutToBeMade()
    {
        // Both idle: wlc ties (0/w) and takes the head; sed prefers the bigger server: (0+1)/3 < (0+1)/1.
        final int a = d.add(rip(11), 80, 3, 0, 0);
        final int b = d.add(rip(12), 80, 1, 0, 0);
        assertEquals(b, Fixtures.bind("wlc", d, 0).pick(f));
        assertEquals(a, Fixtures.bind("sed", d, 0).pick(f));
        d.counts(a, 3, 0);
        assertEquals(b, Fixtures.bind("sed", d, 0).pick(f), "(3+1)/3 > (0+1)/1");
    }

    @Test
    void nqShouldTakeTheFirstIdleServerWhateverItsWeight()
    {
        final Scheduler s = Fixtures.bind("nq", d, 0);
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final int b = d.add(rip(12), 80, 100, 0, 0);
        final int c = d.add(rip(13), 80, 100, 0, 0);
        d.counts(c, 1, 0);
        d.counts(b, 1, 0);
        assertEquals(a, s.pick(f), "a is idle");
        d.counts(a, 1, 1000);
        assertEquals(c, s.pick(f), "none idle: sed order, tie to the head");
    }

    @Test
    void foShouldTakeTheHighestWeightAndTheHeadOnTies()
    {
        final Scheduler s = Fixtures.bind("fo", d, 0);
        final int a = d.add(rip(11), 80, 5, 0, 0);
        final int b = d.add(rip(12), 80, 5, 0, 0);
        final int c = d.add(rip(13), 80, 1, 0, 0);
        assertEquals(b, s.pick(f));
        d.update(b, 5, 1, 0);
        d.bind(b, Destinations.CONN_INACTIVE);
        assertEquals(a, s.pick(f), "overloaded b fails over to a");
        d.update(a, 0, 0, 0);
        assertEquals(c, s.pick(f));
    }

    @Test
    void ovfShouldSkipServersWithMoreActiveConnectionsThanWeight()
    {
        final Scheduler s = Fixtures.bind("ovf", d, 0);
        final int a = d.add(rip(11), 80, 2, 0, 0);
        final int b = d.add(rip(12), 80, 3, 0, 0);
        d.counts(b, 3, 50);
        assertEquals(b, s.pick(f), "3 active is not more than weight 3");
        d.counts(b, 4, 0);
        assertEquals(a, s.pick(f));
        d.counts(a, 3, 0);
        assertEquals(Scheduler.NO_DEST, s.pick(f));
    }

    @Test
    void shouldHonourThresholdsAcrossTheFamily()
    {
        final Scheduler s = Fixtures.bind("wlc", d, 0);
        final int a = d.add(rip(11), 80, 1, 2, 0);
        final int b = d.add(rip(12), 80, 1, 0, 0);
        d.counts(b, 10, 0);
        assertEquals(a, Fixtures.connect(s, d, f));
        assertEquals(a, Fixtures.connect(s, d, f));
        assertEquals(b, s.pick(f), "a reached u=2");
        d.unbind(a, Destinations.CONN_INACTIVE);
        assertEquals(a, s.pick(f), "1*4 < 2*3 clears the mark");
    }

    /**
     * Random service histories (adds, removals, weight and threshold edits, connections opening,
     * establishing, closing, counter overrides); after every step each indexed scheduler must pick exactly
     * what the kernel's linear scan picks.
     */
    @ParameterizedTest
    @ValueSource(strings = {"lc", "wlc", "sed", "nq", "fo", "ovf"})
    void shouldPickExactlyWhatTheKernelScanPicks(final String name)
    {
        for (long seed = 1; seed <= 40; seed++)
        {
            replay(name, seed);
        }
    }

    private void replay(final String name, final long seed)
    {
        final Random r = new Random(seed);
        final Destinations ds = new Destinations();
        final Scheduler s = Fixtures.bind(name, ds, 0);
        final List<int[]> open = new ArrayList<>();
        int nextHost = 1;
        for (int step = 0; step < 3000; step++)
        {
            final int op = r.nextInt(100);
            if (op < 8 || ds.count() < 2)
            {
                final int u = r.nextInt(4) == 0 ? 1 + r.nextInt(6) : 0;
                ds.add(rip(nextHost++ & 0xff), 80, r.nextInt(6), u, u > 0 ? r.nextInt(u + 1) : 0);
            }
            else if (op < 11)
            {
                ds.remove(ds.idAt(r.nextInt(ds.count())));
            }
            else if (op < 18)
            {
                final int u = r.nextInt(3) == 0 ? 1 + r.nextInt(6) : 0;
                ds.update(ds.idAt(r.nextInt(ds.count())), r.nextInt(6), u, u > 0 ? r.nextInt(u + 1) : 0);
            }
            else if (op < 21)
            {
                ds.counts(ds.idAt(r.nextInt(ds.count())), r.nextInt(4), r.nextInt(600));
            }
            else if (op < 60)
            {
                final int id = s.pick(f);
                assertEquals(KernelScan.pick(name, ds), id, name + " seed " + seed + " step " + step);
                if (id >= 0)
                {
                    ds.bind(id, Destinations.CONN_INACTIVE);
                    open.add(new int[] {id, 0});
                }
            }
            else if (op < 80 && !open.isEmpty())
            {
                final int[] c = open.get(r.nextInt(open.size()));
                if (0 == c[1])
                {
                    ds.activate(c[0]);
                    c[1] = 1;
                }
                else
                {
                    ds.deactivate(c[0]);
                    c[1] = 0;
                }
            }
            else if (!open.isEmpty())
            {
                final int[] c = open.remove(r.nextInt(open.size()));
                ds.unbind(c[0], 1 == c[1] ? Destinations.CONN_ACTIVE : Destinations.CONN_INACTIVE);
            }
            assertEquals(KernelScan.pick(name, ds), s.pick(f), name + " seed " + seed + " step " + step);
        }
    }
}
