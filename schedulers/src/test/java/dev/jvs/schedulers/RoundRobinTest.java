package dev.jvs.schedulers;

import org.junit.jupiter.api.Test;

import static dev.jvs.schedulers.Fixtures.client;
import static dev.jvs.schedulers.Fixtures.rip;
import static dev.jvs.schedulers.Fixtures.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;

class RoundRobinTest
{
    private final Destinations d = new Destinations();
    private final Flow f = tcp(client(1), 40000);

    private String picks(final Scheduler s, final int n, final int... ids)
    {
        final StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++)
        {
            final int id = s.pick(f);
            b.append(id < 0 ? "-" : String.valueOf((char)('A' + indexOf(ids, id))));
        }
        return b.toString();
    }

    private static int indexOf(final int[] ids, final int id)
    {
        for (int i = 0; i < ids.length; i++)
        {
            if (ids[i] == id)
            {
                return i;
            }
        }
        throw new AssertionError("unknown id " + id);
    }

    @Test
    void shouldScanNewestFirstAndWrap()
    {
        final Scheduler s = Fixtures.bind("rr", d, 0);
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final int b = d.add(rip(12), 80, 1, 0, 0);
        final int c = d.add(rip(13), 80, 1, 0, 0);
        assertEquals("CBACBA", picks(s, 6, a, b, c));
    }

    @Test
    void shouldSkipQuiescedAndOverloadedServers()
    {
        final Scheduler s = Fixtures.bind("rr", d, 0);
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final int b = d.add(rip(12), 80, 0, 0, 0);
        final int c = d.add(rip(13), 80, 1, 1, 0);
        d.bind(c, Destinations.CONN_INACTIVE);
        assertEquals("AAA", picks(s, 3, a, b, c));
        d.update(a, 0, 0, 0);
        assertEquals("--", picks(s, 2, a, b, c));
    }

    @Test
    void shouldKeepPositionWhenAServerIsAddedAtTheHead()
    {
        final Scheduler s = Fixtures.bind("rr", d, 0);
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final int b = d.add(rip(12), 80, 1, 0, 0);
        assertEquals("B", picks(s, 1, a, b, -9));
        final int c = d.add(rip(13), 80, 1, 0, 0);
        // list is C B A, position still at B: A next, then wrap to C.
        assertEquals("ACBA", picks(s, 4, a, b, c));
    }

    @Test
    void shouldContinueAfterARemovedCurrentServer()
    {
        final Scheduler s = Fixtures.bind("rr", d, 0);
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final int b = d.add(rip(12), 80, 1, 0, 0);
        final int c = d.add(rip(13), 80, 1, 0, 0);
        assertEquals("CB", picks(s, 2, a, b, c));
        d.remove(b);
        // position moves to B's predecessor C, so A is next.
        assertEquals("ACA", picks(s, 3, a, b, c));
        d.remove(c);
        assertEquals("AA", picks(s, 2, a, b, c));
    }

    @Test
    void shouldReturnNoDestForAnEmptyService()
    {
        final Scheduler s = Fixtures.bind("rr", d, 0);
        assertEquals(Scheduler.NO_DEST, s.pick(f));
    }
}
