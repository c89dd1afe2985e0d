package dev.jvs.engine;

import dev.jvs.engine.frame.Checksums;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.frame.Ipv6;
import dev.jvs.engine.service.VirtualService;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IPv6 path frame by frame: neighbour discovery for a VIP and a real server, DR and NAT both ways with
 * their checksums, connections kept, persistence by prefix, extension headers walked, fragments and TUN
 * counted, and IPv4 left as it was.
 */
class Ipv6ForwardTest
{
    private static final IpAddress CLIENT = IpAddress.parse("2001:2::5");
    private static final IpAddress VIP = IpAddress.parse("2001:2::80");
    private static final IpAddress RS1 = IpAddress.parse("2001:2::11");
    private static final IpAddress RS2 = IpAddress.parse("2001:2::12");
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;

    private final EngineFixture f = new EngineFixture();

    /** Ethernet, IPv6 (hop limit 64), the extension bytes given, and a TCP or UDP segment with a valid checksum. */
    static byte[] frame(final long dstMac, final long srcMac, final IpAddress src, final IpAddress dst,
        final int proto, final int sport, final int dport, final int flags, final byte[] ext, final int extFirst,
        final int payload)
    {
        final int l4Len = (6 == proto ? 20 : 8) + payload;
        final ByteBuffer b = ByteBuffer.allocate(14 + 40 + ext.length + l4Len).order(ByteOrder.BIG_ENDIAN);
        putMac(b, dstMac);
        putMac(b, srcMac);
        b.putShort((short)0x86DD);
        b.putInt(0x6000_0000);
        b.putShort((short)(ext.length + l4Len));
        b.put((byte)(0 == ext.length ? proto : extFirst));
        b.put((byte)64);
        b.putLong(src.hi()).putLong(src.lo()).putLong(dst.hi()).putLong(dst.lo());
        b.put(ext);
        final int l4 = b.position();
        b.putShort((short)sport).putShort((short)dport);
        if (6 == proto)
        {
            b.putInt(1000).putInt(0).put((byte)0x50).put((byte)flags).putShort((short)65535).putInt(0);
        }
        else
        {
            b.putShort((short)l4Len).putShort((short)0);
        }
        final byte[] a = b.array();
        Ipv6.fillChecksum(new UnsafeBuffer(a), 14, l4, l4Len, proto, 6 == proto ? 16 : 6);
        return a;
    }

    static byte[] tcp(final IpAddress src, final IpAddress dst, final int sport, final int dport,
        final int flags)
    {
        return frame(Packets.DIRECTOR_MAC, Packets.CLIENT_MAC, src, dst, 6, sport, dport, flags, new byte[0], 0, 0);
    }

    private static void putMac(final ByteBuffer b, final long mac)
    {
        for (int i = 5; i >= 0; i--)
        {
            b.put((byte)(mac >>> (8 * i)));
        }
    }

    static long mac(final byte[] f, final int at)
    {
        long m = 0;
        for (int i = 0; i < 6; i++)
        {
            m = m << 8 | f[at + i] & 0xFF;
        }
        return m;
    }

    private static IpAddress address(final byte[] f, final int at)
    {
        final UnsafeBuffer b = new UnsafeBuffer(f);
        return new IpAddress(true, Ipv6.word(b, at), Ipv6.word(b, at + 8));
    }

    /** The transport checksum of a frame verifies (the pseudo-header sum and the segment fold to all ones). */
    private static void assertChecksum(final byte[] f, final int l4, final int proto)
    {
        final UnsafeBuffer b = new UnsafeBuffer(f);
        final int l4Len = f.length - l4;
        assertEquals(0xFFFF, Checksums.fold(Checksums.sum(b, l4, l4Len, Ipv6.pseudoSum(b, 14, l4Len, proto))),
            "checksum");
    }

    private VirtualService service(final int method, final IpAddress... servers)
    {
        final VirtualService s = f.services.add(6, VIP, 80, "rr", 0, f.now);
        for (final IpAddress r : servers)
        {
            s.addRealServer(r, 8080, method, 1, 0, 0);
        }
        f.neighbors.put6(RS1, Packets.RS1_MAC);
        f.neighbors.put6(RS2, Packets.RS2_MAC);
        return s;
    }

