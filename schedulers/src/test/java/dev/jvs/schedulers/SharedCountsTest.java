package dev.jvs.schedulers;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static dev.jvs.schedulers.Fixtures.client;
import static dev.jvs.schedulers.Fixtures.rip;
import static dev.jvs.schedulers.Fixtures.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two workers' copies of one service, sharing their real servers' connection counts through cells. */
class SharedCountsTest
{
    private final Destinations w0 = new Destinations();
    private final Destinations w1 = new Destinations();
    private final AtomicIntegerArray cellA = new AtomicIntegerArray(4);
    private final AtomicIntegerArray cellB = new AtomicIntegerArray(4);

    private int[] twoServers(final Destinations d, final int slot, final int upper, final int lower)
    {
        final int a = d.add(rip(11), 80, 1, upper, lower);
        final int b = d.add(rip(12), 80, 1, upper, lower);
        d.share(a, cellA, slot);
        d.share(b, cellB, slot);
        return new int[] {a, b};
    }

    @Test
    void leastConnectionShouldCountTheOtherWorkersConnectionsAfterARefresh()
    {
        final Scheduler s0 = Fixtures.bind("lc", w0, 0);
        final Scheduler s1 = Fixtures.bind("lc", w1, 0);
        final int[] ids0 = twoServers(w0, 0, 0, 0);
        final int[] ids1 = twoServers(w1, 1, 0, 0);
        // Worker 0 gives the head (rs12) a connection; worker 1, not yet refreshed, would pick it too.
        assertEquals(ids0[1], Fixtures.connect(s0, w0, tcp(client(1), 1000)));
        assertEquals(ids1[1], s1.pick(tcp(client(2), 1000)), "before the refresh: its own view only");
        w1.refresh();
        assertEquals(ids1[0], s1.pick(tcp(client(2), 1000)), "after: rs12 has worker 0's connection");
        assertEquals(1, w1.inactiveConns(ids1[1]));
        assertEquals(0, w1.ownInactiveConns(ids1[1]), "what worker 1 reports as its own stays its own");
        // Established on worker 0: active there at once, and on worker 1 after its refresh.
        w0.activate(ids0[1]);
        assertEquals(1, w0.activeConns(ids0[1]));
        w1.refresh();
        assertEquals(1, w1.activeConns(ids1[1]));
        assertEquals(0, w1.inactiveConns(ids1[1]));
        // Closed on worker 0: worker 1's view empties after its refresh.
        w0.unbind(ids0[1], Destinations.CONN_ACTIVE);
        w1.refresh();
        assertEquals(0, w1.activeConns(ids1[1]));
        assertEquals(ids1[1], s1.pick(tcp(client(2), 1000)), "the head again");
    }

    @Test
    void anUpperThresholdShouldBoundTheSumOfTheWorkers()
    {
        Fixtures.bind("wlc", w0, 0);
        final Scheduler s1 = Fixtures.bind("wlc", w1, 0);
        final int[] ids0 = twoServers(w0, 0, 2, 0);
        final int[] ids1 = twoServers(w1, 1, 2, 0);
        w0.bind(ids0[1], Destinations.CONN_INACTIVE);
        w1.bind(ids1[1], Destinations.CONN_INACTIVE);
        assertTrue(!w0.isOverloaded(ids0[1]) && !w1.isOverloaded(ids1[1]), "one each: under 2 on either");
        w1.refresh();
        assertTrue(w1.isOverloaded(ids1[1]), "worker 1 sees 2 in all: overloaded");
        assertEquals(ids1[0], s1.pick(tcp(client(3), 1000)));
        w0.refresh();
        assertTrue(w0.isOverloaded(ids0[1]));
        // One closes on worker 0: 1 < 3/4 of 2 clears the mark there at once, on worker 1 at its refresh.
        w0.unbind(ids0[1], Destinations.CONN_INACTIVE);
        assertTrue(!w0.isOverloaded(ids0[1]));
        w1.refresh();
        assertTrue(!w1.isOverloaded(ids1[1]));
    }

    @Test
    void aListOfItsOwnShouldCountAsBefore()
    {
        final Destinations d = new Destinations();
        final int a = d.add(rip(11), 80, 1, 0, 0);
        d.bind(a, Destinations.CONN_INACTIVE);
        d.activate(a);
        d.refresh();
        assertEquals(1, d.activeConns(a));
        assertEquals(1, d.ownActiveConns(a));
    }
}
