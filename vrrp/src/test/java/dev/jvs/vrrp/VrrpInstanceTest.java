package dev.jvs.vrrp;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The state machine with a fake clock, on a simulated LAN that carries real encoded advertisements. */
class VrrpInstanceTest
{
    /** A LAN: what one instance advertises reaches the others, encoded and checked as on the wire. */
    static final class Lan implements VrrpOutput
    {
        final List<VrrpInstance> nodes = new ArrayList<>();
        final List<String> events = new ArrayList<>();
        final List<VrrpInstance> down = new ArrayList<>();
        long now;
        boolean cut;
        /** Deliver adverts after the sender's call returns, as a wire does (not from inside it). */
        boolean deferred;
        private final java.util.ArrayDeque<Runnable> wire = new java.util.ArrayDeque<>();
        private boolean delivering;

        VrrpInstance add(final InstanceConfig.Builder c)
        {
            final VrrpInstance i = new VrrpInstance(c.build(), this);
            nodes.add(i);
            return i;
        }

        @Override
        public void advertise(final VrrpInstance from, final int priority)
        {
            events.add(now + " " + from.config().name() + " adv " + priority);
            if (down.contains(from) || cut)
            {
                return;
            }
            final InstanceConfig c = from.config();
            final UnsafeBuffer b;
            if (c.ipv6())
            {
                b = new UnsafeBuffer(new byte[VrrpPacket.IP6_HEADER_LENGTH + 8 + c.addresses6().length]);
                VrrpPacket.write6(b, 0, c.vrid(), priority, c.addresses6(), c.advertCentis(), c.source6(),
                    VrrpPacket.GROUP6_HI, VrrpPacket.GROUP6_LO);
            }
            else
            {
                b = new UnsafeBuffer(new byte[VrrpPacket.length(c.version(), c.addresses().length)]);
                VrrpPacket.write(b, 0, c.version(), c.vrid(), priority, c.addresses(), c.advertCentis(), c.authPass(),
                    c.source(), VrrpPacket.GROUP, from.nextIpId());
            }
            for (final VrrpInstance to : nodes)
            {
                if (to != from && to.config().vrid() == c.vrid() && !down.contains(to))
                {
                    final Runnable deliver = () ->
                    {
                        final VrrpCounter bad = VrrpPacket.check(b, 0, b.capacity(), true);
                        if (null == bad)
                        {
                            to.onAdvert(b, 0, now);
                        }
                        else
                        {
                            to.count(bad);
                        }
                    };
                    if (deferred)
                    {
                        wire.add(deliver);
                    }
                    else
                    {
                        deliver.run();
                    }
                }
            }
            if (deferred && !delivering)
            {
                delivering = true;
                while (!wire.isEmpty())
                {
                    wire.poll().run();
                }
                delivering = false;
            }
        }

        @Override
        public void gratuitousArp(final VrrpInstance instance)
        {
            events.add(now + " " + instance.config().name() + " garp");
        }

        @Override
        public void stateChanged(final VrrpInstance i, final VrrpState from, final VrrpState to, final String why)
        {
            events.add(now + " " + i.config().name() + " " + to + " (" + why + ")");
        }

        /** Run the clock to {@code until}, ticking every instance at each deadline in time order. */
        void runTo(final long until)
        {
            while (true)
            {
                long next = Long.MAX_VALUE;
                for (final VrrpInstance i : nodes)
                {
                    if (!down.contains(i))
                    {
                        next = Math.min(next, i.nextDeadline());
                    }
                }
                if (next > until)
                {
                    now = until;
                    return;
                }
                now = Math.max(now, next);
                for (final VrrpInstance i : nodes)
                {
                    if (!down.contains(i))
                    {
                        i.tick(now);
                    }
                }
            }
        }

        long masters()
        {
            return nodes.stream().filter(i -> !down.contains(i) && VrrpState.MASTER == i.state()).count();
        }

        long when(final String text)
        {
            for (final String e : events)
            {
                if (e.contains(text))
                {
                    return Long.parseLong(e.substring(0, e.indexOf(' ')));
                }
            }
            return -1;
        }
    }

    static InstanceConfig.Builder node(final String name, final int priority, final int source, final int version)
    {
        final InstanceConfig.Builder c = VrrpPacketTest.config(version);
        c.name = name;
        c.priority = priority;
        c.source = source;
        return c;
    }