    @Test
    void drShouldRewriteTheMacsOnlyAndKeepTheConnection()
    {
        service(Method.DR, RS1, RS2);
        final byte[] syn = tcp(CLIENT, VIP, 40000, 80, SYN);
        final byte[] out = f.send(syn);
        assertNotNull(out);
        final long first = mac(out, 0);
        assertTrue(Packets.RS1_MAC == first || Packets.RS2_MAC == first);
        assertEquals(Packets.DIRECTOR_MAC, mac(out, 6));
        assertEquals(63, out[14 + 7] & 0xFF, "hop limit one less");
        assertEquals(VIP, address(out, 14 + 24), "DR keeps the VIP");
        assertEquals(80, (out[54 + 2] & 0xFF) << 8 | out[54 + 3] & 0xFF);
        assertChecksum(out, 54, 6);
        // The next packet of the connection goes to the same server; a new client to the next (rr).
        assertEquals(first, mac(f.send(tcp(CLIENT, VIP, 40000, 80, ACK)), 0));
        assertEquals(Packets.RS1_MAC ^ Packets.RS2_MAC ^ first, mac(f.send(tcp(CLIENT, VIP, 40001, 80, SYN)), 0));
        assertEquals(2, f.conns.size());
        assertEquals(3, f.counters.get(Counter.FORWARDED_IN));
    }

    @Test
    void natShouldRewriteBothWaysWithValidChecksums()
    {
        service(Method.NAT, RS1);
        final byte[] out = f.send(tcp(CLIENT, VIP, 40000, 80, SYN));
        assertEquals(RS1, address(out, 14 + 24));
        assertEquals(8080, (out[54 + 2] & 0xFF) << 8 | out[54 + 3] & 0xFF);
        assertChecksum(out, 54, 6);
        final byte[] reply = frame(Packets.DIRECTOR_MAC, Packets.RS1_MAC, RS1, CLIENT, 6, 8080, 40000, SYN | ACK,
            new byte[0], 0, 0);
        final byte[] back = f.send(reply);
        assertNotNull(back, f.counters.toString());
        assertEquals(Packets.CLIENT_MAC, mac(back, 0), "to the client's MAC the SYN came from");
        assertEquals(VIP, address(back, 14 + 8));
        assertEquals(80, (back[54] & 0xFF) << 8 | back[55] & 0xFF);
        assertChecksum(back, 54, 6);
        assertEquals(1, f.counters.get(Counter.FORWARDED_OUT));
        // UDP the same way, with a payload.
        f.services.add(17, VIP, 53, "rr", 0, f.now).addRealServer(RS1, 5353, Method.NAT, 1, 0, 0);
        final byte[] udp = f.send(frame(Packets.DIRECTOR_MAC, Packets.CLIENT_MAC, CLIENT, VIP, 17, 5000, 53, 0,
            new byte[0], 0, 33));
        assertEquals(RS1, address(udp, 14 + 24));
        assertChecksum(udp, 54, 17);
    }

    @Test
    void aFrameWithOnlyThePseudoHeaderSumShouldLeaveComplete()
    {
        service(Method.NAT, RS1);
        final byte[] syn = tcp(CLIENT, VIP, 40000, 80, SYN);
        // What a local sender hands the ring (CHECKSUM_PARTIAL): the folded pseudo-header sum, not complemented.
        final UnsafeBuffer b = new UnsafeBuffer(syn);
        b.putShort(54 + 16, (short)Checksums.fold(Ipv6.pseudoSum(b, 14, 20, 6)), ByteOrder.BIG_ENDIAN);
        final byte[] out = f.send(syn, Forwarder.CSUM_NOT_READY);
        assertChecksum(out, 54, 6);
    }

