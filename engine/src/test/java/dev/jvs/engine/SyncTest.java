package dev.jvs.engine;

import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.conn.TcpStates;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.service.VirtualService;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.jvs.engine.EngineFixture.dstMac;
import static dev.jvs.engine.Packets.CLIENT;
import static dev.jvs.engine.Packets.CLIENT_MAC;
import static dev.jvs.engine.Packets.RS1;
import static dev.jvs.engine.Packets.RS2;
import static dev.jvs.engine.Packets.RS2_MAC;
import static dev.jvs.engine.Packets.VIP;
import static dev.jvs.engine.Packets.frame;
import static dev.jvs.engine.frame.Tcp.ACK;
import static dev.jvs.engine.frame.Tcp.FIN;
import static dev.jvs.engine.frame.Tcp.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Connection sync in the engine: when a master sends an entry, and how a backup installs and uses one. */
class SyncTest
{
    private final EngineFixture fx = new EngineFixture();

    @Test
    void masterShouldSendAsIpvsDoesOnThirdPacketEveryFiftiethAndOnClosingStates()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS2, 80, Method.DR, 1, 0, 0);
        final List<String> sent = new ArrayList<>();
        fx.fwd.syncSink((t, e) -> sent.add(t.state(e) + (0 != (t.flags(e) & ConnectionTable.F_TEMPLATE) ? "T" : "")));
        fx.send(frame().tcp(SYN).build());
        fx.send(frame().tcp(ACK).build());
        assertEquals(List.of(), sent, "not before the third packet");
        fx.send(frame().tcp(ACK).payload(100).build());
        assertEquals(List.of(String.valueOf(TcpStates.ESTABLISHED)), sent);
        for (int i = 4; i < 53; i++)
        {
            fx.send(frame().tcp(ACK).build());
        }
        assertEquals(1, sent.size(), "nothing until the 53rd");
        fx.send(frame().tcp(ACK).build());
        assertEquals(2, sent.size(), "the 53rd: 53 % 50 == 3");
        fx.send(frame().tcp(FIN | ACK).build());
        assertEquals(String.valueOf(TcpStates.FIN_WAIT), sent.get(2), "a closing state is sent at once");
    }

    @Test
    void masterShouldSendTheTemplateWithItsConnection()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.persistence(60_000, -1);
        s.addRealServer(RS2, 80, Method.DR, 1, 0, 0);
        final List<String> sent = new ArrayList<>();
        fx.fwd.syncSink((t, e) -> sent.add(0 != (t.flags(e) & ConnectionTable.F_TEMPLATE) ? "template" : "conn"));
        fx.send(frame().tcp(SYN).build());
        fx.send(frame().tcp(ACK).build());
        fx.send(frame().tcp(ACK).build());
        assertEquals(List.of("conn", "template"), sent);
        final int t = fx.conns.lookupTemplate(6, CLIENT, VIP, 80);
        assertEquals(ConnectionTable.TPL_ASSURED, fx.conns.state(t), "sent as the kernel sends cp->state: ASSURED");
    }

    /** ip_vs_proc_conn: a synced template takes the master's state (NONE or ASSURED), a later message's too. */
    @Test
    void aSyncedTemplateShouldTakeTheMastersState()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.persistence(60_000, -1);
        s.addRealServer(RS2, 80, Method.DR, 1, 0, 0);
        final int t = fx.fwd.installSynced(6, CLIENT, 0, VIP, 80, RS2, 80, 0, true, false, 0, 60_000, fx.now);
        assertTrue(t >= 0);
        assertEquals(0, fx.conns.state(t));
        assertEquals(t, fx.fwd.installSynced(6, CLIENT, 0, VIP, 80, RS2, 80, 0, true, false,
            ConnectionTable.TPL_ASSURED, 60_000, fx.now));
        assertEquals(ConnectionTable.TPL_ASSURED, fx.conns.state(t));
    }

    @Test
    void backupShouldForwardNothingThenCarrySyncedConnectionsAfterTakeover()
    {
        final VirtualService s = fx.tcp(80, "rr");
        final int d = s.addRealServer(RS2, 80, Method.DR, 1, 0, 0);
        s.addRealServer(RS1, 80, Method.DR, 1, 0, 0);
        fx.fwd.gate(Forwarder.GATE_OWNED);
        assertNull(fx.send(frame().tcp(SYN).build()));
        assertEquals(1, fx.counters.get(Counter.DROP_STANDBY));
        final int e = fx.fwd.installSynced(6, CLIENT, 40000, VIP, 80, RS2, 80, 0, false, false,
            TcpStates.ESTABLISHED, 900_000, fx.now);
        assertTrue(e >= 0);
        assertEquals(1, s.dests().activeConns(d), "counted at its real server as IPVS binds it");
        assertNull(fx.send(frame().tcp(ACK).build()), "still backup");
        fx.fwd.gate(Forwarder.GATE_OPEN);
        final byte[] o = fx.send(frame().tcp(ACK).payload(10).build());
        assertNotNull(o, "a mid-stream segment continues on the synced connection");
        assertEquals(RS2_MAC, dstMac(o));
        assertEquals(-1, fx.fwd.installSynced(6, CLIENT, 40001, VIP, 80, 0x01020304, 80, 0, false, false,
            TcpStates.ESTABLISHED, 900_000, fx.now), "no such real server here");
        assertEquals(-1, fx.fwd.installSynced(6, CLIENT, 40001, VIP, 81, RS2, 80, 0, false, false,
            TcpStates.ESTABLISHED, 900_000, fx.now), "no such service here");
    }

    @Test
    void syncedNatConnectionShouldFindItsClientByArpWhenTheServerSpeaksFirst()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS2, 80, Method.NAT, 1, 0, 0);
        assertTrue(fx.fwd.installSynced(6, CLIENT, 40000, VIP, 80, RS2, 80, 0, false, false,
            TcpStates.ESTABLISHED, 900_000, fx.now) >= 0);
        final byte[] reply = frame().tcp(ACK).from(RS2, 80).to(CLIENT, 40000).macs(RS2_MAC, Packets.DIRECTOR_MAC)
            .payload(100).build();
        final byte[] arp = fx.send(reply);
        assertNotNull(arp);
        assertEquals(Ethernet.TYPE_ARP, Ethernet.type(EngineFixture.buf(arp), 0), "asks who the client is");
        assertEquals(1, fx.counters.get(Counter.DROP_NO_NEIGHBOR));
        fx.neighbors.put(CLIENT, CLIENT_MAC);
        final byte[] o = fx.send(reply);
        assertNotNull(o);
        assertEquals(CLIENT_MAC, dstMac(o));
    }

    @Test
    void anActiveActiveDirectorShouldForwardAndAnswerOnlyForTheAddressesItOwns()
    {
        final int vip2 = dev.jvs.engine.frame.Ipv4.parse("198.19.0.81");
        fx.tcp(80, "rr").addRealServer(RS2, 80, Method.DR, 1, 0, 0);
        fx.services.add(6, vip2, 80, "rr", 0, fx.now).addRealServer(RS1, 80, Method.NAT, 1, 0, 0);
        final int[] managed = {VIP, vip2};
        fx.fwd.own(new Ownership(Forwarder.GATE_OWNED, new int[] {VIP}, new long[0], managed));
        assertNotNull(fx.send(frame().tcp(SYN).build()), "master of VIP: forwarded");
        assertNotNull(fx.send(Packets.arpRequest(VIP)), "and answered");
        assertNull(fx.send(frame().tcp(SYN).to(vip2, 80).build()), "backup of the other VIP");
        assertNull(fx.send(Packets.arpRequest(vip2)));
        assertEquals(1, fx.counters.get(Counter.DROP_STANDBY));

        fx.fwd.own(new Ownership(Forwarder.GATE_OWNED, managed, new long[0], managed));
        assertNotNull(fx.send(frame().tcp(SYN).from(CLIENT, 41000).to(vip2, 80).build()), "took over the other VIP");
        final byte[] reply = frame().tcp(SYN | ACK).from(RS1, 80).to(CLIENT, 41000)
            .macs(Packets.RS1_MAC, Packets.DIRECTOR_MAC).build();
        assertNotNull(fx.send(reply), "its NAT replies go back");
        fx.fwd.own(new Ownership(Forwarder.GATE_OWNED, new int[] {VIP}, new long[0], managed));
        assertNull(fx.send(reply), "given up again: its replies are not ours either");
    }
}
