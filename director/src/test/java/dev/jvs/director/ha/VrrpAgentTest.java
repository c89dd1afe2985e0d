package dev.jvs.director.ha;

import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.engine.Counters;
import dev.jvs.engine.EngineConfig;
import dev.jvs.engine.Forwarder;
import dev.jvs.engine.Neighbors;
import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.io.Sender;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.vrrp.VrrpState;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The agent on a fake transmitter and clock: a sync group taking over, its frames, its gate, its notify. */
class VrrpAgentTest
{
    @TempDir
    Path dir;

    /** Frames as sent, each copied out. */
    static final class Frames implements Sender
    {
        final UnsafeBuffer slot = new UnsafeBuffer(new byte[SLOT_SIZE]);
        final List<byte[]> sent = new ArrayList<>();

        @Override
        public UnsafeBuffer buffer()
        {
            return slot;
        }

        @Override
        public int slotOffset()
        {
            return 0;
        }

        @Override
        public boolean isFull()
        {
            return false;
        }

        @Override
        public void commit(final int length)
        {
            final byte[] f = new byte[length];
            slot.getBytes(0, f);
            sent.add(f);
        }

        @Override
        public int flush()
        {
            return 0;
        }

        @Override
        public void close()
        {
        }
    }

    @Test
    void aSyncGroupShouldTakeOverTogetherSendItsFramesOpenTheGateAndNotify() throws Exception
    {
        final Path notes = dir.resolve("notes");
        final KeepalivedConfig kc = KeepalivedConfig.parse(dir.resolve("k.conf"), """
            vrrp_sync_group G1 {
                group {
                    VI_1
                    VI_2
                }
                notify_master "/bin/sh -c 'echo group-master >> NOTES'"
                notify "/bin/sh -c 'echo NOTIFY >> NOTES' notify"
            }
            vrrp_instance VI_1 {
                interface eth0
                dont_track_primary
                virtual_router_id 51
                priority 150
                virtual_ipaddress {
                    198.19.0.80
                }
            }
            vrrp_instance VI_2 {
                interface eth0
                dont_track_primary
                virtual_router_id 52
                priority 150
                virtual_ipaddress {
                    198.19.0.1
                }
            }
            virtual_server 198.19.0.80 80 {
                real_server 198.19.0.11 80
            }
            """.replace("NOTES", notes.toString()).replace("NOTIFY", "$1 $2 $3"));
        final ServiceTable services = new ServiceTable(() -> 0);
        dev.jvs.director.config.ConfigLoader.apply(kc, services, new Neighbors(), -1, 0);
        final Forwarder fwd = new Forwarder(new EngineConfig(), services, new ConnectionTable(1024, 1, 0),
            new Neighbors(), new Counters());
        final Frames tx = new Frames();
        final List<String> log = new ArrayList<>();
        final VrrpAgent agent = new VrrpAgent(kc.vrrp, "eth0", 0xC6130002, 0x020000000001L, dev.jvs.engine.agent.Forwarders.inline(fwd), tx, new Neighbors(),
            log::add);
        assertTrue(fwd.isStandby(), "backup until elected");
        agent.start(0);
        for (long t = 0; t <= 5_000; t += 10)
        {
            agent.onCycle(t);
        }
        assertEquals(List.of(VrrpState.MASTER, VrrpState.MASTER), agent.instances().stream().map(
            dev.jvs.vrrp.VrrpInstance::state).toList());
        assertFalse(fwd.isStandby(), "master of every instance: the gate is open");
        assertTrue(fwd.owns(0xC6130001), "the group's other address is owned too");
        final long adverts = tx.sent.stream().filter(f -> Ethernet.TYPE_IPV4 == Ethernet.type(new UnsafeBuffer(f), 0))
            .count();
        final long garps = tx.sent.stream().filter(f -> Ethernet.TYPE_ARP == Ethernet.type(new UnsafeBuffer(f), 0))
            .count();
        assertTrue(adverts >= 2, "each instance advertised: " + adverts);
        assertEquals(10, garps, "garp_master_repeat 5 for each address");
        agent.stop(6_000);
        final long end = System.currentTimeMillis() + 5_000;
        while (System.currentTimeMillis() < end && (!Files.exists(notes) ||
            Files.readAllLines(notes).size() < 4))
        {
            Thread.sleep(20);
        }
        assertEquals(List.of("GROUP G1 BACKUP", "group-master", "GROUP G1 MASTER", "GROUP G1 STOP"),
            Files.readAllLines(notes), "the group's scripts, once per state all its members reached, in order");
        assertTrue(log.stream().anyMatch(l -> l.equals("VRRP sync group G1: MASTER")), log.toString());
    }