    /** An IPv6 instance: VRRPv3, keepalived's addresses, a link-local source ending in {@code last}. */
    static InstanceConfig.Builder node6(final String name, final int priority, final int last)
    {
        final InstanceConfig.Builder c = new InstanceConfig.Builder();
        c.name = name;
        c.vrid = 61;
        c.version = 3;
        c.priority = priority;
        c.addresses6 = VrrpPacketTest.VIPS6.clone();
        c.source6 = VrrpPacketTest.SRC6.clone();
        c.source6[15] = (byte)last;
        return c;
    }

    @Test
    void ipv6InstancesShouldElectByPriorityThenByTheHigherSource()
    {
        final Lan lan = new Lan();
        final VrrpInstance low = lan.add(node6("LOW", 100, 2));
        final VrrpInstance high = lan.add(node6("HIGH", 200, 3));
        low.start(0);
        high.start(0);
        lan.runTo(10_000);
        assertEquals(VrrpState.MASTER, high.state());
        assertEquals(VrrpState.BACKUP, low.state());
        assertTrue(low.counter(VrrpCounter.ADVERT_RECEIVED) > 5, "IPv6 adverts reached the backup");
        // Equal priorities: the higher source address stays master, the lower yields.
        final Lan tie = new Lan();
        final VrrpInstance a = tie.add(node6("A", 150, 2));
        final VrrpInstance b = tie.add(node6("B", 150, 0x0b));
        a.start(0);
        b.start(0);
        a.forceMaster(0, "test");
        b.forceMaster(0, "test");
        tie.runTo(5_000);
        assertEquals(VrrpState.MASTER, b.state());
        assertEquals(VrrpState.BACKUP, a.state());
        assertTrue(tie.events.stream().anyMatch(e -> e.contains("A BACKUP (higher priority advert from")),
            tie.events.toString());
    }

    @Test
    void anIpv6AdvertShouldNotReachAnIpv4InstanceOfTheSameVrid()
    {
        final VrrpInstance v4 = new VrrpInstance(node("V4", 100, 2, 3).build(), new Lan());
        v4.start(0);
        final UnsafeBuffer b = VrrpPacketTest.buffer(VrrpPacketTest.V6_FIRST);
        v4.onAdvert(b, 0, 10);
        assertEquals(1, v4.counter(VrrpCounter.VERSION_ERRORS));
        assertEquals(0, v4.counter(VrrpCounter.ADVERT_RECEIVED));
        final InstanceConfig.Builder other = node6("OTHER", 100, 2);
        other.addresses6 = java.util.Arrays.copyOf(VrrpPacketTest.VIPS6, 16);
        final VrrpInstance v6 = new VrrpInstance(other.build(), new Lan());
        v6.start(0);
        v6.onAdvert(b, 0, 10);
        assertEquals(1, v6.counter(VrrpCounter.ADDRESS_LIST_ERRORS), "two addresses where one is configured");
    }

    @Test
    void shouldStartAsBackupAndTakeOverAfterMasterDownInterval()
    {
        final Lan lan = new Lan();
        final VrrpInstance a = lan.add(node("A", 150, 2, 2));
        a.start(0);
        assertEquals(VrrpState.BACKUP, a.state());
        // 3 * 1000 + (256 - 150) * 1000 / 256 = 3414 ms
        assertEquals(3414, a.masterDownMs());
        lan.runTo(3413);
        assertEquals(VrrpState.BACKUP, a.state());
        lan.runTo(3414);
        assertEquals(VrrpState.MASTER, a.state());
        assertEquals(List.of("0 A BACKUP (init)", "3414 A adv 150", "3414 A garp", "3414 A garp", "3414 A garp",
            "3414 A garp", "3414 A garp", "3414 A MASTER (advertisement timeout)"), lan.events);
        lan.runTo(8414);
        assertEquals(5, lan.events.stream().filter(e -> e.contains(" adv ")).count() - 1, "one advert a second");
        assertEquals(10, lan.events.stream().filter(e -> e.contains("garp")).count(), "a second round after 5 s");
    }

    @Test
    void shouldElectHigherPriorityEitherWayRound()
    {
        for (final boolean highFirst : new boolean[] {true, false})
        {
            final Lan lan = new Lan();
            final VrrpInstance high = lan.add(node("H", 200, 2, 2));
            final VrrpInstance low = lan.add(node("L", 100, 3, 2));
            (highFirst ? high : low).start(0);
            lan.runTo(10_000);
            (highFirst ? low : high).start(10_000);
            lan.runTo(30_000);
            assertEquals(VrrpState.MASTER, high.state());
            assertEquals(VrrpState.BACKUP, low.state());
            assertEquals(1, lan.masters());
        }
    }

