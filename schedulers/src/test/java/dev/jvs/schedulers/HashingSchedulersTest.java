package dev.jvs.schedulers;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static dev.jvs.schedulers.Fixtures.client;
import static dev.jvs.schedulers.Fixtures.rip;
import static dev.jvs.schedulers.Fixtures.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HashingSchedulersTest
{
    private final Destinations d = new Destinations();

    @Test
    void hsiphashShouldMatchTheKernelSelfTestVector()
    {
        // lib/test_siphash.c, 64-bit: hsiphash_1u32(0x03020100, key 0x0706050403020100/0x0f0e0d0c0b0a0908)
        // equals test_vectors_hsiphash[4].
        assertEquals(0x88d38328, HalfSipHash.hash1u32(0x03020100, 0x0706050403020100L, 0x0f0e0d0c0b0a0908L));
    }

    /**
     * Buckets worked out with a short script from the kernel's definitions, not from jvs:
     * {@code hash_32(v, 8) = ((v * 0x61C88647) mod 2^32) >> 24};
     * dh: {@code hash_32(ntohl(addr), 8)}; sh: {@code (offset + hash_32(ntohs(port) + ntohl(addr), 8)) & 255}.
     */
    @Test
    void dhAndShShouldPickTheKernelsBucketsForKnownAddresses()
    {
        final String[] addr = {"198.18.0.1", "198.18.0.2", "198.18.0.5", "198.18.1.1", "198.18.255.254",
            "198.19.0.80", "198.19.10.20", "198.18.3.7", "198.19.200.1", "198.18.0.100", "198.19.0.11",
            "198.19.255.255"};
        final int[] plain = {188, 30, 67, 133, 29, 111, 90, 97, 235, 141, 20, 5};
        final int[] port40000 = {96, 194, 231, 41, 193, 19, 254, 5, 143, 49, 184, 169};
        final int[] port1234Offset7 = {28, 126, 163, 228, 125, 207, 185, 192, 75, 236, 116, 101};
        for (int i = 0; i < addr.length; i++)
        {
            final int a = parse(addr[i]);
            assertEquals(plain[i], KernelHash.hash32(a, 8), "dh " + addr[i]);
            assertEquals(plain[i], SourceHashing.hashKey(a, 0, 0), "sh " + addr[i]);
            assertEquals(port40000[i], SourceHashing.hashKey(a, 40000, 0), "sh-port 40000 " + addr[i]);
            assertEquals(port1234Offset7[i], SourceHashing.hashKey(a, 1234, 7), "sh-port 1234, offset 7 " + addr[i]);
        }
    }

    @Test
    void dhShouldSendADestinationAddressToTheServerOfItsKernelBucket()
    {
        for (int i = 0; i < 3; i++)
        {
            d.add(rip(11 + i), 80, 1, 0, 0);
        }
        final Scheduler s = Fixtures.bind("dh", d, 0);
        // Three servers fill the buckets round-robin from the head: bucket b holds list position b % 3.
        final Flow f = new Flow().set(Flow.TCP, client(1), 1000, parse("198.19.0.80"), 80, 0);
        assertEquals(d.idAt(111 % 3), s.pick(f));
        f.set(Flow.TCP, client(1), 1000, parse("198.19.200.1"), 80, 0);
        assertEquals(d.idAt(235 % 3), s.pick(f));
    }

    private static int parse(final String dotted)
    {
        final String[] p = dotted.split("\\.");
        return Fixtures.ip(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]),
            Integer.parseInt(p[3]));
    }

    @Test
    void shShouldFillBucketsInListOrderByWeight()
    {
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final int b = d.add(rip(12), 80, 2, 0, 0);
        final SourceHashing s = (SourceHashing)Fixtures.bind("sh", d, 0);
        // list is B(2) A(1): B B A B B A ...
        for (int i = 0; i < SourceHashing.TAB_SIZE; i++)
        {
            assertEquals(i % 3 == 2 ? a : b, s.bucket(i), "bucket " + i);
        }
        d.update(a, 0, 0, 0);
        // weight 0 still takes one bucket per turn (++count >= 0), it is only skipped at pick time.
        assertEquals(a, s.bucket(2));
    }

    @Test
    void shShouldKeepAClientOnOneServerAndHashOnlyTheAddressByDefault()
    {
        for (int i = 0; i < 5; i++)
        {
            d.add(rip(11 + i), 80, 1, 0, 0);
        }
        final Scheduler s = Fixtures.bind("sh", d, 0);
        for (int c = 0; c < 200; c++)
        {
            final int first = s.pick(tcp(client(c), 1000));
            assertEquals(first, s.pick(tcp(client(c), 2000)), "port is not hashed without sh-port");
            // weight 1 each: bucket i holds the server at list position i % 5.
            assertEquals(d.idAt(SourceHashing.hashKey(client(c), 0, 0) % 5), first);
        }
    }

    @Test
    void shPortShouldSpreadOneClientsConnections()
    {
        for (int i = 0; i < 4; i++)
        {
            d.add(rip(11 + i), 80, 1, 0, 0);
        }
        final Scheduler s = Fixtures.bind("sh", d, Scheduler.FLAG_SCHED2);
        final Map<Integer, Integer> seen = new HashMap<>();
        for (int port = 1000; port < 1400; port++)
        {
            seen.merge(s.pick(tcp(client(7), port)), 1, Integer::sum);
        }
        assertEquals(4, seen.size());
        // ICMP has no ports: hashed with port 0 whatever the flag.
        final Flow icmp = new Flow().set(1, client(7), 0, Fixtures.VIP, 0, 0);
        assertEquals(s.pick(tcp(client(7), 0)), s.pick(icmp));
    }

    @Test
    void shShouldFailOrFallBackWhenTheHashedServerIsUnavailable()
    {
        for (int i = 0; i < 4; i++)
        {
            d.add(rip(11 + i), 80, 1, 0, 0);
        }
        final Flow f = tcp(client(3), 5555);
        final Scheduler plain = Fixtures.bind("sh", d, 0);
        final int home = plain.pick(f);
        d.update(home, 0, 0, 0);
        assertEquals(Scheduler.NO_DEST, plain.pick(f));
        final Scheduler fallback = Fixtures.bind("sh", d, Scheduler.FLAG_SCHED1);
        final int other = fallback.pick(f);
        assertTrue(other >= 0);
        assertNotEquals(home, other);
        assertEquals(other, fallback.pick(f), "the fallback walk is deterministic");
        d.update(home, 1, 0, 0);
        assertEquals(home, fallback.pick(f), "back home once available");
    }

    @Test
    void dhShouldMapByDestinationAddressIgnoringWeights()
    {
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final int b = d.add(rip(12), 80, 9, 0, 0);
        final Scheduler s = Fixtures.bind("dh", d, 0);
        final Map<Integer, Integer> share = new HashMap<>();
        for (int i = 0; i < 256; i++)
        {
            final Flow f = new Flow().set(Flow.TCP, client(1), 1, Fixtures.ip(198, 19, 1, i), 80, 0);
            final int id = s.pick(f);
            share.merge(id, 1, Integer::sum);
            f.saddr = client(99);
            assertEquals(id, s.pick(f), "source does not matter");
        }
        assertEquals(128, share.get(a));
        assertEquals(128, share.get(b));
        d.remove(b);
        assertEquals(Scheduler.NO_DEST, Fixtures.bind("dh", new Destinations(), 0).pick(tcp(client(1), 1)));
    }

    /**
     * The kernel's mh walks the destinations in list order (each added at the head), so two directors whose health
     * checks brought the same servers up in different orders build different tables; mh-sorted walks them in
     * address order and both build the same one.
     */
    @Test
    void mhTablesShouldDependOnOrderAsTheKernelsUnlessSorted()
    {
        final int[] forward = {11, 12, 13, 14, 15, 16, 17, 18};
        final int[] backward = {18, 17, 16, 15, 14, 13, 12, 11};
        for (final int flags : new int[] {0, Scheduler.FLAG_SORTED})
        {
            final Destinations a = new Destinations();
            final Destinations b = new Destinations();
            for (int i = 0; i < forward.length; i++)
            {
                a.add(rip(forward[i]), 80, 1, 0, 0);
                b.add(rip(backward[i]), 80, 1, 0, 0);
            }
            final MaglevHashing ma = (MaglevHashing)Fixtures.bind("mh", a, flags);
            final MaglevHashing mb = (MaglevHashing)Fixtures.bind("mh", b, flags);
            int differ = 0;
            for (int slot = 0; slot < MaglevHashing.TAB_SIZE; slot++)
            {
                differ += a.address(ma.slot(slot)) == b.address(mb.slot(slot)) ? 0 : 1;
            }
            if (0 == flags)
            {
                assertTrue(differ > 0, "the kernel's walk follows the list: the tables differ");
            }
            else
            {
                assertEquals(0, differ, "mh-sorted: the same table whatever the order");
            }
        }
    }

    @Test
    void mhShouldFillEveryOneOfThePrimeSlots()
    {
        assertEquals(4093, MaglevHashing.TAB_SIZE);
        for (int i = 0; i < 7; i++)
        {
            d.add(rip(11 + i), 80, 1, 0, 0);
        }
        final MaglevHashing s = (MaglevHashing)Fixtures.bind("mh", d, 0);
        final Map<Integer, Integer> share = new HashMap<>();
        for (int i = 0; i < MaglevHashing.TAB_SIZE; i++)
        {
            assertTrue(s.slot(i) >= 0);
            share.merge(s.slot(i), 1, Integer::sum);
        }
        final int min = share.values().stream().min(Integer::compare).orElseThrow();
        final int max = share.values().stream().max(Integer::compare).orElseThrow();
        assertTrue(max - min <= 1, "equal weights share slots within one: " + share);
    }

    @Test
    void mhShouldGiveSlotsInProportionToWeights()
    {
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final int b = d.add(rip(12), 80, 3, 0, 0);
        final MaglevHashing s = (MaglevHashing)Fixtures.bind("mh", d, 0);
        int na = 0;
        int nb = 0;
        for (int i = 0; i < MaglevHashing.TAB_SIZE; i++)
        {
            na += s.slot(i) == a ? 1 : 0;
            nb += s.slot(i) == b ? 1 : 0;
        }
        assertEquals(MaglevHashing.TAB_SIZE, na + nb);
        assertTrue(Math.abs(nb - 3 * na) <= 4, "3:1 turns give 3:1 slots: " + na + " " + nb);
    }

    @Test
    void mhShouldRemapAboutOneNthOfFlowsWhenOneOfNServersGoes()
    {
        final int n = 10;
        final int[] ids = new int[n];
        for (int i = 0; i < n; i++)
        {
            ids[i] = d.add(rip(11 + i), 80, 1, 0, 0);
        }
        final Scheduler s = Fixtures.bind("mh", d, 0);
        final int flows = 20_000;
        final int[] before = new int[flows];
        for (int c = 0; c < flows; c++)
        {
            before[c] = s.pick(tcp(client(c), 1));
        }
        final int gone = ids[3];
        d.remove(gone);
        int moved = 0;
        int movedNotFromGone = 0;
        for (int c = 0; c < flows; c++)
        {
            final int now = s.pick(tcp(client(c), 1));
            if (now != before[c])
            {
                moved++;
                movedNotFromGone += before[c] != gone ? 1 : 0;
            }
        }
        final double fraction = moved / (double)flows;
        System.out.printf("mh: removing 1 of %d servers moved %.4f of %d flows (%d not from it)%n",
            n, fraction, flows, movedNotFromGone);
        // Measured: 0.115 of flows move (265 of them not from the removed server); the ideal is 1/10.
        assertTrue(fraction > 0.08 && fraction < 0.16, "fraction moved " + fraction);
        assertTrue(movedNotFromGone < flows * 0.03, "flows of other servers mostly stay: " + movedNotFromGone);
    }

    @Test
    void mhShouldKeepTheTableWhenAServerIsQuiescedAndFallBackOnlyWithTheFlag()
    {
        final int a = d.add(rip(11), 80, 1, 0, 0);
        final int b = d.add(rip(12), 80, 1, 0, 0);
        final MaglevHashing s = (MaglevHashing)Fixtures.bind("mh", d, 0);
        final int[] slots = new int[MaglevHashing.TAB_SIZE];
        for (int i = 0; i < slots.length; i++)
        {
            slots[i] = s.slot(i);
        }
        d.update(a, 0, 0, 0);
        for (int i = 0; i < slots.length; i++)
        {
            assertEquals(slots[i], s.slot(i), "built from last_weight: weight 0 changes nothing");
        }
        Flow toA = null;
        for (int c = 0; null == toA; c++)
        {
            d.update(a, 1, 0, 0);
            final Flow f = tcp(client(c), 1);
            if (s.pick(f) == a)
            {
                toA = f;
            }
        }
        d.update(a, 0, 0, 0);
        assertEquals(Scheduler.NO_DEST, s.pick(toA));
        final Scheduler fb = Fixtures.bind("mh", d, Scheduler.FLAG_SCHED1);
        assertEquals(b, fb.pick(toA));
    }

    @Test
    void mhShouldBeDeterministicAcrossRebuildsAndInstances()
    {
        for (int i = 0; i < 5; i++)
        {
            d.add(rip(11 + i), 80, 1 + i, 0, 0);
        }
        final MaglevHashing s1 = (MaglevHashing)Fixtures.bind("mh", d, 0);
        final int[] slots = new int[MaglevHashing.TAB_SIZE];
        for (int i = 0; i < slots.length; i++)
        {
            slots[i] = s1.slot(i);
        }
        final MaglevHashing s2 = (MaglevHashing)Fixtures.bind("mh", d, 0);
        for (int i = 0; i < slots.length; i++)
        {
            assertEquals(slots[i], s2.slot(i));
        }
    }
}