    /**
     * virtual_ipaddress_excluded: the master owns the excluded address (gratuitous ARP, the gate) but its
     * adverts list only the virtual_ipaddress ones; mcast_src_ip is the adverts' source.
     */
    @Test
    void excludedAddressesShouldBeOwnedButNotAdvertised() throws Exception
    {
        final KeepalivedConfig kc = KeepalivedConfig.parse(dir.resolve("k.conf"), """
            vrrp_instance VI_1 {
                interface eth0
                dont_track_primary
                virtual_router_id 51
                priority 150
                mcast_src_ip 198.19.0.9
                virtual_ipaddress {
                    198.19.0.80
                }
                virtual_ipaddress_excluded {
                    198.19.0.81
                    198.19.0.82
                }
            }
            """);
        assertTrue(kc.warnings.isEmpty(), kc.warnings.toString());
        final Forwarder fwd = new Forwarder(new EngineConfig(), new ServiceTable(() -> 0), new ConnectionTable(1024, 1, 0),
            new Neighbors(), new Counters());
        final Frames tx = new Frames();
        final VrrpAgent agent = new VrrpAgent(kc.vrrp, "eth0", 0xC6130002, 0x020000000001L, dev.jvs.engine.agent.Forwarders.inline(fwd), tx, new Neighbors(),
            l -> { });
        agent.start(0);
        for (long t = 0; t <= 5_000; t += 10)
        {
            agent.onCycle(t);
        }
        assertTrue(fwd.owns(0xC6130051) && fwd.owns(0xC6130052),
            "the excluded addresses are the master's");
        final List<byte[]> adverts = tx.sent.stream().filter(f -> Ethernet.TYPE_IPV4 ==
            Ethernet.type(new UnsafeBuffer(f), 0)).toList();
        assertFalse(adverts.isEmpty());
        for (final byte[] a : adverts)
        {
            assertEquals(1, a[14 + 20 + 3] & 0xFF, "one address in the advert (count IPs)");
            assertEquals(0xC6130009, new UnsafeBuffer(a).getInt(14 + 12, java.nio.ByteOrder.BIG_ENDIAN),
                "mcast_src_ip");
        }
        final long garps = tx.sent.stream().filter(f -> Ethernet.TYPE_ARP == Ethernet.type(new UnsafeBuffer(f), 0))
            .count();
        assertEquals(15, garps, "garp_master_repeat 5 for each of the three addresses");
        agent.stop(6_000);
    }