    @Test
    void shouldBreakEqualPriorityByHigherPrimaryAddress()
    {
        final Lan lan = new Lan();
        final VrrpInstance a = lan.add(node("A", 100, 0xC6130002, 3));
        final VrrpInstance b = lan.add(node("B", 100, 0xC6130003, 3));
        lan.cut = true;
        a.start(0);
        b.start(0);
        lan.runTo(10_000);
        assertEquals(2, lan.masters(), "a split LAN: both master");
        lan.cut = false;
        lan.runTo(20_000);
        assertEquals(VrrpState.BACKUP, a.state(), "healed: the lower address yields");
        assertEquals(VrrpState.MASTER, b.state());
    }

    @Test
    void shouldTakeOverWithinMasterDownIntervalWhenMasterDies()
    {
        final Lan lan = new Lan();
        final VrrpInstance m = lan.add(node("M", 200, 2, 2));
        final VrrpInstance b = lan.add(node("B", 100, 3, 2));
        m.start(0);
        b.start(0);
        lan.runTo(10_000);
        assertEquals(VrrpState.MASTER, m.state());
        lan.down.add(m);
        lan.runTo(20_000);
        final long last = lan.events.stream().filter(e -> e.contains("M adv")).mapToLong(
            e -> Long.parseLong(e.substring(0, e.indexOf(' ')))).filter(t -> t <= 10_000).max().orElseThrow();
        final long took = lan.when("B MASTER") - last;
        // Master_Down_Interval = 3 s + (256 - 100) / 256 s = 3609 ms after the last advert heard.
        assertEquals(3609, took);
    }

    @Test
    void shouldTakeOverAfterSkewTimeOnPriorityZero()
    {
        final Lan lan = new Lan();
        final VrrpInstance m = lan.add(node("M", 200, 2, 2));
        final VrrpInstance b = lan.add(node("B", 100, 3, 2));
        m.start(0);
        b.start(0);
        lan.runTo(10_000);
        m.stop(10_000);
        lan.runTo(20_000);
        assertEquals(VrrpState.STOP, m.state());
        assertEquals(1, m.counter(VrrpCounter.PRIORITY_ZERO_SENT));
        assertEquals(1, b.counter(VrrpCounter.PRIORITY_ZERO_RECEIVED));
        assertEquals(10_000 + b.skewMs(), lan.when("B MASTER"), "skew time (609 ms) after priority 0");
    }

    @Test
    void shouldPreemptOnReturnUnlessNopreempt()
    {
        for (final boolean preempt : new boolean[] {true, false})
        {
            final Lan lan = new Lan();
            final InstanceConfig.Builder hc = node("H", 200, 2, 2);
            hc.preempt = preempt;
            final VrrpInstance high = lan.add(hc);
            final VrrpInstance low = lan.add(node("L", 100, 3, 2));
            low.start(0);
            lan.runTo(10_000);
            assertEquals(VrrpState.MASTER, low.state());
            high.start(10_000);
            lan.runTo(30_000);
            assertEquals(preempt ? VrrpState.MASTER : VrrpState.BACKUP, high.state(), "preempt " + preempt);
            assertEquals(preempt ? VrrpState.BACKUP : VrrpState.MASTER, low.state());
            assertEquals(1, lan.masters());
        }
    }

    @Test
    void shouldPreemptOnlyAfterPreemptDelay()
    {
        final Lan lan = new Lan();
        final InstanceConfig.Builder hc = node("H", 200, 2, 2);
        hc.preemptDelayMs = 10_000;
        final VrrpInstance high = lan.add(hc);
        final VrrpInstance low = lan.add(node("L", 100, 3, 2));
        low.start(0);
        lan.runTo(10_000);
        high.start(10_000);
        lan.runTo(19_000);
        assertEquals(VrrpState.BACKUP, high.state(), "inside preempt_delay");
        lan.runTo(30_000);
        assertEquals(VrrpState.MASTER, high.state());
        final long t = lan.when("H MASTER");
        assertTrue(t >= 20_000 && t <= 24_000, "preempted at " + t);
    }

    @Test
    void shouldOwnAddressesAtOnceWithPriority255()
    {
        final Lan lan = new Lan();
        final VrrpInstance low = lan.add(node("L", 100, 3, 2));
        final VrrpInstance owner = lan.add(node("O", 255, 2, 2));
        low.start(0);
        lan.runTo(10_000);
        owner.start(10_000);
        assertEquals(VrrpState.MASTER, owner.state());
        assertEquals(VrrpState.BACKUP, low.state(), "the owner's first advert sends the old master back");
        assertEquals(1, lan.masters());
    }

