package dev.jvs.engine.conn;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IPv6 entries beside IPv4 ones in one table: found by their full addresses, removed, expired. */
class Ipv6ConnectionsTest
{
    private static final long VHI = 0x2001_0002_0000_0000L;
    private static final long VLO = 0x80L;

    @Test
    void entriesShouldBeFoundByTheirFullAddressesOnly()
    {
        final ConnectionTable t = new ConnectionTable(1 << 15, 7, 0);
        final Ipv6Connections v6 = t.ipv6();
        assertEquals(-1, v6.lookupIn(6, 1, 2, 3, VHI, VLO, 80), "no extension yet: nothing found");
        final SplittableRandom r = new SplittableRandom(1);
        final long[] his = new long[10_000];
        final long[] los = new long[his.length];
        final int[] e = new int[his.length];
        for (int i = 0; i < his.length; i++)
        {
            his[i] = r.nextLong();
            los[i] = r.nextLong();
            e[i] = v6.insert(6, his[i], los[i], 40000, VHI, VLO, 80, VHI, 0x11, 8080,
                ConnectionTable.F_OUT_INDEXED, 60_000, 0);
            assertTrue(e[i] >= 0);
            assertTrue(t.isIpv6(e[i]));
        }
        final int v4 = t.insert(6, 0xC6120005, 40000, 0xC6130050, 80, 0xC613000B, 80, 0, 60_000, 0);
        for (int i = 0; i < his.length; i++)
        {
            assertEquals(e[i], v6.lookupIn(6, his[i], los[i], 40000, VHI, VLO, 80));
            assertEquals(e[i], v6.lookupOut(6, VHI, 0x11, 8080, his[i], los[i], 40000));
            // One bit off in either half, or another port or protocol: not that connection.
            assertEquals(-1, v6.lookupIn(6, his[i] ^ 1, los[i], 40000, VHI, VLO, 80));
            assertEquals(-1, v6.lookupIn(6, his[i], los[i] ^ (1L << 63), 40000, VHI, VLO, 80));
            assertEquals(-1, v6.lookupIn(17, his[i], los[i], 40000, VHI, VLO, 80));
            assertEquals(his[i], t.address6(e[i], ConnectionEntries.EXT_CADDR));
            assertEquals(0x11, t.address6(e[i], ConnectionEntries.EXT_DADDR + 8));
        }
        assertEquals(v4, t.lookupIn(6, 0xC6120005, 40000, 0xC6130050, 80), "IPv4 beside it, unchanged");
        assertTrue(!t.isIpv6(v4));
        for (int i = 0; i < his.length; i += 2)
        {
            t.remove(e[i]);
        }
        for (int i = 0; i < his.length; i++)
        {
            assertEquals(0 == i % 2 ? -1 : e[i], v6.lookupIn(6, his[i], los[i], 40000, VHI, VLO, 80));
        }
        // Templates are their own kind: a client network's template is not a connection of it.
        final int tpl = v6.insertTemplate(6, his[1], 0, VHI, VLO, 80, VHI, 0x11, 8080, 300_000, 0);
        assertEquals(tpl, v6.lookupTemplate(6, his[1], 0, VHI, VLO, 80));
        assertEquals(-1, v6.lookupIn(6, his[1], 0, 0, VHI, VLO, 80));
        assertEquals(his.length / 2 + 2, t.size());
    }
}