    /**
     * An IPv6 instance beside an IPv4 one of the same VRID on one interface (RFC 5798: the families are apart):
     * the IPv6 one advertises VRRPv3 from the link-local address to ff02::12, sends unsolicited neighbour
     * advertisements for its addresses (and the IPv4 instance for its IPv6 excluded address), and a higher
     * priority IPv6 advert takes only the IPv6 instance to backup.
     */
    @Test
    void anIpv6InstanceShouldAdvertiseFromTheLinkLocalAddressApartFromIpv4() throws Exception
    {
        final KeepalivedConfig kc = KeepalivedConfig.parse(dir.resolve("k.conf"), """
            vrrp_instance VI_4 {
                interface eth0
                dont_track_primary
                virtual_router_id 51
                priority 150
                virtual_ipaddress {
                    198.19.0.80
                }
                virtual_ipaddress_excluded {
                    2001:2::99
                }
            }
            vrrp_instance VI_6 {
                interface eth0
                dont_track_primary
                virtual_router_id 51
                priority 150
                virtual_ipaddress {
                    fe80::80
                    2001:2::80
                }
            }
            """);
        assertTrue(kc.warnings.isEmpty(), kc.warnings.toString());
        final Forwarder fwd = new Forwarder(new EngineConfig(), new ServiceTable(() -> 0),
            new ConnectionTable(1024, 1, 0), new Neighbors(), new Counters());
        final Frames tx = new Frames();
        final byte[] linkLocal = dev.jvs.engine.frame.IpAddress.parse("fe80::ff:fe00:2").bytes();
        final List<String> log = new ArrayList<>();
        final VrrpAgent agent = new VrrpAgent(kc.vrrp, List.of(new VrrpAgent.Link(0, "eth0", 0xC6130002,
            0x020000000002L, tx, linkLocal, false)), dev.jvs.engine.agent.Forwarders.inline(fwd), new Neighbors(),
            log::add);
        agent.start(0);
        for (long t = 0; t <= 5_000; t += 10)
        {
            agent.onCycle(t);
        }
        assertEquals(List.of(VrrpState.MASTER, VrrpState.MASTER), agent.instances().stream().map(
            dev.jvs.vrrp.VrrpInstance::state).toList());
        final List<UnsafeBuffer> six = tx.sent.stream().map(UnsafeBuffer::new)
            .filter(f -> Ethernet.TYPE_IPV6 == Ethernet.type(f, 0)).toList();
        final List<UnsafeBuffer> adverts = six.stream().filter(f -> 112 == f.getByte(14 + 6)).toList();
        assertFalse(adverts.isEmpty());
        for (final UnsafeBuffer a : adverts)
        {
            assertEquals(0x333300000012L, Ethernet.mac(a, 0));
            assertEquals(null, dev.jvs.vrrp.VrrpPacket.check(a, 14, a.capacity() - 14, true));
            assertEquals(0, dev.jvs.vrrp.VrrpPacket.compareSource6(a, 14, linkLocal), "from the link-local address");
            assertEquals(2, dev.jvs.vrrp.VrrpPacket.addressCount(a, 54));
        }
        final java.util.Map<String, Long> nas = new java.util.TreeMap<>();
        six.stream().filter(f -> 58 == f.getByte(14 + 6) && 136 == (f.getByte(54) & 0xFF)).forEach(f ->
            nas.merge(new dev.jvs.engine.frame.IpAddress(true, f.getLong(54 + 8, java.nio.ByteOrder.BIG_ENDIAN),
                f.getLong(54 + 16, java.nio.ByteOrder.BIG_ENDIAN)).toString(), 1L, Long::sum));
        assertEquals(java.util.Map.of("2001:2::80", 5L, "2001:2::99", 5L, "fe80::80", 5L), nas,
            "garp_master_repeat 5 unsolicited advertisements for each IPv6 address");

        // A higher priority IPv6 router of VRID 51: the IPv6 instance yields, the IPv4 one stays master.
        final UnsafeBuffer higher = new UnsafeBuffer(new byte[40 + 8 + 32]);
        final byte[] vips = new byte[32];
        System.arraycopy(dev.jvs.engine.frame.IpAddress.parse("fe80::80").bytes(), 0, vips, 0, 16);
        System.arraycopy(dev.jvs.engine.frame.IpAddress.parse("2001:2::80").bytes(), 0, vips, 16, 16);
        dev.jvs.vrrp.VrrpPacket.write6(higher, 0, 51, 200, vips, 100,
            dev.jvs.engine.frame.IpAddress.parse("fe80::ff:fe00:3").bytes(), dev.jvs.vrrp.VrrpPacket.GROUP6_HI,
            dev.jvs.vrrp.VrrpPacket.GROUP6_LO);
        // Bad ones first, each claiming 200: counted under keepalived's names, none taken.
        final dev.jvs.vrrp.VrrpInstance v6 = agent.instances().get(1);
        final UnsafeBuffer hop = copy(higher);
        hop.putByte(7, (byte)64);
        final UnsafeBuffer sum = copy(higher);
        sum.putByte(40 + 6, (byte)(sum.getByte(40 + 6) ^ 1));
        final UnsafeBuffer v2 = copy(higher);
        v2.putByte(40, (byte)0x21);
        final UnsafeBuffer cut = copy(higher);
        for (final UnsafeBuffer bad : List.of(hop, sum, v2))
        {
            assertTrue(agent.onFrame(0, bad, 0, bad.capacity(), 112, 5_050));
        }
        assertTrue(agent.onFrame(0, cut, 0, 45, 112, 5_050));
        assertTrue(agent.onFrame(0, cut, 0, 41, 112, 5_050));
        assertEquals(1, agent.dropped(dev.jvs.vrrp.VrrpCounter.PACKET_LENGTH_ERRORS), "too short to name its VRID");
        assertEquals(1, v6.counter(dev.jvs.vrrp.VrrpCounter.TTL_ERRORS));
        assertEquals(1, v6.counter(dev.jvs.vrrp.VrrpCounter.CHECKSUM_ERRORS));
        assertEquals(1, v6.counter(dev.jvs.vrrp.VrrpCounter.VERSION_ERRORS));
        assertEquals(1, v6.counter(dev.jvs.vrrp.VrrpCounter.PACKET_LENGTH_ERRORS));
        assertEquals(0, v6.counter(dev.jvs.vrrp.VrrpCounter.ADVERT_RECEIVED));
        assertEquals(VrrpState.MASTER, v6.state());
        assertTrue(agent.onFrame(0, higher, 0, higher.capacity(), 112, 5_100));
        assertEquals(List.of(VrrpState.MASTER, VrrpState.BACKUP), agent.instances().stream().map(
            dev.jvs.vrrp.VrrpInstance::state).toList());
        assertTrue(log.stream().anyMatch(l -> l.contains("VI_6: MASTER -> BACKUP (higher priority advert from " +
            "fe80::ff:fe00:3)")), log.toString());
        assertTrue(log.stream().anyMatch(l -> l.contains("advert from fe80::ff:fe00:3 dropped: ")), log.toString());
        agent.stop(6_000);
    }