    @Test
    void shouldAdoptMasterIntervalInV3AndRejectMismatchInV2()
    {
        final Lan lan = new Lan();
        final InstanceConfig.Builder mc = node("M", 200, 2, 3);
        mc.advertCentis = 50;
        final VrrpInstance m = lan.add(mc);
        final VrrpInstance b = lan.add(node("B", 100, 3, 3));
        m.start(0);
        b.start(0);
        lan.runTo(10_000);
        assertEquals(VrrpState.BACKUP, b.state());
        assertEquals(3 * 500 + 156 * 500 / 256, b.masterDownMs(), "v3 backup runs on the master's 500 ms");

        final Lan v2 = new Lan();
        final InstanceConfig.Builder m2 = node("M", 200, 2, 2);
        m2.advertCentis = 200;
        final VrrpInstance mm = v2.add(m2);
        final VrrpInstance bb = v2.add(node("B", 100, 3, 2));
        mm.start(0);
        bb.start(0);
        v2.runTo(20_000);
        assertTrue(bb.counter(VrrpCounter.ADVERT_INTERVAL_ERRORS) > 0);
        assertEquals(2, v2.masters(), "v2 drops a different interval: both end up master, as keepalived");
    }

    @Test
    void shouldDropBadAuthWrongAddressesAndWrongVersionWithoutStateChange()
    {
        final Lan lan = new Lan();
        final InstanceConfig.Builder mc = node("M", 200, 2, 2);
        mc.password("other");
        final VrrpInstance m = lan.add(mc);
        final InstanceConfig.Builder wc = node("W", 200, 4, 2);
        wc.addresses = new int[] {0xC6130050};
        final VrrpInstance w = lan.add(wc);
        final VrrpInstance v3 = lan.add(node("V", 250, 5, 3));
        final VrrpInstance b = lan.add(node("B", 100, 3, 2));
        m.start(0);
        w.start(0);
        v3.start(0);
        b.start(0);
        lan.runTo(20_000);
        assertEquals(VrrpState.MASTER, b.state(), "nothing it dropped held it back");
        assertTrue(b.counter(VrrpCounter.AUTH_FAILURE) > 0);
        assertTrue(b.counter(VrrpCounter.ADDRESS_LIST_ERRORS) > 0);
        assertTrue(b.counter(VrrpCounter.VERSION_ERRORS) > 0);
        assertEquals(0, b.counter(VrrpCounter.ADVERT_RECEIVED));

        final InstanceConfig.Builder none = node("N", 200, 6, 2);
        none.authPass = null;
        final Lan l2 = new Lan();
        final VrrpInstance n = l2.add(none);
        final VrrpInstance b2 = l2.add(node("B", 100, 3, 2));
        n.start(0);
        b2.start(0);
        l2.runTo(10_000);
        assertTrue(b2.counter(VrrpCounter.AUTH_TYPE_MISMATCH) > 0);
    }

    @Test
    void shouldGoToFaultAndBack()
    {
        final Lan lan = new Lan();
        final VrrpInstance m = lan.add(node("M", 200, 2, 2));
        final VrrpInstance b = lan.add(node("B", 100, 3, 2));
        m.start(0);
        b.start(0);
        lan.runTo(10_000);
        m.fault(true, 10_000);
        assertEquals(VrrpState.FAULT, m.state());
        lan.runTo(11_000);
        assertEquals(VrrpState.MASTER, b.state(), "priority 0 on fault: the backup takes over after its skew");
        m.fault(false, 20_000);
        assertEquals(VrrpState.BACKUP, m.state());
        lan.runTo(30_000);
        assertEquals(VrrpState.MASTER, m.state(), "preempts again once healthy");
    }

    @Test
    void shouldLowerEffectivePriorityWithTrackingWeight()
    {
        final Lan lan = new Lan();
        final VrrpInstance m = lan.add(node("M", 150, 2, 2));
        final VrrpInstance b = lan.add(node("B", 120, 3, 2));
        m.start(0);
        b.start(0);
        lan.runTo(10_000);
        assertEquals(VrrpState.MASTER, m.state());
        m.priorityDelta(-50);
        assertEquals(100, m.effectivePriority());
        lan.runTo(20_000);
        assertEquals(VrrpState.MASTER, b.state(), "a lower advert lets the backup preempt");
        assertEquals(VrrpState.BACKUP, m.state());
        m.priorityDelta(-200);
        assertEquals(1, m.effectivePriority(), "clamped to 1");
    }

