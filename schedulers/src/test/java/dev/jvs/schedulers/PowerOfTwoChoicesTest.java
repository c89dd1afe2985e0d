package dev.jvs.schedulers;

import org.junit.jupiter.api.Test;

import static dev.jvs.schedulers.Fixtures.client;
import static dev.jvs.schedulers.Fixtures.rip;
import static dev.jvs.schedulers.Fixtures.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PowerOfTwoChoicesTest
{
    private final Destinations d = new Destinations();
    private final int[] draws = new int[2];
    private int next;
    private final Scheduler s = new PowerOfTwoChoices(d, () -> draws[next++ & 1]);
    private final Flow f = tcp(client(1), 1);

    private int pick(final int r1, final int r2)
    {
        draws[0] = r1;
        draws[1] = r2;
        next = 0;
        return s.pick(f);
    }

    @Test
    void shouldDrawByCumulativeWeightInclusiveOfTheTotal()
    {
        d.scheduler(s);
        final int b = d.add(rip(12), 80, 3, 0, 0);
        final int a = d.add(rip(11), 80, 1, 0, 0);
        // list A(1) B(3), total 4, draws mod 5: 0 -> A, 1 -> A, 2..4 -> B, 5 -> 0 -> A.
        assertEquals(a, pick(0, 0));
        assertEquals(a, pick(1, 1));
        assertEquals(b, pick(2, 4));
        assertEquals(a, pick(5, 5));
        assertEquals(a, pick(-5, 0), "draws are unsigned: 0xfffffffb % 5 = 1 -> A");
    }

    @Test
    void shouldKeepTheFirstChoiceUnlessTheSecondHasLessOverheadPerWeight()
    {
        d.scheduler(s);
        final int b = d.add(rip(12), 80, 3, 0, 0);
        final int a = d.add(rip(11), 80, 1, 0, 0);
        assertEquals(a, pick(0, 3), "both idle: first choice");
        d.counts(a, 1, 0);
        assertEquals(b, pick(0, 3), "3*256 > 1*0");
        d.counts(b, 3, 0);
        assertEquals(a, pick(0, 3), "3*256 = 1*768: first choice");
        assertEquals(b, pick(3, 0), "choice1 b, choice2 a: 1*768 > 3*256 is false, b stays");
    }

    @Test
    void shouldSkipOverloadedAndQuiescedServers()
    {
        d.scheduler(s);
        final int b = d.add(rip(12), 80, 3, 0, 0);
        final int a = d.add(rip(11), 80, 0, 0, 0);
        assertEquals(b, pick(0, 0));
        d.update(b, 3, 1, 0);
        d.bind(b, Destinations.CONN_INACTIVE);
        assertEquals(Scheduler.NO_DEST, pick(0, 0));
        d.update(a, 1, 0, 0);
        assertEquals(a, pick(7, 7));
    }
}