    @Test
    void extensionHeadersShouldBeWalkedAndFragmentsCounted()
    {
        service(Method.DR, RS1);
        // Hop-by-hop (8 bytes: PadN) then destination options (8 bytes), then TCP.
        final byte[] ext = {60, 0, 1, 4, 0, 0, 0, 0, 6, 0, 1, 4, 0, 0, 0, 0};
        final byte[] out = f.send(frame(Packets.DIRECTOR_MAC, Packets.CLIENT_MAC, CLIENT, VIP, 6, 40000, 80, SYN,
            ext, 0, 0));
        assertNotNull(out, f.counters.toString());
        assertEquals(Packets.RS1_MAC, mac(out, 0));
        // A later fragment has no ports: counted, as IPv4 fragments are.
        final byte[] frag = {6, 0, 0, 8, 0, 0, 0, 1};
        assertNull(f.send(frame(Packets.DIRECTOR_MAC, Packets.CLIENT_MAC, CLIENT, VIP, 6, 40000, 80, ACK, frag, 44,
            0)));
        assertEquals(1, f.counters.get(Counter.DROP_FRAGMENT6));
        // A first fragment (offset 0, more to come) is dropped too; an atomic fragment (RFC 6946) goes on.
        assertNull(f.send(frame(Packets.DIRECTOR_MAC, Packets.CLIENT_MAC, CLIENT, VIP, 6, 40000, 80, ACK,
            new byte[] {6, 0, 0, 1, 0, 0, 0, 2}, 44, 0)));
        assertEquals(2, f.counters.get(Counter.DROP_FRAGMENT6));
        assertNotNull(f.send(frame(Packets.DIRECTOR_MAC, Packets.CLIENT_MAC, CLIENT, VIP, 6, 40000, 80, ACK,
            new byte[] {6, 0, 0, 0, 0, 0, 0, 3}, 44, 0)), "an atomic fragment of the connection is forwarded");
        // A chain that runs past the packet is malformed.
        final byte[] bad = {6, 40, 0, 0, 0, 0, 0, 0};
        assertNull(f.send(frame(Packets.DIRECTOR_MAC, Packets.CLIENT_MAC, CLIENT, VIP, 6, 40000, 80, ACK, bad, 0, 0)));
        assertEquals(1, f.counters.get(Counter.DROP_BAD_IP6_HEADER));
    }

    /**
     * An IPv6 firewall-mark service: a rule marks TCP to 2001:2::80 ports 80-81 with 7 (ip6tables' MARK in the
     * guides), the mark's IPv6 service takes both ports, and its persistence template (keyed by the mark, not
     * the port) keeps the client on one server across them; port 82 is no one's.
     */
    @Test
    void anIpv6FirewallMarkServiceShouldTakeWhatItsRuleMarks()
    {
        final VirtualService s = f.services.addFwmark(7, true, "rr", 0, f.now);
        s.addRealServer(RS1, 0, Method.DR, 1, 0, 0);
        s.addRealServer(RS2, 0, Method.DR, 1, 0, 0);
        s.persistence(300_000, 128);
        f.services.addRule6(new dev.jvs.engine.service.FwmarkRule6(6, VIP, 128, 80, 81, 7));
        f.neighbors.put6(RS1, Packets.RS1_MAC);
        f.neighbors.put6(RS2, Packets.RS2_MAC);
        final byte[] a = f.send(tcp(CLIENT, VIP, 40000, 80, SYN));
        assertNotNull(a, f.counters.toString());
        final byte[] b = f.send(tcp(CLIENT, VIP, 40001, 81, SYN));
        assertNotNull(b);
        assertEquals(mac(a, 0), mac(b, 0), "one template for the mark: the same server for both ports");
        assertEquals(81, (b[54 + 2] & 0xFF) << 8 | b[54 + 3] & 0xFF, "the port kept");
        assertNull(f.send(tcp(CLIENT, VIP, 40002, 82, SYN)), "not marked, no service");
        assertEquals(1, f.counters.get(Counter.NOT_OURS));
        final byte[] other = f.send(tcp(IpAddress.parse("2001:2::6"), VIP, 40000, 80, SYN));
        assertEquals(Packets.RS1_MAC ^ Packets.RS2_MAC ^ mac(a, 0), mac(other, 0), "another client: rr's next");
    }