    private static UnsafeBuffer copy(final UnsafeBuffer b)
    {
        return new UnsafeBuffer(b.byteArray().clone());
    }

    /** check_unicast_src: an advert from no configured peer is counted and changes nothing. */
    @Test
    void checkUnicastSrcShouldIgnoreAdvertsFromStrangers() throws Exception
    {
        final KeepalivedConfig kc = KeepalivedConfig.parse(dir.resolve("k.conf"), """
            vrrp_instance VI_1 {
                interface eth0
                dont_track_primary
                virtual_router_id 51
                priority 100
                unicast_src_ip 198.19.0.2
                unicast_peer {
                    198.19.0.3
                }
                check_unicast_src
                virtual_ipaddress {
                    198.19.0.80
                }
            }
            """);
        assertTrue(kc.warnings.isEmpty(), kc.warnings.toString());
        final Forwarder fwd = new Forwarder(new EngineConfig(), new ServiceTable(() -> 0), new ConnectionTable(1024, 1, 0),
            new Neighbors(), new Counters());
        final VrrpAgent agent = new VrrpAgent(kc.vrrp, "eth0", 0xC6130002, 0x020000000001L, dev.jvs.engine.agent.Forwarders.inline(fwd), new Frames(),
            new Neighbors(), l -> { });
        agent.start(0);
        for (long t = 0; t <= 5_000; t += 10)
        {
            agent.onCycle(t);
        }
        final dev.jvs.vrrp.VrrpInstance i = agent.instances().get(0);
        assertEquals(VrrpState.MASTER, i.state());
        final UnsafeBuffer advert = new UnsafeBuffer(new byte[64]);
        for (final int from : new int[] {0xC6130009, 0xC6130003})
        {
            final int n = dev.jvs.vrrp.VrrpPacket.write(advert, 0, 2, 51, 254, new int[] {0xC6130050}, 100, null, from,
                0xC6130002, 1);
            agent.onFrame(advert, 0, n, dev.jvs.vrrp.VrrpPacket.PROTOCOL, 5_100);
            agent.onCycle(5_100);
            if (0xC6130009 == from)
            {
                assertEquals(VrrpState.MASTER, i.state(), "a stranger's higher priority changes nothing");
                assertEquals(1, i.counter(dev.jvs.vrrp.VrrpCounter.UNKNOWN_PEER));
            }
        }
        assertEquals(VrrpState.BACKUP, i.state(), "the configured peer's higher priority wins");
        agent.stop(6_000);
    }

