package dev.jvs.engine;

import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.conn.TcpStates;
import dev.jvs.engine.frame.Checksums;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.service.FwmarkRule;
import dev.jvs.engine.service.VirtualService;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.Random;

import static dev.jvs.engine.EngineFixture.assertChecksums;
import static dev.jvs.engine.EngineFixture.buf;
import static dev.jvs.engine.EngineFixture.dstMac;
import static dev.jvs.engine.EngineFixture.srcMac;
import static dev.jvs.engine.Packets.CLIENT;
import static dev.jvs.engine.Packets.CLIENT_MAC;
import static dev.jvs.engine.Packets.DIRECTOR;
import static dev.jvs.engine.Packets.DIRECTOR_MAC;
import static dev.jvs.engine.Packets.RS1;
import static dev.jvs.engine.Packets.RS1_MAC;
import static dev.jvs.engine.Packets.RS2;
import static dev.jvs.engine.Packets.RS2_MAC;
import static dev.jvs.engine.Packets.RS3;
import static dev.jvs.engine.Packets.RS3_MAC;
import static dev.jvs.engine.Packets.VIP;
import static dev.jvs.engine.Packets.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ForwarderTest
{
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int FIN = 0x01;
    private static final int RST = 0x04;
    private static final int PSH = 0x08;

    private final EngineFixture fx = new EngineFixture();

    private static int ip(final byte[] f, final int off)
    {
        return buf(f).getInt(off, ByteOrder.BIG_ENDIAN);
    }

    private static int u16(final byte[] f, final int off)
    {
        return buf(f).getShort(off, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    }

    private static int u8(final byte[] f, final int off)
    {
        return f[off] & 0xFF;
    }

    @Test
    void natShouldRewriteDestinationAndTranslateRepliesBack()
    {
        final VirtualService s = fx.tcp(80, "rr");
        final int d = s.addRealServer(RS1, 8080, Method.NAT, 1, 0, 0);
        final byte[] syn = frame().tcp(SYN).build();
        final byte[] o = fx.send(syn);
        assertNotNull(o);
        assertEquals(RS1_MAC, dstMac(o));
        assertEquals(DIRECTOR_MAC, srcMac(o));
        assertEquals(RS1, ip(o, 14 + 16));
        assertEquals(CLIENT, ip(o, 14 + 12));
        assertEquals(8080, u16(o, 34 + 2));
        assertEquals(40000, u16(o, 34));
        assertEquals(63, u8(o, 14 + 8), "TTL decremented");
        assertChecksums(o, 14);
        assertEquals(1, s.dests().inactiveConns(d), "new connections count inactive");

        final byte[] synAck = frame().tcp(SYN | ACK).from(RS1, 8080).to(CLIENT, 40000)
            .macs(RS1_MAC, DIRECTOR_MAC).build();
        final byte[] r = fx.send(synAck);
        assertNotNull(r);
        assertEquals(CLIENT_MAC, dstMac(r), "back to where the client's frames came from");
        assertEquals(VIP, ip(r, 14 + 12));
        assertEquals(80, u16(r, 34));
        assertEquals(CLIENT, ip(r, 14 + 16));
        assertEquals(40000, u16(r, 36));
        assertChecksums(r, 14);

        fx.send(frame().tcp(ACK).build());
        assertEquals(1, s.dests().activeConns(d), "ESTABLISHED counts active");
        assertEquals(0, s.dests().inactiveConns(d));
        final int e = fx.conns.lookupIn(6, CLIENT, 40000, VIP, 80);
        assertEquals(TcpStates.ESTABLISHED, fx.conns.state(e));
        assertEquals(900_000, fx.conns.timeout(e));
        assertEquals(2, fx.counters.get(Counter.FORWARDED_IN));
        assertEquals(1, fx.counters.get(Counter.FORWARDED_OUT));
        assertEquals(1, s.conns());
    }

    @Test
    void natShouldGoThroughTheOutputTableOnReplies()
    {
        final VirtualService s = fx.tcp(80, "rr");
        final int d = s.addRealServer(RS1, 80, Method.NAT, 1, 0, 0);
        fx.send(frame().tcp(SYN).build());
        fx.send(frame().tcp(SYN | ACK).from(RS1, 80).to(CLIENT, 40000).macs(RS1_MAC, DIRECTOR_MAC).build());
        fx.send(frame().tcp(ACK).build());
        // Server closes first: OUTPUT fin from ESTABLISHED goes to FIN_WAIT.
        fx.send(frame().tcp(FIN | ACK).from(RS1, 80).to(CLIENT, 40000).macs(RS1_MAC, DIRECTOR_MAC).build());
        final int e = fx.conns.lookupIn(6, CLIENT, 40000, VIP, 80);
        assertEquals(TcpStates.FIN_WAIT, fx.conns.state(e));
        assertEquals(1, s.dests().inactiveConns(d));
        assertEquals(120_000, fx.conns.timeout(e));
    }

    @Test
    void drShouldOnlyChangeMacsAndTtl()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS2, 80, Method.DR, 1, 0, 0);
        final byte[] syn = frame().tcp(SYN).payload(10).build();
        final byte[] o = fx.send(syn);
        assertNotNull(o);
        assertEquals(RS2_MAC, dstMac(o));
        assertEquals(DIRECTOR_MAC, srcMac(o));
        assertEquals(VIP, ip(o, 30), "destination stays the VIP");
        assertEquals(63, u8(o, 22));
        assertChecksums(o, 14);
        // Everything but MACs, TTL and header checksum is the same.
        for (int i = 14; i < syn.length; i++)
        {
            if (i != 22 && i != 24 && i != 25)
            {
                assertEquals(syn[i], o[i], "byte " + i);
            }
        }
        fx.send(frame().tcp(ACK).build());
        final int e = fx.conns.lookupIn(6, CLIENT, 40000, VIP, 80);
        assertEquals(TcpStates.ESTABLISHED, fx.conns.state(e));
        fx.send(frame().tcp(FIN | ACK).build());
        assertEquals(TcpStates.FIN_WAIT, fx.conns.state(e), "input-only table: client FIN means FIN_WAIT");
        assertEquals(-1, fx.conns.lookupOut(6, RS2, 80, CLIENT, 40000), "DR has no reply index");
    }

    @Test
    void tunShouldEncapsulateCopyingTosDfAndTtl()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS3, 80, Method.TUN, 1, 0, 0);
        final Packets.Builder b = frame().tcp(SYN).payload(100);
        b.tos = 0x28;
        final byte[] in = b.build();
        final byte[] o = fx.send(in);
        assertNotNull(o);
        assertEquals(in.length + 20, o.length);
        assertEquals(RS3_MAC, dstMac(o));
        assertEquals(0x45, u8(o, 14));
        assertEquals(0x28, u8(o, 15), "outer TOS copies the inner");
        assertEquals(in.length - 14 + 20, u16(o, 16));
        assertEquals(0x4000, u16(o, 20) & 0x4000, "DF copied");
        assertEquals(63, u8(o, 22), "outer TTL = inner TTL after decrement");
        assertEquals(4, u8(o, 23), "IPIP");
        assertEquals(DIRECTOR, ip(o, 26));
        assertEquals(RS3, ip(o, 30));
        assertEquals(63, u8(o, 34 + 8), "inner TTL decremented");
        assertEquals(VIP, ip(o, 34 + 16), "inner destination stays the VIP");
        assertChecksums(o, 14);
    }

    @Test
    void tunShouldSendFragmentationNeededWithTheTunnelMtuForBigDfPackets()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS3, 80, Method.TUN, 1, 0, 0);
        fx.send(frame().tcp(SYN).build());
        final byte[] big = frame().tcp(ACK | PSH).payload(1460).build();   // IP length 1500: 1520 once tunnelled
        final byte[] o = fx.send(big);
        assertNotNull(o);
        assertEquals(CLIENT_MAC, dstMac(o));
        assertEquals(1, u8(o, 23), "ICMP");
        assertEquals(VIP, ip(o, 26), "from the VIP, as the kernel answers for a local address");
        assertEquals(CLIENT, ip(o, 30));
        assertEquals(3, u8(o, 34));
        assertEquals(4, u8(o, 35));
        assertEquals(1480, u16(o, 40), "next-hop MTU = 1500 - 20");
        assertEquals(20 + 8 + 548, u16(o, 16), "quotes 548 bytes like icmp_send");
        assertChecksums(o, 14);
        assertEquals(1, fx.counters.get(Counter.DROP_FRAG_NEEDED));
        assertNotNull(fx.send(frame().tcp(ACK | PSH).payload(1440).build()), "1480 bytes fit the tunnel");
    }

    /**
     * Without DF, Linux fragments the outer IPIP packet (ip_vs_tunnel_xmit sets ignore_df; ip_fragment cuts it
     * to the path MTU): 1520 bytes become 1500 (1480 of payload, MF) and 40 (20 of payload at offset 185 * 8). The fragments put
     * back together are the tunnelled packet, the inner datagram byte for byte with its TTL one less.
     */
    @Test
    void tunShouldFragmentTheOuterPacketWhenTheInnerHasNoDf()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS3, 80, Method.TUN, 1, 0, 0);
        fx.send(frame().tcp(SYN).build());
        final Packets.Builder nodf = frame().tcp(ACK | PSH).payload(1460);
        nodf.df = false;
        final byte[] in = nodf.build();
        final java.util.List<byte[]> frags = fx.sendAll(in);
        assertEquals(2, frags.size());
        final byte[] a = frags.get(0);
        final byte[] b = frags.get(1);
        assertEquals(14 + 1500, a.length, "the first fills the MTU");
        assertEquals(14 + 20 + 20, b.length, "the last 20 bytes");
        assertEquals(0x2000, u16(a, 20), "MF, offset 0");
        assertEquals(1480 / 8, u16(b, 20), "no MF, offset 185");
        assertEquals(u16(a, 18), u16(b, 18), "one IP id");
        assertEquals(4, u8(a, 23));
        assertEquals(4, u8(b, 23), "both IPIP");
        assertEquals(RS3, ip(b, 30));
        assertEquals(RS3_MAC, dstMac(b));
        assertTrue(Checksums.ipHeaderValid(buf(a), 14, 20) && Checksums.ipHeaderValid(buf(b), 14, 20));
        final byte[] inner = new byte[1500];
        System.arraycopy(a, 34, inner, 0, 1480);
        System.arraycopy(b, 34, inner, 1480, 20);
        final byte[] expected = java.util.Arrays.copyOfRange(in, 14, 14 + 1500);
        expected[8]--;
        final UnsafeBuffer e = buf(expected);
        e.putShort(10, (short)0);
        Ipv4.fillChecksum(e, 0);
        assertArrayEquals(expected, inner, "the inner datagram, TTL one less");
        assertEquals(1, fx.counters.get(Counter.TUN_FRAGMENTED));
        assertEquals(0, fx.counters.get(Counter.DROP_OVERSIZE));
        assertEquals(1, fx.sendAll(frame().tcp(ACK | PSH).payload(100).build()).size(), "small ones: one frame");
    }

    /**
     * ip_vs_in_icmp for our tunnel: a router on the way to RS3 with a 1300-byte MTU answers the director about
     * an IPIP packet; the client gets fragmentation needed with 1280 for its own packet, and later packets too
     * big for the learnt path get it from the director at once.
     */
    @Test
    void tunShouldLearnThePathMtuFromAnIcmpAboutItsTunnelAndTellTheClient()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS3, 80, Method.TUN, 1, 0, 0);
        fx.send(frame().tcp(SYN).build());
        final byte[] tunnelled = fx.send(frame().tcp(ACK | PSH).payload(1300).build());   // IP 1340, 1360 outside
        assertNotNull(tunnelled);
        final int router = dev.jvs.engine.frame.Ipv4.parse("198.19.0.254");
        final byte[] o = fx.send(Packets.icmpError(RS3_MAC, DIRECTOR_MAC, router, DIRECTOR, 3, 4, 1300, tunnelled));
        assertNotNull(o, "the client is told");
        assertEquals(CLIENT_MAC, dstMac(o));
        assertEquals(VIP, ip(o, 26));
        assertEquals(CLIENT, ip(o, 30));
        assertEquals(3, u8(o, 34));
        assertEquals(4, u8(o, 35));
        assertEquals(1280, u16(o, 40), "the path's MTU less the outer header");
        assertEquals(CLIENT, ip(o, 42 + 12), "quoting the client's own packet, not the tunnel's");
        assertEquals(VIP, ip(o, 42 + 16));
        assertChecksums(o, 14);
        assertEquals(1, fx.counters.get(Counter.TUN_PMTU));

        final byte[] o2 = fx.send(frame().tcp(ACK | PSH).payload(1300).build());
        assertNotNull(o2);
        assertEquals(1, u8(o2, 23), "ICMP at once: 1340 + 20 > 1300");
        assertEquals(1280, u16(o2, 40));
        final byte[] fits = fx.send(frame().tcp(ACK | PSH).payload(1200).build());
        assertNotNull(fits);
        assertEquals(4, u8(fits, 23), "1240 + 20 fits the path: tunnelled");

        // Ten minutes on, the timer forgets the learnt MTU, as IPVS's path MTU expires.
        fx.now += 10 * 60_000 - 1;
        fx.fwd.onTimer(fx.now, 1000);
        assertEquals(1, u8(fx.send(frame().tcp(ACK | PSH).payload(1300).build()), 23), "learnt until 10 min");
        fx.now += 1;
        fx.fwd.onTimer(fx.now, 1000);
        assertEquals(4, u8(fx.send(frame().tcp(ACK | PSH).payload(1300).build()), 23), "forgotten: tunnelled");

        // About a connection the director does not have: counted, nothing sent.
        final byte[] stranger = frame().from(dev.jvs.engine.frame.Ipv4.parse("198.18.0.99"), 5555).tcp(ACK).build();
        final byte[] fake = Packets.icmpError(RS3_MAC, DIRECTOR_MAC, router, DIRECTOR, 3, 4, 1300,
            ipip(stranger));
        final long bad = fx.counters.get(Counter.DROP_BAD_ICMP);
        assertNull(fx.send(fake));
        assertEquals(bad + 1, fx.counters.get(Counter.DROP_BAD_ICMP));
    }

    /** The frame as the director would have tunnelled it to RS3 (outer header only, checksum aside). */
    private static byte[] ipip(final byte[] frame)
    {
        final byte[] o = new byte[frame.length + 20];
        System.arraycopy(frame, 0, o, 0, 14);
        o[14] = 0x45;
        final int len = frame.length - 14 + 20;
        o[16] = (byte)(len >>> 8);
        o[17] = (byte)len;
        o[20] = 0x40;
        o[22] = 64;
        o[23] = 4;
        java.nio.ByteBuffer.wrap(o).putInt(26, DIRECTOR).putInt(30, RS3);
        System.arraycopy(frame, 14, o, 34, frame.length - 14);
        return o;
    }

    @Test
    void shouldAnswerTtlOneWithTimeExceeded()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS2, 80, Method.DR, 1, 0, 0);
        final Packets.Builder b = frame().tcp(SYN);
        b.ttl = 1;
        final byte[] o = fx.send(b.build());
        assertNotNull(o);
        assertEquals(11, u8(o, 34));
        assertEquals(CLIENT, ip(o, 30));
        assertChecksums(o, 14);
        assertEquals(1, fx.counters.get(Counter.DROP_TTL_EXCEEDED));
    }

    @Test
    void shouldCompletePartialChecksumsForEveryMethod()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS1, 8080, Method.NAT, 1, 0, 0);
        s.addRealServer(RS2, 80, Method.DR, 1, 0, 0);
        s.addRealServer(RS3, 80, Method.TUN, 1, 0, 0);
        for (int c = 0; c < 3; c++)
        {
            final Packets.Builder b = frame().tcp(SYN).from(CLIENT + c, 40000 + c).payload(33);
            b.partialChecksum = true;
            final byte[] o = fx.send(b.build(), Forwarder.CSUM_NOT_READY);
            assertNotNull(o);
            assertChecksums(o, 14);
        }
        final Packets.Builder u = frame().udp().to(VIP, 53).payload(20);
        u.partialChecksum = true;
        fx.services.add(17, VIP, 53, "rr", 0, fx.now).addRealServer(RS1, 5353, Method.NAT, 1, 0, 0);
        final byte[] o = fx.send(u.build(), Forwarder.CSUM_NOT_READY);
        assertChecksums(o, 14);
    }

    @Test
    void shouldLeaveOtherTrafficAlone()
    {
        fx.tcp(80, "rr").addRealServer(RS1, 80, Method.NAT, 1, 0, 0);
        assertNull(fx.send(frame().tcp(SYN).to(VIP, 443).build()));
        assertNull(fx.send(frame().tcp(SYN).to(DIRECTOR, 22).build()));
        assertEquals(2, fx.counters.get(Counter.NOT_OURS));
        assertNull(fx.send(frame().tcp(ACK).build()));
        assertEquals(1, fx.counters.get(Counter.DROP_NO_CONNECTION), "no SYN, no connection");
        assertNull(fx.send(frame().tcp(SYN | RST).build()));
        assertEquals(2, fx.counters.get(Counter.DROP_NO_CONNECTION));
        fx.cfg.sloppyTcp = true;
        assertNotNull(fx.send(frame().tcp(ACK).build()), "sloppy_tcp schedules on any segment");
    }

    @Test
    void shouldAnswerArpForVipsOnly()
    {
        fx.tcp(80, "rr");
        final byte[] o = fx.send(Packets.arpRequest(VIP));
        assertNotNull(o);
        assertEquals(CLIENT_MAC, dstMac(o));
        assertEquals(2, u16(o, 20));
        assertEquals(DIRECTOR_MAC, buf(o).getLong(22, ByteOrder.BIG_ENDIAN) >>> 16);
        assertEquals(VIP, ip(o, 28));
        assertEquals(CLIENT, ip(o, 38));
        assertNull(fx.send(Packets.arpRequest(RS1)));
        fx.cfg.answerArp = false;
        assertNull(fx.send(Packets.arpRequest(VIP)));
    }

    @Test
    void persistenceShouldKeepAClientNetworkOnOneServer()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS1, 80, Method.DR, 1, 0, 0);
        s.addRealServer(RS2, 80, Method.DR, 1, 0, 0);
        s.addRealServer(RS3, 80, Method.DR, 1, 0, 0);
        s.persistence(300_000, 0xFFFFFF00);
        final long first = dstMac(fx.send(frame().tcp(SYN).from(CLIENT, 1000).build()));
        for (int i = 1; i < 10; i++)
        {
            assertEquals(first, dstMac(fx.send(frame().tcp(SYN).from(CLIENT, 1000 + i).build())));
            assertEquals(first, dstMac(fx.send(frame().tcp(SYN).from(CLIENT + i, 2000).build())),
                "same /24, same server");
        }
        final long other = dstMac(fx.send(frame().tcp(SYN).from(Ipv4.parse("198.18.1.5"), 1000).build()));
        assertTrue(other != first, "another /24 goes by rr to the next server");
        final int t = fx.conns.lookupTemplate(6, CLIENT & 0xFFFFFF00, VIP, 80);
        assertTrue(t >= 0);
        assertEquals(19, fx.conns.nControl(t));
        assertEquals(1, s.dests().persistentConns(fx.conns.dest(t)));
    }

    /**
     * ip_vs_control_assure_ct: a template is NONE until a connection it controls reaches ESTABLISHED (TCP) or
     * is answered (UDP); a SYN alone, or a UDP client's datagrams alone, leave it unassured.
     */
    @Test
    void aTemplateShouldBeAssuredByAnEstablishedOrAnsweredConnection()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS1, 80, Method.NAT, 1, 0, 0);
        s.persistence(300_000, 0xFFFFFFFF);
        fx.send(frame().tcp(SYN).build());
        final int t = fx.conns.lookupTemplate(6, CLIENT, VIP, 80);
        assertEquals(0, fx.conns.state(t), "NONE after the SYN");
        fx.send(frame().tcp(SYN | ACK).from(RS1, 80).to(CLIENT, 40000).macs(RS1_MAC, DIRECTOR_MAC).build());
        assertEquals(0, fx.conns.state(t), "SYN_RECV is not established");
        fx.send(frame().tcp(ACK).build());
        assertEquals(ConnectionTable.TPL_ASSURED, fx.conns.state(t));

        final VirtualService u = fx.services.add(17, VIP, 53, "rr", 0, fx.now);
        u.addRealServer(RS2, 53, Method.NAT, 1, 0, 0);
        u.persistence(300_000, 0xFFFFFFFF);
        fx.send(frame().udp().to(VIP, 53).payload(10).build());
        fx.send(frame().udp().to(VIP, 53).payload(10).build());
        final int tu = fx.conns.lookupTemplate(17, CLIENT, VIP, 53);
        assertEquals(0, fx.conns.state(tu), "the client's datagrams do not assure it");
        assertNotNull(fx.send(frame().udp().from(RS2, 53).to(CLIENT, 40000).macs(RS2_MAC, DIRECTOR_MAC).build()));
        assertEquals(ConnectionTable.TPL_ASSURED, fx.conns.state(tu), "a reply does");
    }

    @Test
    void persistenceShouldMoveOnWhenTheTemplatesServerIsRemoved()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS1, 80, Method.DR, 1, 0, 0);
        final int d2 = s.addRealServer(RS2, 80, Method.DR, 1, 0, 0);
        s.persistence(300_000, 0xFFFFFFFF);
        assertEquals(RS2_MAC, dstMac(fx.send(frame().tcp(SYN).from(CLIENT, 1000).build())));
        s.removeRealServer(d2);
        assertEquals(RS2_MAC, dstMac(fx.send(frame().tcp(ACK).from(CLIENT, 1000).build())),
            "its open connection keeps going");
        assertEquals(RS1_MAC, dstMac(fx.send(frame().tcp(SYN).from(CLIENT, 1001).build())),
            "a new connection gets a new template");
    }

    @Test
    void removedServersKeepTheirConnectionsUnlessExpireNodestConn()
    {
        final VirtualService s = fx.tcp(80, "rr");
        final int d1 = s.addRealServer(RS1, 80, Method.DR, 1, 0, 0);
        s.addRealServer(RS2, 80, Method.DR, 1, 0, 0);
        final long first = dstMac(fx.send(frame().tcp(SYN).from(CLIENT, 1).build()));
        assertEquals(RS2_MAC, first);
        assertEquals(RS1_MAC, dstMac(fx.send(frame().tcp(SYN).from(CLIENT, 2).build())));
        s.removeRealServer(d1);
        assertEquals(RS1_MAC, dstMac(fx.send(frame().tcp(ACK).from(CLIENT, 2).build())));
        assertEquals(RS2_MAC, dstMac(fx.send(frame().tcp(SYN).from(CLIENT, 3).build())));
        fx.cfg.expireNodestConn = true;
        assertNull(fx.send(frame().tcp(ACK).from(CLIENT, 2).build()));
        assertEquals(1, fx.counters.get(Counter.DROP_NODEST_EXPIRED));
        assertEquals(-1, fx.conns.lookupIn(6, CLIENT, 2, VIP, 80));
    }

    @Test
    void weightZeroShouldQuiesceWithoutTouchingOpenConnections()
    {
        final VirtualService s = fx.tcp(80, "wlc");
        final int d1 = s.addRealServer(RS1, 80, Method.DR, 1, 0, 0);
        s.addRealServer(RS2, 80, Method.DR, 1, 0, 0);
        fx.send(frame().tcp(SYN).from(CLIENT, 1).build());       // RS2 (head)
        fx.send(frame().tcp(SYN).from(CLIENT, 2).build());       // RS1
        s.editRealServer(d1, Method.DR, 0, 0, 0);
        assertEquals(RS1_MAC, dstMac(fx.send(frame().tcp(ACK).from(CLIENT, 2).build())));
        for (int i = 3; i < 8; i++)
        {
            assertEquals(RS2_MAC, dstMac(fx.send(frame().tcp(SYN).from(CLIENT, i).build())));
        }
    }

    @Test
    void synOnATimeWaitConnectionShouldStartANewOne()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS1, 80, Method.NAT, 1, 0, 0);
        s.addRealServer(RS2, 80, Method.NAT, 1, 0, 0);
        fx.send(frame().tcp(SYN).build());
        final int e = fx.conns.lookupIn(6, CLIENT, 40000, VIP, 80);
        fx.conns.state(e, TcpStates.TIME_WAIT);
        final int before = fx.conns.daddr(e);
        final byte[] o = fx.send(frame().tcp(SYN).build());
        final int e2 = fx.conns.lookupIn(6, CLIENT, 40000, VIP, 80);
        assertTrue(before != fx.conns.daddr(e2), "rescheduled (rr moved on)");
        assertEquals(fx.conns.daddr(e2), ip(o, 30));
        assertEquals(1, s.dests().totalConns(s.dests().idAt(0)) + s.dests().totalConns(s.dests().idAt(1)));
    }

    @Test
    void udpShouldStayInactiveAndOnePacketSchedulingShouldNotKeepEntries()
    {
        final VirtualService s = fx.services.add(17, VIP, 53, "rr", 0, fx.now);
        final int d1 = s.addRealServer(RS1, 53, Method.NAT, 1, 0, 0);
        s.addRealServer(RS2, 53, Method.NAT, 1, 0, 0);
        final byte[] q = frame().udp().to(VIP, 53).payload(30).build();
        assertNotNull(fx.send(q));
        assertNotNull(fx.send(q));
        assertEquals(1, fx.conns.size());
        final int e = fx.conns.lookupIn(17, CLIENT, 40000, VIP, 53);
        assertEquals(300_000, fx.conns.timeout(e));
        assertEquals(0, s.dests().activeConns(fx.conns.dest(e)));
        s.onePacket(true);
        final long a = dstMac(fx.send(frame().udp().from(CLIENT, 1).to(VIP, 53).build()));
        final long b = dstMac(fx.send(frame().udp().from(CLIENT, 1).to(VIP, 53).build()));
        assertTrue(a != b, "each datagram scheduled on its own");
        assertEquals(1, fx.conns.size());
        assertEquals(0, s.dests().inactiveConns(d1) + s.dests().activeConns(d1) -
            (fx.conns.dest(e) == d1 ? 1 : 0));
    }

    @Test
    void fwmarkAndPortZeroServicesShouldCatchTheirTraffic()
    {
        fx.services.addRule(new FwmarkRule(6, Ipv4.parse("198.19.1.0"), 24, 8000, 8100, 7));
        final VirtualService m = fx.services.addFwmark(7, "rr", 0, fx.now);
        m.addRealServer(RS1, 0, Method.DR, 1, 0, 0);
        final byte[] o = fx.send(frame().tcp(SYN).to(Ipv4.parse("198.19.1.9"), 8050).build());
        assertNotNull(o);
        assertEquals(RS1_MAC, dstMac(o));
        assertNull(fx.send(frame().tcp(SYN).to(Ipv4.parse("198.19.1.9"), 9000).build()));

        final VirtualService all = fx.tcp(0, "rr");
        all.addRealServer(RS2, 0, Method.NAT, 1, 0, 0);
        final byte[] p = fx.send(frame().tcp(SYN).to(VIP, 5555).build());
        assertEquals(5555, u16(p, 36), "port-zero: the client's port is kept");
        assertEquals(RS2, ip(p, 30));
    }

    @Test
    void shouldTranslateIcmpErrorsOfNatConnectionsBothWays()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS1, 8080, Method.NAT, 1, 0, 0);
        fx.send(frame().tcp(SYN).build());
        final byte[] reply = fx.send(frame().tcp(SYN | ACK).from(RS1, 8080).to(CLIENT, 40000)
            .macs(RS1_MAC, DIRECTOR_MAC).build());
        // A router near the client says the reply (VIP:80 -> client) could not be delivered.
        final byte[] err = Packets.icmpError(CLIENT_MAC, DIRECTOR_MAC, Ipv4.parse("198.18.0.1"), VIP, 3, 1, 0,
            reply);
        final byte[] o = fx.send(err);
        assertNotNull(o);
        assertEquals(RS1_MAC, dstMac(o));
        assertEquals(RS1, ip(o, 30), "outer destination is the real server");
        assertEquals(RS1, ip(o, 42 + 12), "quoted source is the real server");
        assertEquals(8080, u16(o, 42 + 20), "quoted source port is the real port");
        assertChecksums(o, 14);
        assertChecksums(o, 42);

        // The real server says the client's packet (client -> RS1:8080) hit a closed port.
        final byte[] fwdSyn = fx.send(frame().tcp(ACK).build());
        final byte[] err2 = Packets.icmpError(RS1_MAC, DIRECTOR_MAC, RS1, CLIENT, 3, 3, 0, fwdSyn);
        final byte[] o2 = fx.send(err2);
        assertNotNull(o2);
        assertEquals(CLIENT_MAC, dstMac(o2));
        assertEquals(VIP, ip(o2, 26), "outer source becomes the VIP");
        assertEquals(VIP, ip(o2, 42 + 16), "quoted destination becomes the VIP");
        assertEquals(80, u16(o2, 42 + 22), "quoted destination port becomes the virtual port");
        assertChecksums(o2, 14);
        assertChecksums(o2, 42);
    }

    @Test
    void shouldPassIcmpErrorsOfDirectRoutingConnectionsToTheirServer()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS2, 80, Method.DR, 1, 0, 0);
        fx.send(frame().tcp(SYN).build());
        final byte[] serverReply = frame().tcp(SYN | ACK).from(VIP, 80).to(CLIENT, 40000).build();
        final byte[] err = Packets.icmpError(CLIENT_MAC, DIRECTOR_MAC, Ipv4.parse("198.18.0.1"), VIP, 3, 4, 1400,
            serverReply);
        final byte[] o = fx.send(err);
        assertNotNull(o);
        assertEquals(RS2_MAC, dstMac(o));
        assertEquals(VIP, ip(o, 30));
        assertChecksums(o, 14);
        assertNull(fx.send(Packets.icmpError(CLIENT_MAC, DIRECTOR_MAC, CLIENT, VIP, 3, 3, 0,
            frame().tcp(ACK).from(VIP, 81).to(CLIENT, 1).build())), "no connection: not ours");
    }

    @Test
    void shouldKeepVlanTags()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS3, 80, Method.TUN, 1, 0, 0);
        final Packets.Builder b = frame().tcp(SYN);
        b.vlan = 42;
        final byte[] o = fx.send(b.build());
        assertNotNull(o);
        assertEquals(0x8100, u16(o, 12));
        assertEquals(42, u16(o, 14));
        assertEquals(0x0800, u16(o, 16));
        assertChecksums(o, 18);
    }

    @Test
    void connectionsShouldExpireAndGiveBackTheirCounts()
    {
        final VirtualService s = fx.tcp(80, "rr");
        final int d = s.addRealServer(RS1, 80, Method.NAT, 1, 0, 0);
        fx.send(frame().tcp(SYN).build());
        assertEquals(1, s.dests().inactiveConns(d));
        fx.fwd.onTimer(fx.now + 59_000, 1000);
        assertEquals(1, fx.conns.size(), "SYN_RECV lives 60 s");
        fx.fwd.onTimer(fx.now + 60_200, 1000);
        assertEquals(0, fx.conns.size());
        assertEquals(0, s.dests().inactiveConns(d));
    }

    /**
     * ip_vs_random_dropentry also drops a template that controls nothing and was never assured: a SYN flood on
     * a persistent service leaves such templates behind as its half-open connections are replaced, and without
     * dropping them the table would end up full of them, refusing every new client.
     */
    @Test
    void aSynFloodOnAPersistentServiceShouldNotFillTheTableWithOrphanTemplates()
    {
        final EngineFixture small = new EngineFixture(64);
        final VirtualService s = small.tcp(80, "rr");
        s.addRealServer(RS1, 80, Method.NAT, 1, 0, 0);
        s.persistence(300_000, 0xFFFFFFFF);
        for (int c = 0; c < 16; c++)
        {
            small.send(frame().tcp(SYN).from(CLIENT + c, 1000).build());
            small.send(frame().tcp(SYN | ACK).from(RS1, 80).to(CLIENT + c, 1000).macs(RS1_MAC, DIRECTOR_MAC).build());
            small.send(frame().tcp(ACK).from(CLIENT + c, 1000).build());
        }
        final Random r = new Random(7);
        int refusedLate = 0;
        for (int i = 0; i < 6000; i++)
        {
            final int src = Ipv4.parse("198.18.200.0") | r.nextInt(4096);
            if (null == small.send(frame().tcp(SYN).from(src, 1024 + r.nextInt(60000)).build()) && i >= 5000)
            {
                refusedLate++;
            }
        }
        assertEquals(64, small.conns.size(), "the table is full");
        assertTrue(refusedLate < 100, "new clients still get in late in the flood: " + refusedLate + " of 1000 refused");
        for (int c = 0; c < 16; c++)
        {
            final int t = small.conns.lookupTemplate(6, CLIENT + c, VIP, 80);
            assertTrue(t >= 0, "an assured template is never dropped");
            assertEquals(1, small.conns.nControl(t));
            assertNotNull(small.send(frame().tcp(ACK | PSH).from(CLIENT + c, 1000).payload(10).build()));
        }
    }

    @Test
    void establishedFlowsShouldSurviveASynFloodThatFillsTheTable()
    {
        final EngineFixture small = new EngineFixture(64);
        final VirtualService s = small.tcp(80, "rr");
        s.addRealServer(RS1, 80, Method.NAT, 1, 0, 0);
        for (int c = 0; c < 16; c++)
        {
            small.send(frame().tcp(SYN).from(CLIENT, 1000 + c).build());
            small.send(frame().tcp(SYN | ACK).from(RS1, 80).to(CLIENT, 1000 + c).macs(RS1_MAC, DIRECTOR_MAC).build());
            small.send(frame().tcp(ACK).from(CLIENT, 1000 + c).build());
        }
        final Random r = new Random(5);
        int refused = 0;
        for (int i = 0; i < 5000; i++)
        {
            final int src = Ipv4.parse("198.18.200.0") | r.nextInt(256);
            if (null == small.send(frame().tcp(SYN).from(src, 1024 + r.nextInt(60000)).build()))
            {
                refused++;
            }
        }
        assertEquals(64, small.conns.size(), "the table is full");
        for (int c = 0; c < 16; c++)
        {
            assertNotNull(small.send(frame().tcp(ACK | PSH).from(CLIENT, 1000 + c).payload(10).build()),
                "established flow " + c + " keeps flowing");
        }
        assertTrue(refused < 5000, "half-open entries are replaced by new ones");
        assertEquals(refused, small.counters.get(Counter.DROP_TABLE_FULL));
    }

    @Test
    void shouldRefuseNewConnectionsWhenFullOfEstablishedOnes()
    {
        final EngineFixture small = new EngineFixture(8);
        small.tcp(80, "rr").addRealServer(RS1, 80, Method.NAT, 1, 0, 0);
        for (int c = 0; c < 8; c++)
        {
            small.send(frame().tcp(SYN).from(CLIENT, 1000 + c).build());
            small.send(frame().tcp(SYN | ACK).from(RS1, 80).to(CLIENT, 1000 + c).macs(RS1_MAC, DIRECTOR_MAC).build());
            small.send(frame().tcp(ACK).from(CLIENT, 1000 + c).build());
        }
        assertNull(small.send(frame().tcp(SYN).from(CLIENT, 2000).build()));
        assertEquals(1, small.counters.get(Counter.DROP_TABLE_FULL));
    }

    @Test
    void shouldDropUnknownNeighboursAndFragmentsCounted()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(Ipv4.parse("198.19.0.99"), 80, Method.DR, 1, 0, 0);
        assertNull(fx.send(frame().tcp(SYN).build()));
        assertEquals(1, fx.counters.get(Counter.DROP_NO_NEIGHBOR));
        final Packets.Builder f = frame().tcp(SYN);
        f.flagsFrag = 0x2000;
        assertNull(fx.send(f.build()));
        assertEquals(1, fx.counters.get(Counter.DROP_FRAGMENT));
    }

    /** Every truncation of every kind of frame: no exception, exactly one counter per frame. */
    @Test
    void shouldCountEveryTruncatedFrameAndNeverThrow()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS1, 80, Method.NAT, 1, 0, 0);
        s.addRealServer(RS3, 80, Method.TUN, 1, 0, 0);
        fx.services.add(17, VIP, 53, "rr", 0, fx.now).addRealServer(RS2, 53, Method.DR, 1, 0, 0);
        final byte[][] samples = {
            frame().tcp(SYN).payload(40).build(),
            frame().udp().to(VIP, 53).payload(12).build(),
            Packets.arpRequest(VIP),
            Packets.icmpError(CLIENT_MAC, DIRECTOR_MAC, CLIENT, VIP, 3, 4, 1400, frame().tcp(SYN).build()),
        };
        for (final byte[] sample : samples)
        {
            for (int n = 0; n <= sample.length; n++)
            {
                final byte[] cut = java.util.Arrays.copyOf(sample, n);
                final long before = fx.total();
                fx.send(cut);
                assertEquals(before + 1, fx.total(), "one counter per frame, length " + n);
            }
        }
    }

    /** Random corruptions of valid frames: header fields, IHL, lengths, options, flags, checksums. */
    @Test
    void shouldSurviveRandomCorruption()
    {
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS1, 80, Method.NAT, 1, 0, 0);
        s.addRealServer(RS2, 80, Method.DR, 1, 0, 0);
        s.addRealServer(RS3, 80, Method.TUN, 1, 0, 0);
        final long seed = 20261125L;
        final Random r = new Random(seed);
        for (int i = 0; i < 200_000; i++)
        {
            final byte[] f = r.nextBoolean() ? frame().tcp(r.nextInt(256)).from(CLIENT, r.nextInt(4)).payload(
                r.nextInt(60)).build() : frame().udp().to(VIP, 80).payload(r.nextInt(30)).build();
            final int flips = 1 + r.nextInt(4);
            for (int k = 0; k < flips; k++)
            {
                f[14 + r.nextInt(f.length - 14)] = (byte)r.nextInt(256);
            }
            final long before = fx.total();
            final byte[] o = fx.send(f, r.nextInt(2));
            assertEquals(before + 1, fx.total(), "seed " + seed + " frame " + i);
            if (null != o && Ipv4.parse("0.0.0.0") != 1)
            {
                assertTrue(o.length >= 34);
            }
        }
    }

    @Test
    void shouldRejectBadIpHeadersByReason()
    {
        fx.tcp(80, "rr").addRealServer(RS1, 80, Method.NAT, 1, 0, 0);
        final byte[] ok = frame().tcp(SYN).build();
        byte[] f = ok.clone();
        f[14] = 0x44;   // IHL 4
        fx.send(f);
        f = ok.clone();
        f[14] = 0x35;   // version 3
        fx.send(f);
        f = ok.clone();
        f[16] = 0x7f;   // total length beyond the frame
        fx.send(f);
        assertEquals(3, fx.counters.get(Counter.DROP_BAD_IP_HEADER));
        f = ok.clone();
        f[24] ^= 0x55;  // checksum
        fx.send(f);
        assertEquals(1, fx.counters.get(Counter.DROP_BAD_IP_CHECKSUM));
        f = ok.clone();
        f[46] = 0x40;   // TCP data offset 16 bytes
        fx.send(f);
        assertEquals(1, fx.counters.get(Counter.DROP_BAD_L4_HEADER));
        // IP options (IHL 6, a NOP option padded): still forwarded, options kept.
        final byte[] opt = new byte[ok.length + 4];
        System.arraycopy(ok, 0, opt, 0, 34);
        opt[34] = 1;
        opt[35] = 1;
        opt[36] = 1;
        opt[37] = 0;
        System.arraycopy(ok, 34, opt, 38, ok.length - 34);
        opt[14] = 0x46;
        final UnsafeBuffer u = new UnsafeBuffer(opt);
        Ipv4.totalLength(u, 14, Ipv4.totalLength(u, 14) + 4);
        Ipv4.fillChecksum(u, 14);
        dev.jvs.engine.frame.Checksums.fillL4(u, 14, 38, 20, 16, false);
        final byte[] o = fx.send(opt);
        assertNotNull(o);
        assertChecksums(o, 14);
        assertArrayEquals(new byte[] {1, 1, 1, 0}, java.util.Arrays.copyOfRange(o, 34, 38));
        assertEquals(ConnectionTable.F_OUT_INDEXED, fx.conns.flags(fx.conns.lookupIn(6, CLIENT, 40000, VIP, 80)) &
            ConnectionTable.F_OUT_INDEXED);
    }
}