    /**
     * A router on the way to a TUN real server sends a Packet Too Big about our ip6ip6 packet: the client gets
     * one now (from the VIP, quoting its own packet, the path MTU less the outer header), and the server's path
     * MTU is kept, so the client's next big packet draws one from the director at once.
     */
    @Test
    void aPacketTooBigAboutOurTunnelShouldLowerThePathMtu()
    {
        service(Method.TUN, RS1);
        final IpAddress director = IpAddress.parse("2001:2::2");
        f.cfg.ports6(new IpAddress[] {director});
        final byte[] big = frame(Packets.DIRECTOR_MAC, Packets.CLIENT_MAC, CLIENT, VIP, 6, 40000, 80, SYN,
            new byte[0], 0, 1400);
        final byte[] tunnelled = f.send(big);
        assertNotNull(tunnelled, f.counters.toString());
        // The router's error: to the director's address, quoting the ip6ip6 packet (within 1280 bytes).
        final IpAddress router = IpAddress.parse("2001:2::1");
        final int quote = 1280 - 40 - 8;
        final ByteBuffer b = ByteBuffer.allocate(14 + 40 + 8 + quote).order(ByteOrder.BIG_ENDIAN);
        putMac(b, Packets.DIRECTOR_MAC);
        putMac(b, Packets.RS1_MAC);
        b.putShort((short)0x86DD).putInt(0x6000_0000).putShort((short)(8 + quote)).put((byte)58).put((byte)64);
        b.putLong(router.hi()).putLong(router.lo()).putLong(director.hi()).putLong(director.lo());
        b.put((byte)2).put((byte)0).putShort((short)0).putInt(1400);
        b.put(tunnelled, 14, quote);
        final byte[] error = b.array();
        Ipv6.fillChecksum(new UnsafeBuffer(error), 14, 54, 8 + quote, 58, 2);
        final byte[] toClient = f.send(error);
        assertNotNull(toClient, f.counters.toString());
        assertEquals(Packets.CLIENT_MAC, mac(toClient, 0));
        assertEquals(VIP, address(toClient, 14 + 8), "from the VIP");
        assertEquals(CLIENT, address(toClient, 14 + 24));
        assertEquals(2, toClient[54] & 0xFF);
        assertEquals(1360, new UnsafeBuffer(toClient).getInt(58, ByteOrder.BIG_ENDIAN), "1400 less the outer header");
        assertEquals(CLIENT, address(toClient, 62 + 8), "quoting the client's own packet");
        assertChecksum(toClient, 54, 58);
        assertEquals(1, f.counters.get(Counter.TUN_PMTU));
        final byte[] again = f.send(frame(Packets.DIRECTOR_MAC, Packets.CLIENT_MAC, CLIENT, VIP, 6, 40000, 80, ACK,
            new byte[0], 0, 1400));
        assertEquals(2, again[54] & 0xFF, "the next big one: a Packet Too Big from the director at once");
        assertEquals(1360, new UnsafeBuffer(again).getInt(58, ByteOrder.BIG_ENDIAN));
        assertNotNull(f.send(frame(Packets.DIRECTOR_MAC, Packets.CLIENT_MAC, CLIENT, VIP, 6, 40000, 80, ACK,
            new byte[0], 0, 1300)), "a packet that fits still goes through");
    }

    /**
     * A NAT reply at hop limit 1, or bigger than the client's port takes: the kernel's ip6_forward answers the
     * real server before IPVS translates anything, from the director's own address on that port.
     */
    @Test
    void aNatReplyShouldDrawIcmpv6ErrorsToTheRealServerFromTheDirector()
    {
        service(Method.NAT, RS1);
        final IpAddress director = IpAddress.parse("2001:2::2");
        f.cfg.ports6(new IpAddress[] {director});
        assertNotNull(f.send(tcp(CLIENT, VIP, 40000, 80, SYN)));
        final byte[] reply = frame(Packets.DIRECTOR_MAC, Packets.RS1_MAC, RS1, CLIENT, 6, 8080, 40000, SYN | ACK,
            new byte[0], 0, 0);
        reply[14 + 7] = 1;
        final byte[] te = f.send(reply);
        assertNotNull(te, f.counters.toString());
        assertEquals(Packets.RS1_MAC, mac(te, 0), "back to the real server");
        assertEquals(director, address(te, 14 + 8), "from the director's own address");
        assertEquals(RS1, address(te, 14 + 24));
        assertEquals(3, te[54] & 0xFF, "time exceeded");
        assertEquals(RS1, address(te, 62 + 8), "quoting the reply as it came, untranslated");
        assertChecksum(te, 54, 58);
        final byte[] big = frame(Packets.DIRECTOR_MAC, Packets.RS1_MAC, RS1, CLIENT, 6, 8080, 40000, ACK,
            new byte[0], 0, 1500 - 40 - 20 + 1);
        final byte[] ptb = f.send(big);
        assertNotNull(ptb, f.counters.toString());
        assertEquals(2, ptb[54] & 0xFF, "packet too big");
        assertEquals(1500, new UnsafeBuffer(ptb).getInt(58, ByteOrder.BIG_ENDIAN));
        assertEquals(director, address(ptb, 14 + 8));
        assertEquals(0, f.counters.get(Counter.FORWARDED_OUT));
        f.cfg.ports6(new IpAddress[] {null});
        assertNull(f.send(reply), "no address of its own on the port: counted, dropped");
        assertEquals(2, f.counters.get(Counter.DROP_TTL_EXCEEDED));
    }

