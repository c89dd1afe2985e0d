package dev.jvs.engine.conn;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionTableTest
{
    private static final int TCP = 6;
    private static final int VIP = 0xC6130050;   // 198.19.0.80
    private static final int RIP = 0xC613000B;   // 198.19.0.11

    private static int client(final int n)
    {
        return 0xC6120000 | (n & 0xFFFF);         // 198.18.x.y
    }

    @Test
    void shouldFindAConnectionFromBothSides()
    {
        final ConnectionTable t = new ConnectionTable(16, 7, 0);
        final int e = t.insert(TCP, client(5), 40000, VIP, 80, RIP, 8080,
            ConnectionTable.F_OUT_INDEXED | ConnectionTable.F_INACTIVE, 60_000, 0);
        assertTrue(e >= 0);
        assertEquals(e, t.lookupIn(TCP, client(5), 40000, VIP, 80));
        assertEquals(e, t.lookupOut(TCP, RIP, 8080, client(5), 40000));
        assertEquals(-1, t.lookupIn(TCP, client(5), 40001, VIP, 80));
        assertEquals(-1, t.lookupIn(17, client(5), 40000, VIP, 80), "protocol is part of the key");
        assertEquals(-1, t.lookupOut(TCP, RIP, 8081, client(5), 40000));
        assertEquals(client(5), t.caddr(e));
        assertEquals(8080, t.dport(e));
        assertEquals(RIP, t.daddr(e));
        assertEquals(1, t.size());
        t.remove(e);
        assertEquals(-1, t.lookupIn(TCP, client(5), 40000, VIP, 80));
        assertEquals(-1, t.lookupOut(TCP, RIP, 8080, client(5), 40000));
        assertEquals(0, t.size());
    }

    @Test
    void shouldNotIndexRepliesOfDirectRoutingEntries()
    {
        final ConnectionTable t = new ConnectionTable(16, 7, 0);
        t.insert(TCP, client(5), 40000, VIP, 80, RIP, 80, ConnectionTable.F_NOOUTPUT, 60_000, 0);
        assertEquals(-1, t.lookupOut(TCP, RIP, 80, client(5), 40000));
    }

    @Test
    void shouldRefuseWhenFullAndKeepExistingEntries()
    {
        final ConnectionTable t = new ConnectionTable(100, 7, 0);
        for (int i = 0; i < 100; i++)
        {
            assertTrue(t.insert(TCP, client(i), 1000, VIP, 80, RIP, 80, 0, 60_000, 0) >= 0);
        }
        assertEquals(-1, t.insert(TCP, client(100), 1000, VIP, 80, RIP, 80, 0, 60_000, 0));
        for (int i = 0; i < 100; i++)
        {
            assertTrue(t.lookupIn(TCP, client(i), 1000, VIP, 80) >= 0);
        }
        t.remove(t.lookupIn(TCP, client(3), 1000, VIP, 80));
        assertTrue(t.insert(TCP, client(100), 1000, VIP, 80, RIP, 80, 0, 60_000, 0) >= 0);
    }

    /** Random inserts and removals against a HashMap model: backward-shift deletion keeps every chain whole. */
    @Test
    void shouldAgreeWithAMapUnderRandomChurn()
    {
        final Random r = new Random(1234);
        final ConnectionTable t = new ConnectionTable(2000, r.nextLong(), 0);
        final Map<Long, Integer> model = new HashMap<>();
        final List<Long> keys = new ArrayList<>();
        for (int step = 0; step < 200_000; step++)
        {
            final int c = r.nextInt(3000);
            final int port = 1024 + r.nextInt(4);
            final long k = ((long)c << 16) | port;
            final Integer e = model.get(k);
            if (null == e && model.size() < 2000 && r.nextInt(3) > 0)
            {
                final int n = t.insert(TCP, client(c), port, VIP, 80, RIP + c % 7, 80,
                    ConnectionTable.F_OUT_INDEXED, 1000, 0);
                assertTrue(n >= 0);
                model.put(k, n);
                keys.add(k);
            }
            else if (null != e)
            {
                t.remove(e);
                model.remove(k);
            }
            if (step % 1000 == 0)
            {
                for (final Map.Entry<Long, Integer> m : model.entrySet())
                {
                    final int cc = (int)(m.getKey() >>> 16);
                    final int pp = (int)(m.getKey() & 0xFFFF);
                    assertEquals((int)m.getValue(), t.lookupIn(TCP, client(cc), pp, VIP, 80));
                    assertEquals((int)m.getValue(), t.lookupOut(TCP, RIP + cc % 7, 80, client(cc), pp));
                }
                assertEquals(model.size(), t.size());
            }
        }
        for (final long k : keys)
        {
            if (!model.containsKey(k))
            {
                assertEquals(-1, t.lookupIn(TCP, client((int)(k >>> 16)), (int)(k & 0xFFFF), VIP, 80));
            }
        }
    }

    @Test
    void shouldExpireAtTheDeadlineWithinOneTick()
    {
        final ConnectionTable t = new ConnectionTable(16, 7, 1_000_000);
        final int e = t.insert(TCP, client(1), 1, VIP, 80, RIP, 80, 0, 10_000, 1_000_000);
        final List<Integer> expired = new ArrayList<>();
        t.expire(1_009_999, 100, (tab, x, now) -> expired.add(x));
        assertTrue(expired.isEmpty());
        assertEquals(1, t.expire(1_010_100, 100, (tab, x, now) -> expired.add(x)));
        assertEquals(List.of(e), expired);
        assertFalse(t.inUse(e));
    }

    @Test
    void shouldFollowExtendedAndShortenedDeadlines()
    {
        final long t0 = 5_000;
        final ConnectionTable t = new ConnectionTable(16, 7, t0);
        final int e = t.insert(TCP, client(1), 1, VIP, 80, RIP, 80, 0, 1_000, t0);
        t.touch(e, 900_000, t0 + 500);      // ESTABLISHED: lazily extended
        assertEquals(0, t.expire(t0 + 600_000, 1000, (tab, x, now) -> true));
        assertTrue(t.inUse(e), "extended beyond one wheel revolution and still here");
        t.touch(e, 2_000, t0 + 600_000);    // FIN: brought forward, re-linked at once
        assertEquals(0, t.expire(t0 + 601_900, 1000, (tab, x, now) -> true));
        assertEquals(1, t.expire(t0 + 602_100, 1000, (tab, x, now) -> true));
    }

    @Test
    void shouldKeepAnEntryTheHandlerRearms()
    {
        final ConnectionTable t = new ConnectionTable(16, 7, 0);
        final int e = t.insert(TCP, client(1), 0, VIP, 80, RIP, 80, ConnectionTable.F_TEMPLATE, 1_000, 0);
        final int[] calls = {0};
        t.expire(1_100, 100, (tab, x, now) ->
        {
            calls[0]++;
            tab.touch(x, 1_000, now);
            return false;
        });
        assertTrue(t.inUse(e));
        t.expire(2_200, 100, (tab, x, now) -> ++calls[0] > 0);
        assertFalse(t.inUse(e));
        assertEquals(2, calls[0]);
    }

    @Test
    void shouldBoundTheWorkOfOneExpiryCall()
    {
        final ConnectionTable t = new ConnectionTable(1000, 7, 0);
        for (int i = 0; i < 1000; i++)
        {
            t.insert(TCP, client(i), 1, VIP, 80, RIP, 80, 0, 1_000, 0);
        }
        assertEquals(100, t.expire(2_000, 100, (tab, x, now) -> true));
        assertEquals(900, t.size());
        int rounds = 0;
        while (t.size() > 0)
        {
            t.expire(2_000, 100, (tab, x, now) -> true);
            rounds++;
        }
        assertEquals(9, rounds);
    }

    @Test
    void shouldSizeTenMillionConnectionsUnderOneGibibyte()
    {
        // Layout arithmetic only (allocating 0.9 GiB in a unit test would be rude to CI).
        int slots = 1;
        while (slots < 10_000_000L * 4 / 3 + 1)
        {
            slots <<= 1;
        }
        final long bytes = 10_000_000L * ConnectionTable.ENTRY_LENGTH + 2L * slots * 8;
        assertTrue(bytes <= (1L << 30), "bytes " + bytes);
        assertEquals(bytes, 10_000_000L * 64 + 2L * (1 << 24) * 8);
    }
}