    @Test
    void shouldMoveSyncGroupMembersTogether()
    {
        final Lan lan = new Lan();
        final VrrpInstance m1 = lan.add(node("M1", 200, 2, 2));
        final InstanceConfig.Builder m2c = node("M2", 200, 2, 2);
        m2c.vrid = 52;
        final VrrpInstance m2 = lan.add(m2c);
        final VrrpInstance b1 = lan.add(node("B1", 100, 3, 2));
        final InstanceConfig.Builder b2c = node("B2", 100, 3, 2);
        b2c.vrid = 52;
        final VrrpInstance b2 = lan.add(b2c);
        new SyncGroup("G1", List.of(m1, m2));
        new SyncGroup("G2", List.of(b1, b2));
        for (final VrrpInstance i : lan.nodes)
        {
            i.start(0);
        }
        lan.runTo(10_000);
        assertEquals(List.of(VrrpState.MASTER, VrrpState.MASTER, VrrpState.BACKUP, VrrpState.BACKUP),
            lan.nodes.stream().map(VrrpInstance::state).toList());
        m1.fault(true, 10_000);
        lan.runTo(12_000);
        assertEquals(VrrpState.FAULT, m2.state(), "the whole group goes to FAULT");
        assertEquals(VrrpState.MASTER, b1.state());
        assertEquals(VrrpState.MASTER, b2.state());
        m1.fault(false, 12_000);
        assertEquals(VrrpState.BACKUP, m2.state(), "and comes back with it");
        lan.runTo(30_000);
        assertEquals(List.of(VrrpState.MASTER, VrrpState.MASTER, VrrpState.BACKUP, VrrpState.BACKUP),
            lan.nodes.stream().map(VrrpInstance::state).toList());
    }

    @Test
    void shouldResumeTheStateOfTheInstanceItReplaces()
    {
        final Lan lan = new Lan();
        final VrrpInstance m = lan.add(node("M", 200, 2, 2));
        final VrrpInstance b = lan.add(node("B", 100, 3, 2));
        m.start(0);
        b.start(0);
        lan.runTo(10_000);
        lan.nodes.remove(m);
        final VrrpInstance m2 = lan.add(node("M", 200, 2, 2));
        m2.resume(VrrpState.MASTER, 10_000);
        assertEquals(VrrpState.MASTER, m2.state(), "a reloaded master is master at once");
        lan.runTo(20_000);
        assertEquals(VrrpState.BACKUP, b.state(), "and the backup never noticed");
        assertEquals(0, lan.events.stream().filter(e -> e.contains("B MASTER")).count());
    }

    /**
     * A master hearing a lower priority advert answers with an advert and a round of gratuitous ARPs
     * (garp_lower_prio_repeat), unless lower_prio_no_advert; with higher_prio_send_advert it advertises once
     * more before yielding to a higher priority (keepalived's vrrp_state_master_rx). The other node becomes
     * master while the LAN is cut, then the LAN heals.
     */
    @Test
    void aMastersAnswerToLowerAndHigherPriorityAdvertsShouldFollowItsSettings()
    {
        for (final boolean strict : new boolean[] {false, true})
        {
            final Lan lan = new Lan();
            final InstanceConfig.Builder mc = node("M", 200, 2, 2);
            mc.lowerPrioNoAdvert = strict;
            mc.garpLowerPrioRepeat = strict ? 0 : 2;
            lan.add(mc).start(0);
            lan.cut = true;
            lan.add(node("L", 100, 3, 2)).start(0);
            lan.runTo(9_500);
            assertEquals(2, lan.masters());
            lan.cut = false;
            lan.events.clear();
            lan.runTo(10_300);
            assertEquals(strict ?
                List.of("9609 L adv 100", "10218 M adv 200", "10218 L BACKUP (higher priority advert from 0.0.0.2)") :
                List.of("9609 L adv 100", "9609 M adv 200", "9609 L BACKUP (higher priority advert from 0.0.0.2)",
                    "9609 M garp", "9609 M garp"), lan.events.subList(0, strict ? 3 : 5), "strict: " + strict);
        }
        final Lan lan = new Lan();
        lan.deferred = true;
        final InstanceConfig.Builder mc = node("M", 100, 2, 2);
        mc.higherPrioSendAdvert = true;
        lan.add(mc).start(0);
        lan.cut = true;
        lan.add(node("H", 200, 3, 2)).start(0);
        lan.runTo(9_500);
        lan.cut = false;
        lan.events.clear();
        lan.runTo(10_000);
        // M's advert reaches H, which answers (a lower priority master); M advertises once more, then yields.
        assertEquals(List.of("9609 M adv 100", "9609 H adv 200", "9609 M adv 100", "9609 M BACKUP (higher priority " +
            "advert from 0.0.0.3)"), lan.events.stream().filter(e -> !e.contains("garp")).toList().subList(0, 4));
    }
}
