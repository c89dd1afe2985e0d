package dev.jvs.schedulers;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static dev.jvs.schedulers.Fixtures.client;
import static dev.jvs.schedulers.Fixtures.rip;
import static dev.jvs.schedulers.Fixtures.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;

class WeightedRoundRobinTest
{
    private final Destinations d = new Destinations();
    private final Flow f = tcp(client(1), 40000);
    private final Map<Integer, Character> names = new HashMap<>();

    private int add(final char name, final int weight)
    {
        final int id = d.add(rip(name), 80, weight, 0, 0);
        names.put(id, name);
        return id;
    }

    private String picks(final Scheduler s, final int n)
    {
        final StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++)
        {
            final int id = s.pick(f);
            b.append(id < 0 ? '-' : names.get(id));
        }
        return b.toString();
    }

    /**
     * The issue asked for AABABCABC per cycle from A=4, B=3, C=2. The kernel adds each server at the head of
     * the list, so added in the order A, B, C the scan order is C, B, A and the steady cycle is ABACBACBA.
     * The picks also start mid-cycle: after the adds, cw was left at 1 (add_dest keeps cw when gcd is 1), so
     * the first three picks are the cw=1 pass.
     */
    @Test
    void shouldProduceTheKernelSequenceForServersAddedAThenBThenC()
    {
        final Scheduler s = Fixtures.bind("wrr", d, 0);
        add('A', 4);
        add('B', 3);
        add('C', 2);
        assertEquals("CBA" + "ABACBACBA" + "ABACBACBA", picks(s, 21));
    }

    @Test
    void shouldProduceAabAbcAbcWhenAIsAtTheHeadOfTheList()
    {
        final Scheduler s = Fixtures.bind("wrr", d, 0);
        add('C', 2);
        add('B', 3);
        add('A', 4);
        assertEquals("ABC" + "AABABCABC" + "AABABCABC", picks(s, 21));
    }

    @Test
    void shouldStartAFullCycleWhenBoundAfterTheServersExist()
    {
        add('C', 2);
        add('B', 3);
        add('A', 4);
        final Scheduler s = Fixtures.bind("wrr", d, 0);
        assertEquals("AABABCABC" + "AABABCABC", picks(s, 18));
    }

    @Test
    void shouldStepByTheGcdOfWeights()
    {
        add('B', 2);
        add('A', 4);
        final Scheduler s = Fixtures.bind("wrr", d, 0);
        // di=2, mw=4-(2-1)=3: passes cw=3 (A), cw=1 (A, B).
        assertEquals("AAB" + "AAB", picks(s, 6));
    }

    @Test
    void shouldSkipOverloadedAndQuiescedServersAndReportNoneWhenAllAre()
    {
        final int c = add('C', 2);
        add('B', 0);
        final int a = add('A', 4);
        final Scheduler s = Fixtures.bind("wrr", d, 0);
        // gcd(4, 2) = 2, mw = 4 - (2 - 1) = 3: passes cw=3 (A) and cw=1 (A, C).
        assertEquals("AACAAC", picks(s, 6));
        d.update(a, 4, 1, 0);
        d.bind(a, Destinations.CONN_INACTIVE);
        assertEquals("CCC", picks(s, 3));
        d.update(c, 0, 0, 0);
        assertEquals("--", picks(s, 2));
    }

    @Test
    void shouldRestartFromTheHeadAfterAnUpdate()
    {
        add('C', 1);
        add('B', 1);
        add('A', 1);
        final Scheduler s = Fixtures.bind("wrr", d, 0);
        assertEquals("AB", picks(s, 2));
        d.update(d.idAt(2), 1, 0, 0);
        assertEquals("ABC", picks(s, 3));
    }

    @Test
    void shouldReturnNoDestWithoutServers()
    {
        final Scheduler s = Fixtures.bind("wrr", d, 0);
        assertEquals("-", picks(s, 1));
    }
}