    @Test
    void persistenceShouldKeepAClientPrefixOnOneServer()
    {
        final VirtualService s = service(Method.DR, RS1, RS2);
        s.persistence(300_000, 64);
        final long first = mac(f.send(tcp(CLIENT, VIP, 40000, 80, SYN)), 0);
        assertEquals(first, mac(f.send(tcp(IpAddress.parse("2001:2::77"), VIP, 40001, 80, SYN)), 0),
            "same /64, same server");
        assertTrue(first != mac(f.send(tcp(IpAddress.parse("2001:3::5"), VIP, 40002, 80, SYN)), 0),
            "another /64 is scheduled (rr: the other server)");
    }

    /** A Neighbor Solicitation from the client for {@code target}, with its link-layer address. */
    private static byte[] solicitation(final IpAddress target)
    {
        final ByteBuffer b = ByteBuffer.allocate(14 + 40 + 32).order(ByteOrder.BIG_ENDIAN);
        putMac(b, 0x3333FF000000L | target.lo() & 0xFFFFFF);
        putMac(b, Packets.CLIENT_MAC);
        b.putShort((short)0x86DD).putInt(0x6000_0000).putShort((short)32).put((byte)58).put((byte)255);
        b.putLong(CLIENT.hi()).putLong(CLIENT.lo()).putLong(Ipv6.SOLICITED_NODE_HI)
            .putLong(Ipv6.solicitedNodeLo(target.lo()));
        b.put((byte)135).put((byte)0).putShort((short)0).putInt(0).putLong(target.hi()).putLong(target.lo());
        b.put((byte)1).put((byte)1);
        putMac(b, Packets.CLIENT_MAC);
        final byte[] ns = b.array();
        Ipv6.fillChecksum(new UnsafeBuffer(ns), 14, 54, 32, 58, 2);
        return ns;
    }

    /**
     * VRRP over IPv6 gates the IPv6 VIPs as IPv4's: a backup of the instance that manages the VIP neither
     * answers solicitations for it nor forwards to it (counted as standby); its master answers (from the
     * virtual MAC with use_vmac) and forwards, and also answers for an address of the instance that is no VIP;
     * a VIP no instance manages is always served. A VRRP advert over IPv6 goes to the control tap, with or
     * without an IPv6 service.
     */
    @Test
    void vrrpShouldGateIpv6VipsAndAdvertsShouldReachTheTap()
    {
        service(Method.DR, RS1);
        final IpAddress dip = IpAddress.parse("2001:2::1");
        final IpAddress other = IpAddress.parse("2001:2::90");
        f.services.add(6, other, 80, "rr", 0, f.now).addRealServer(RS1, 80, Method.DR, 1, 0, 0);
        final long[] managed = {VIP.hi(), VIP.lo(), dip.hi(), dip.lo()};
        f.fwd.own(new Ownership(Forwarder.GATE_OWNED, new int[0], new int[0], new long[0], new int[0], new long[0],
            new int[0], new long[0], managed));
        assertNull(f.send(solicitation(VIP)), "a backup does not answer for the VIP");
        assertNull(f.send(solicitation(dip)));
        assertNull(f.send(tcp(CLIENT, VIP, 40000, 80, SYN)), "nor forwards to it");
        assertEquals(1, f.counters.get(Counter.DROP_STANDBY));
        assertNotNull(f.send(solicitation(other)), "a VIP no instance manages is answered");
        assertNotNull(f.send(tcp(CLIENT, other, 40000, 80, SYN)), "and forwarded");

        final long vmac = 0x00005E00023DL;
        f.fwd.own(new Ownership(Forwarder.GATE_OPEN, new int[0], new int[0], new long[0], new int[0], managed,
            new int[] {-1, -1}, new long[] {vmac, vmac}, managed));
        final byte[] na = f.send(solicitation(VIP));
        assertNotNull(na, "the master answers");
        assertEquals(vmac, mac(na, 54 + 26), "from the virtual router MAC (use_vmac)");
        assertNotNull(f.send(solicitation(dip)), "and for an address of its instance that is no VIP");
        assertNotNull(f.send(tcp(CLIENT, VIP, 40001, 80, SYN)), "and forwards");

        final java.util.List<String> tapped = new java.util.ArrayList<>();
        final ControlTap tap = new ControlTap()
        {
            @Override
            public boolean onFrame(final int port, final org.agrona.DirectBuffer b, final int ip, final int ipTotal,
                final int protocol, final long nowMs)
            {
                tapped.add(protocol + "/" + ipTotal + "/" + (b.getByte(ip) >> 4 & 0xF));
                return true;
            }

            @Override
            public int onCycle(final long nowMs)
            {
                return 0;
            }
        };
        f.fwd.tap(tap);
        // keepalived's VRRPv3 advert over IPv6 (VrrpPacketTest's), in an Ethernet frame to 33:33:00:00:00:12.
        final byte[] advert = java.util.HexFormat.of().parseHex("333300000012" + "02000000000a" + "86dd" +
            "6c0d06f8002870fffe80000000000000000000fffe00000aff020000000000000000000000000012" +
            "313d96020064fa1c" + "20010002000000000000000000000080" + "20010002000000000000000000000081");
        assertNull(f.send(advert));
        assertEquals(java.util.List.of("112/80/6"), tapped, "the advert, its IPv6 header first, to the tap");
        final EngineFixture bare = new EngineFixture();
        bare.fwd.tap(tap);
        assertNull(bare.send(advert));
        assertEquals(2, tapped.size(), "no IPv6 service: VRRP over IPv6 still reaches the tap");
    }

