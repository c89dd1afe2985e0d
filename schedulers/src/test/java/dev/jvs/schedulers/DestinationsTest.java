package dev.jvs.schedulers;

import org.junit.jupiter.api.Test;

import static dev.jvs.schedulers.Fixtures.rip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DestinationsTest
{
    private final Destinations d = new Destinations(2);

    @Test
    void shouldAddNewDestinationsAtTheHeadLikeListAddRcu()
    {
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final int b = d.add(rip(12), 80, 1, 0, 0);
        final int c = d.add(rip(13), 80, 1, 0, 0);
        assertEquals(c, d.idAt(0));
        assertEquals(b, d.idAt(1));
        assertEquals(a, d.idAt(2));
        d.remove(b);
        assertEquals(2, d.count());
        assertEquals(c, d.idAt(0));
        assertEquals(a, d.idAt(1));
        assertFalse(d.isListed(b));
        assertEquals(0, d.flags(b) & Destinations.F_AVAILABLE);
    }

    @Test
    void shouldCountNewConnectionsInactiveAndActiveOnlyWhileEstablished()
    {
        final int a = d.add(rip(11), 80, 1, 0, 0);
        d.bind(a, Destinations.CONN_INACTIVE);
        assertEquals(0, d.activeConns(a));
        assertEquals(1, d.inactiveConns(a));
        d.activate(a);
        assertEquals(1, d.activeConns(a));
        assertEquals(0, d.inactiveConns(a));
        assertEquals(256, d.overhead(a));
        d.deactivate(a);
        assertEquals(1, d.overhead(a));
        d.bind(a, Destinations.CONN_TEMPLATE);
        assertEquals(1, d.persistentConns(a));
        assertEquals(1, d.totalConns(a), "templates do not count against thresholds");
        d.unbind(a, Destinations.CONN_INACTIVE);
        d.unbind(a, Destinations.CONN_TEMPLATE);
        assertEquals(0, d.totalConns(a));
        assertEquals(0, d.persistentConns(a));
    }

    @Test
    void shouldMarkOverloadAtUpperThresholdAndClearBelowThreeQuartersWithoutLower()
    {
        final int a = d.add(rip(11), 80, 1, 4, 0);
        for (int i = 0; i < 3; i++)
        {
            d.bind(a, Destinations.CONN_INACTIVE);
        }
        assertFalse(d.isOverloaded(a));
        d.bind(a, Destinations.CONN_INACTIVE);
        assertTrue(d.isOverloaded(a), "4 conns reach u=4");
        d.unbind(a, Destinations.CONN_INACTIVE);
        assertTrue(d.isOverloaded(a), "3*4 < 4*3 is false: still overloaded");
        d.unbind(a, Destinations.CONN_INACTIVE);
        assertFalse(d.isOverloaded(a), "2*4 < 4*3");
    }

    @Test
    void shouldClearOverloadOnlyBelowTheLowerThresholdWhenSet()
    {
        final int a = d.add(rip(11), 80, 1, 3, 1);
        d.bind(a, Destinations.CONN_INACTIVE);
        d.bind(a, Destinations.CONN_INACTIVE);
        d.bind(a, Destinations.CONN_INACTIVE);
        assertTrue(d.isOverloaded(a));
        d.unbind(a, Destinations.CONN_INACTIVE);
        d.unbind(a, Destinations.CONN_INACTIVE);
        assertTrue(d.isOverloaded(a), "1 is not below l=1");
        d.unbind(a, Destinations.CONN_INACTIVE);
        assertFalse(d.isOverloaded(a));
    }

    @Test
    void shouldNotReevaluateOverloadOnStateChangesOrCountsOnly()
    {
        final int a = d.add(rip(11), 80, 1, 2, 0);
        d.bind(a, Destinations.CONN_INACTIVE);
        d.bind(a, Destinations.CONN_INACTIVE);
        assertTrue(d.isOverloaded(a));
        d.activate(a);
        d.counts(a, 0, 0);
        assertTrue(d.isOverloaded(a), "only bind, unbind and update touch the mark");
    }

    @Test
    void shouldClearOverloadWhenUpperThresholdIsRemovedOrRaised()
    {
        final int a = d.add(rip(11), 80, 1, 1, 0);
        d.bind(a, Destinations.CONN_INACTIVE);
        assertTrue(d.isOverloaded(a));
        d.update(a, 1, 1, 0);
        assertTrue(d.isOverloaded(a), "same threshold keeps the mark");
        d.update(a, 1, 5, 0);
        assertFalse(d.isOverloaded(a), "raised threshold clears it");
        d.update(a, 1, 1, 0);
        d.bind(a, Destinations.CONN_INACTIVE);
        assertTrue(d.isOverloaded(a));
        d.update(a, 1, 0, 0);
        assertFalse(d.isOverloaded(a), "no threshold clears it");
    }

    @Test
    void shouldKeepLastNonZeroWeight()
    {
        final int a = d.add(rip(11), 80, 7, 0, 0);
        d.update(a, 0, 0, 0);
        assertEquals(0, d.weight(a));
        assertEquals(7, d.lastWeight(a));
        d.update(a, 3, 0, 0);
        assertEquals(3, d.lastWeight(a));
    }

    @Test
    void shouldReviveFromTrashWithItsCounters()
    {
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final int b = d.add(rip(12), 80, 1, 0, 0);
        d.bind(a, Destinations.CONN_INACTIVE);
        d.remove(a);
        d.revive(a, 2, 0, 0);
        assertEquals(a, d.idAt(0), "back at the head");
        assertEquals(b, d.idAt(1));
        assertEquals(1, d.inactiveConns(a));
        assertTrue(d.isListed(a));
    }

    @Test
    void shouldRejectOutOfRangeArguments()
    {
        assertThrows(IllegalArgumentException.class, () -> d.add(rip(11), 80, -1, 0, 0));
        // The kernel refuses only negative weights; keepalived passes up to INT_MAX.
        d.remove(d.add(rip(11), 80, Integer.MAX_VALUE, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> d.add(rip(11), 80, 1, 2, 3));
        final int a = d.add(rip(11), 80, 1, 0, 0);
        assertThrows(IllegalStateException.class, () -> d.release(a));
        d.remove(a);
        assertThrows(IllegalStateException.class, () -> d.remove(a));
        d.release(a);
        assertEquals(a, d.add(rip(12), 80, 1, 0, 0), "released ids are reused");
    }

    @Test
    void shouldGrowPastInitialCapacity()
    {
        for (int i = 0; i < 100; i++)
        {
            d.add(rip(i), 80, 1, 0, 0);
        }
        assertEquals(100, d.count());
        assertEquals(rip(99), d.address(d.idAt(0)));
    }
}