    /**
     * A multicast instance takes adverts to the group only (keepalived: "Expected multicast packet but received
     * unicast packet"), and a too long advert is dropped: each counted every time, logged the first time.
     */
    @Test
    void aMulticastInstanceShouldDropUnicastAndOverlongAdvertsCountingAndLoggingOnce() throws Exception
    {
        final KeepalivedConfig kc = KeepalivedConfig.parse(dir.resolve("k.conf"), """
            vrrp_instance VI_1 {
                interface eth0
                dont_track_primary
                virtual_router_id 51
                priority 100
                virtual_ipaddress {
                    198.19.0.80
                }
            }
            """);
        final Forwarder fwd = new Forwarder(new EngineConfig(), new ServiceTable(() -> 0), new ConnectionTable(1024, 1, 0),
            new Neighbors(), new Counters());
        final List<String> log = new ArrayList<>();
        final VrrpAgent agent = new VrrpAgent(kc.vrrp, "eth0", 0xC6130002, 0x020000000001L, dev.jvs.engine.agent.Forwarders.inline(fwd), new Frames(),
            new Neighbors(), log::add);
        agent.start(0);
        for (long t = 0; t <= 5_000; t += 10)
        {
            agent.onCycle(t);
        }
        final dev.jvs.vrrp.VrrpInstance i = agent.instances().get(0);
        assertEquals(VrrpState.MASTER, i.state());
        final UnsafeBuffer advert = new UnsafeBuffer(new byte[64]);
        for (int k = 0; k < 3; k++)
        {
            final int n = dev.jvs.vrrp.VrrpPacket.write(advert, 0, 2, 51, 254, new int[] {0xC6130050}, 100, null,
                0xC6130003, 0xC6130002, 1);
            agent.onFrame(advert, 0, n, dev.jvs.vrrp.VrrpPacket.PROTOCOL, 5_100);
            agent.onCycle(5_100);
        }
        assertEquals(VrrpState.MASTER, i.state(), "a unicast advert changes nothing");
        assertEquals(3, i.counter(dev.jvs.vrrp.VrrpCounter.ADDRESS_LIST_ERRORS));
        final int n = dev.jvs.vrrp.VrrpPacket.write(advert, 0, 2, 51, 254, new int[] {0xC6130050}, 100, null,
            0xC6130003, dev.jvs.vrrp.VrrpPacket.GROUP, 1);
        advert.putShort(2, (short)(n + 4), java.nio.ByteOrder.BIG_ENDIAN);
        agent.onFrame(advert, 0, n + 4, dev.jvs.vrrp.VrrpPacket.PROTOCOL, 5_200);
        assertEquals(VrrpState.MASTER, i.state(), "too long: dropped");
        assertEquals(1, i.counter(dev.jvs.vrrp.VrrpCounter.PACKET_LENGTH_ERRORS));
        assertEquals(List.of(
            "VRRP VI_1: advert from 198.19.0.3 dropped: addr_list_err: expected a multicast packet, received a " +
                "unicast one (further drops of this kind are counted, not logged)",
            "VRRP VI_1: advert from 198.19.0.3 dropped: packet_len_err (further drops of this kind are counted, " +
                "not logged)"), log.stream().filter(l -> l.contains("dropped")).toList());
        agent.stop(6_000);
    }

    /** keepalived's stats tell a type that is no auth type at all from a known one that is not ours. */
    @Test
    void anUnknownAuthTypeShouldBeInvalidAndAnotherKnownOneAMismatch() throws Exception
    {
        final KeepalivedConfig kc = KeepalivedConfig.parse(java.nio.file.Path.of("k.conf"), """
            vrrp_instance VI_1 {
                interface eth0
                dont_track_primary
                virtual_router_id 51
                priority 100
                virtual_ipaddress {
                    198.19.0.80
                }
            }
            """);
        final Forwarder fwd = new Forwarder(new EngineConfig(), new ServiceTable(() -> 0), new ConnectionTable(1024, 1, 0),
            new Neighbors(), new Counters());
        final VrrpAgent agent = new VrrpAgent(kc.vrrp, "eth0", 0xC6130002, 0x020000000001L,
            dev.jvs.engine.agent.Forwarders.inline(fwd), new Frames(), new Neighbors(), line -> { });
        agent.start(0);
        final dev.jvs.vrrp.VrrpInstance i = agent.instances().get(0);
        final UnsafeBuffer advert = new UnsafeBuffer(new byte[64]);
        for (final int type : new int[] {5, 1})
        {
            final int n = dev.jvs.vrrp.VrrpPacket.write(advert, 0, 2, 51, 200, new int[] {0xC6130050}, 100, null,
                0xC6130003, dev.jvs.vrrp.VrrpPacket.GROUP, 1);
            advert.putByte(20 + 4, (byte)type);
            advert.putShort(20 + 6, (short)0);
            advert.putShort(20 + 6, (short)dev.jvs.engine.frame.Checksums.finish(
                dev.jvs.engine.frame.Checksums.sum(advert, 20, n - 20, 0)), java.nio.ByteOrder.BIG_ENDIAN);
            agent.onFrame(advert, 0, n, dev.jvs.vrrp.VrrpPacket.PROTOCOL, 100);
        }
        assertEquals(1, i.counter(dev.jvs.vrrp.VrrpCounter.INVALID_AUTH_TYPE), "type 5: invalid_authtype");
        assertEquals(1, i.counter(dev.jvs.vrrp.VrrpCounter.AUTH_TYPE_MISMATCH), "PASS where none: authtype_mismatch");
        agent.stop(200);
    }
}