    @Test
    void neighbourSolicitationsShouldBeAnsweredForVipsAndServersLearnt()
    {
        service(Method.DR, RS1);
        f.neighbors.put6(RS1, Neighbors.UNKNOWN);
        // A solicitation for the VIP from a client, with its link-layer address.
        final byte[] ns = solicitation(VIP);
        final byte[] corrupt = ns.clone();
        corrupt[54 + 23] ^= 1;
        assertNull(f.send(corrupt), "a solicitation with a bad checksum is not answered");
        final byte[] na = f.send(ns);
        assertNotNull(na, f.counters.toString());
        assertEquals(Packets.CLIENT_MAC, mac(na, 0));
        assertEquals(VIP, address(na, 14 + 8), "from the VIP");
        assertEquals(CLIENT, address(na, 14 + 24));
        assertEquals(136, na[54] & 0xFF);
        assertEquals(0x60, na[58] & 0xFF, "solicited, override");
        assertEquals(VIP, address(na, 54 + 8));
        assertEquals(Packets.DIRECTOR_MAC, mac(na, 54 + 26), "its target link-layer address");
        assertChecksum(na, 54, 58);
        assertEquals(1, f.counters.get(Counter.ND_ANSWERED));

        // The director's own solicitation for a real server, and the advertisement that answers it.
        final UnsafeBuffer sol = new UnsafeBuffer(new byte[128]);
        final int n = f.fwd.neighborSolicit(RS1, 0, sol, 0);
        final byte[] s = java.util.Arrays.copyOf(sol.byteArray(), n);
        assertEquals(0x3333FF000011L, mac(s, 0));
        assertEquals(new IpAddress(true, Ipv6.LINK_LOCAL_HI, Ipv6.linkLocalLo(Packets.DIRECTOR_MAC)),
            address(s, 14 + 8));
        assertEquals("fe80::ff:fe00:2", address(s, 14 + 8).toString(), "modified EUI-64 of 02:00:00:00:00:02");
        assertChecksum(s, 54, 58);
        final byte[] adv = na.clone();
        System.arraycopy(s, 6, adv, 0, 6);
        final UnsafeBuffer a = new UnsafeBuffer(adv);
        Ipv6.address(a, 14 + 8, RS1.hi(), RS1.lo());
        Ipv6.address(a, 54 + 8, RS1.hi(), RS1.lo());
        for (int i = 0; i < 6; i++)
        {
            adv[54 + 26 + i] = (byte)(Packets.RS1_MAC >>> (8 * (5 - i)));
        }
        Ipv6.fillChecksum(a, 14, 54, 32, 58, 2);
        assertNull(f.send(adv));
        assertEquals(Packets.RS1_MAC, Forwarder.macOf(f.neighbors.get6(RS1)), "learnt from its advertisement");
    }

    /**
     * decrement_ttl and __mtu_check_toobig_v6: at hop limit 1 a Time Exceeded, over the MTU a Packet Too Big,
     * each from the VIP (icmp6_send's source for a packet to a local address) back to the client, quoting it.
     */
    @Test
    void hopLimitAndMtuShouldSendIcmpv6ErrorsFromTheVip()
    {
        service(Method.DR, RS1);
        final byte[] syn = tcp(CLIENT, VIP, 40000, 80, SYN);
        syn[14 + 7] = 1;
        final byte[] te = f.send(syn);
        assertNotNull(te, f.counters.toString());
        assertEquals(Packets.CLIENT_MAC, mac(te, 0));
        assertEquals(VIP, address(te, 14 + 8));
        assertEquals(CLIENT, address(te, 14 + 24));
        assertEquals(3, te[54] & 0xFF, "time exceeded");
        assertEquals(0, te[55], "hop limit exceeded in transit");
        assertEquals(syn.length - 14, te.length - 54 - 8, "the packet quoted whole");
        assertChecksum(te, 54, 58);
        assertEquals(1, f.counters.get(Counter.DROP_TTL_EXCEEDED));

        f.cfg.ports(new long[] {Packets.DIRECTOR_MAC}, new int[] {Packets.DIRECTOR}, new int[] {1280});
        final byte[] big = frame(Packets.DIRECTOR_MAC, Packets.CLIENT_MAC, CLIENT, VIP, 6, 40001, 80, SYN,
            new byte[0], 0, 1300);
        final byte[] ptb = f.send(big);
        assertNotNull(ptb, f.counters.toString());
        assertEquals(2, ptb[54] & 0xFF, "packet too big");
        assertEquals(1280, java.nio.ByteBuffer.wrap(ptb, 58, 4).getInt(), "the MTU");
        assertEquals(14 + 1280, ptb.length, "within the minimum MTU");
        assertChecksum(ptb, 54, 58);
    }

    /** An ICMPv6 error quoting {@code quoted} (an IPv6 packet from 14 on), from {@code src} to {@code dst}. */
    private static byte[] icmpError(final long dstMac, final long srcMac, final IpAddress src, final IpAddress dst,
        final int type, final int value, final byte[] quoted)
    {
        final int quote = Math.min(quoted.length - 14, 1232);
        final ByteBuffer b = ByteBuffer.allocate(14 + 40 + 8 + quote).order(ByteOrder.BIG_ENDIAN);
        putMac(b, dstMac);
        putMac(b, srcMac);
        b.putShort((short)0x86DD).putInt(0x6000_0000).putShort((short)(8 + quote)).put((byte)58).put((byte)64);
        b.putLong(src.hi()).putLong(src.lo()).putLong(dst.hi()).putLong(dst.lo());
        b.put((byte)type).put((byte)0).putShort((short)0).putInt(value);
        b.put(quoted, 14, quote);
        final byte[] a = b.array();
        Ipv6.fillChecksum(new UnsafeBuffer(a), 14, 54, 8 + quote, 58, 2);
        return a;
    }

    /**
     * ip_vs_in_icmp_v6 / ip_vs_out_icmp_v6: a router near the client says a NAT reply was too big (the error
     * goes to the VIP): it reaches the real server with its destination and the quoted source made the
     * server's again; an error from the server's side about a client's packet goes back to the client made
     * the VIP's. Every checksum right, the quoted one too.
     */
    @Test
    void icmpv6ErrorsShouldFollowTheirConnection()
    {
        service(Method.NAT, RS1);
        f.send(tcp(CLIENT, VIP, 40000, 80, SYN));
        final byte[] reply = frame(Packets.DIRECTOR_MAC, Packets.RS1_MAC, RS1, CLIENT, 6, 8080, 40000, SYN | ACK,
            new byte[0], 0, 0);
        final byte[] translated = f.send(reply);
        final IpAddress router = IpAddress.parse("2001:2:9::1");
        final byte[] ptb = f.send(icmpError(Packets.DIRECTOR_MAC, Packets.CLIENT_MAC, router, VIP, 2, 1280,
            translated));
        assertNotNull(ptb, f.counters.toString());
        assertEquals(Packets.RS1_MAC, mac(ptb, 0));
        assertEquals(router, address(ptb, 14 + 8));
        assertEquals(RS1, address(ptb, 14 + 24), "to the real server");
        assertEquals(RS1, address(ptb, 62 + 8), "the quoted reply's source, the server's again");
        assertEquals(8080, (ptb[102] & 0xFF) << 8 | ptb[103] & 0xFF, "and its port");
        assertEquals(1280, ByteBuffer.wrap(ptb, 58, 4).getInt());
        assertChecksum(ptb, 54, 58);
        final byte[] quotedReply = java.util.Arrays.copyOfRange(ptb, 62 - 14, ptb.length);
        assertChecksum(quotedReply, 54, 6);

        // The server's side says the client's (translated) packet could not be delivered: back to the client.
        final byte[] toServer = f.send(tcp(CLIENT, VIP, 40000, 80, ACK));
        final byte[] unreach = f.send(icmpError(Packets.DIRECTOR_MAC, Packets.RS1_MAC, RS1, CLIENT, 1, 0,
            toServer));
        assertNotNull(unreach, f.counters.toString());
        assertEquals(Packets.CLIENT_MAC, mac(unreach, 0));
        assertEquals(VIP, address(unreach, 14 + 8), "from the VIP");
        assertEquals(VIP, address(unreach, 62 + 24), "the quoted packet to the VIP again");
        assertEquals(80, (unreach[104] & 0xFF) << 8 | unreach[105] & 0xFF);
        assertChecksum(unreach, 54, 58);
        // An error quoting no connection is not ours.
        assertNull(f.send(icmpError(Packets.DIRECTOR_MAC, Packets.CLIENT_MAC, router, VIP, 1, 0,
            tcp(CLIENT, VIP, 49999, 80, SYN))));
    }

    @Test
    void ipv6ShouldBeIgnoredWithoutAnIpv6Service()
    {
        assertNull(f.send(tcp(CLIENT, VIP, 40000, 80, SYN)));
        assertEquals(1, f.counters.get(Counter.IPV6_IGNORED));
        service(Method.DR, RS1);
        assertNull(f.send(tcp(CLIENT, IpAddress.parse("2001:2::81"), 40000, 80, SYN)));
        assertEquals(1, f.counters.get(Counter.NOT_OURS));
    }

    /**
     * ip6ip6 (ip_vs_tunnel_xmit_v6): the datagram, hop limit one less, behind an outer header from the
     * director's address on the port to the server, next header 41, the inner hop limit and DS field (CE
     * becomes ECT(0) outside); over the MTU less the 40 bytes, a Packet Too Big of that size.
     */
    @Test
    void tunShouldEncapsulateInIpv6()
    {
        service(Method.TUN, RS1);
        final byte[] syn = tcp(CLIENT, VIP, 40000, 80, SYN);
        syn[14] = 0x6B;      // traffic class 0xB3 (DSCP 0x2C, ECN CE) in the 4 bits after the version and the next 4
        syn[15] = 0x30;
        assertNull(f.send(syn), "no address of the director's own to tunnel from");
        assertEquals(1, f.counters.get(Counter.DROP_NO_SOURCE6));
        final IpAddress director = IpAddress.parse("2001:2::2");
        f.cfg.ports6(new IpAddress[] {director});
        final byte[] out = f.send(syn);
        assertNotNull(out, f.counters.toString());
        assertEquals(syn.length + 40, out.length);
        assertEquals(Packets.RS1_MAC, mac(out, 0));
        assertEquals(41, out[14 + 6], "ip6ip6");
        assertEquals(director, address(out, 14 + 8));
        assertEquals(RS1, address(out, 14 + 24));
        assertEquals(syn.length - 14, (out[18] & 0xFF) << 8 | out[19] & 0xFF, "payload: the inner datagram");
        assertEquals(63, out[14 + 7] & 0xFF, "outer hop limit: the inner one's");
        assertEquals(63, out[54 + 7] & 0xFF);
        assertEquals(0xB2, (out[14] & 0x0F) << 4 | (out[15] & 0xF0) >>> 4, "DS kept, CE made ECT(0)");
        assertEquals(0xB3, (out[54] & 0x0F) << 4 | (out[55] & 0xF0) >>> 4, "the inner one untouched");
        assertEquals(VIP, address(out, 54 + 24));
        f.cfg.ports(new long[] {Packets.DIRECTOR_MAC}, new int[] {Packets.DIRECTOR}, new int[] {1300});
        f.cfg.ports6(new IpAddress[] {director});
        final byte[] ptb = f.send(frame(Packets.DIRECTOR_MAC, Packets.CLIENT_MAC, CLIENT, VIP, 6, 40001, 80, SYN,
            new byte[0], 0, 1201));
        assertNotNull(ptb, f.counters.toString());
        assertEquals(2, ptb[54] & 0xFF, "packet too big");
        assertEquals(1260, java.nio.ByteBuffer.wrap(ptb, 58, 4).getInt(), "the MTU less the outer header");
    }
}
