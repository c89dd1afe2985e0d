package dev.jvs.director;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Golden replays: captures built by scapy (independent of jvs's packet code), replayed through NAT, DR and
 * TUN, every output frame checked field by field and by tshark's checksum validation.
 */
class ReplayGoldenTest
{
    private static final String PYTHON = "/usr/bin/python3";
    private static final long ROUTER = 0x020000000001L;
    private static final long DIRECTOR = 0x020000000002L;
    private static final int VIP = ip("198.19.0.80");
    private static final int DIRECTOR_IP = ip("198.19.0.2");
    private static final Map<Long, Integer> RS = Map.of(
        0x020000000011L, ip("198.19.0.11"), 0x020000000012L, ip("198.19.0.12"), 0x020000000013L, ip("198.19.0.13"));
    private static final String[] ORDER = {"198.19.0.13", "198.19.0.12", "198.19.0.11"};

    @TempDir
    static Path dir;

    @BeforeAll
    static void tools() throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/tshark")), "tshark is not installed");
        Assumptions.assumeTrue(0 == run(List.of(PYTHON, "-c", "import scapy.all")).exit,
            "python3-scapy is not installed");
        for (final String f : List.of("make_pcap.py", "keepalived-nat.conf", "keepalived-dr.conf",
            "keepalived-tun.conf", "tun_fragments.py", "make_pcap6.py", "keepalived-nat6.conf"))
        {
            try (InputStream in = ReplayGoldenTest.class.getResourceAsStream("/golden/" + f))
            {
                Files.copy(in, dir.resolve(f));
            }
        }
    }

    private record Proc(int exit, String out)
    {
    }

    private static Proc run(final List<String> cmd) throws IOException, InterruptedException
    {
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Proc(p.waitFor(), out);
    }

    private static int ip(final String s)
    {
        final String[] p = s.split("\\.");
        return (Integer.parseInt(p[0]) << 24) | (Integer.parseInt(p[1]) << 16) | (Integer.parseInt(p[2]) << 8) |
            Integer.parseInt(p[3]);
    }

    private static long mac(final ByteBuffer b, final int at)
    {
        return ((long)(b.getShort(at) & 0xFFFF) << 32) | (b.getInt(at + 2) & 0xFFFFFFFFL);
    }

    private static List<byte[]> frames(final Path pcap) throws Exception
    {
        final List<byte[]> out = new ArrayList<>();
        final PcapHandle h = Pcaps.openOffline(pcap.toString());
        try
        {
            byte[] f;
            while (null != (f = h.getNextRawPacket()))
            {
                out.add(f);
            }
        }
        finally
        {
            h.close();
        }
        return out;
    }

    /** tshark's "Bad" checksum verdicts in a capture (none expected), TCP, UDP and ICMPv6 included. */
    private static String badChecksums(final Path pcap) throws Exception
    {
        final Proc bad = run(List.of("tshark", "-r", pcap.toString(), "-o", "ip.check_checksum:TRUE",
            "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
            "-Y", "ip.checksum.status == \"Bad\" || tcp.checksum.status == \"Bad\" || " +
                "udp.checksum.status == \"Bad\" || icmp.checksum.status == \"Bad\" || " +
                "icmpv6.checksum.status == \"Bad\"", "-T", "fields", "-e", "frame.number"));
        assertEquals(0, bad.exit, bad.out);
        return bad.out.lines().filter(l -> !l.startsWith("Running as user")).reduce("", String::concat);
    }

    private static String ipv6(final ByteBuffer b, final int at) throws Exception
    {
        final byte[] a = new byte[16];
        b.get(at, a);
        return java.net.InetAddress.getByAddress(a).getHostAddress();
    }

    /**
     * IPv6 NAT, from a scapy capture: the VIP's neighbour solicitation answered, four connections spread by rr
     * (one through a hop-by-hop header), each to its server's address and port 8080 and back from the VIP and
     * port 80 with the hop limit one less, a Time Exceeded for the packet that came with hop limit 1, the UDP
     * service; every checksum valid by tshark.
     */
    @org.junit.jupiter.api.Test
    void ipv6NatShouldReplayWithValidChecksums() throws Exception
    {
        final Path in = dir.resolve("in-nat6.pcap");
        final Path out = dir.resolve("out-nat6.pcap");
        final Proc gen = run(List.of(PYTHON, dir.resolve("make_pcap6.py").toString(), in.toString()));
        assertEquals(0, gen.exit, gen.out);
        final PrintStream oldOut = System.out;
        final ByteArrayOutputStream summary = new ByteArrayOutputStream();
        System.setOut(new PrintStream(summary, true, StandardCharsets.UTF_8));
        final int exit;
        try
        {
            exit = Main.execute("replay", "-f", dir.resolve("keepalived-nat6.conf").toString(), "--in", in.toString(),
                "--out", out.toString(), "--director-ip", "198.19.0.2");
        }
        finally
        {
            System.setOut(oldOut);
        }
        final String s = summary.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, s);
        int toServers = 0;
        int toClients = 0;
        int na = 0;
        int te = 0;
        final Map<String, String> flowServer = new HashMap<>();
        for (final byte[] f : frames(out))
        {
            final ByteBuffer b = ByteBuffer.wrap(f);
            assertEquals(DIRECTOR, mac(b, 6), "every frame leaves from the director's MAC");
            assertEquals(0x86DD, b.getShort(12) & 0xFFFF, s);
            final int nh = b.get(14 + 6) & 0xFF;
            if (58 == nh)
            {
                final int type = b.get(54) & 0xFF;
                na += 136 == type ? 1 : 0;
                te += 3 == type ? 1 : 0;
                assertEquals("2001:2:0:0:0:0:0:80", ipv6(b, 14 + 8), "from the VIP");
                continue;
            }
            if (ROUTER == mac(b, 0))
            {
                toClients++;
                assertEquals("2001:2:0:0:0:0:0:80", ipv6(b, 14 + 8), "NAT replies come from the VIP");
                assertEquals(63, b.get(14 + 7) & 0xFF, "hop limit one less");
                assertEquals(80, b.getShort(54) & 0xFFFF);
                continue;
            }
            toServers++;
            final String server = ipv6(b, 14 + 24);
            assertTrue(RS.containsKey(mac(b, 0)), "to a real server's MAC");
            assertEquals(59, b.get(14 + 7) & 0xFF, "hop limit one less");
            if (6 == nh || 0 == nh)
            {
                final int l4 = 0 == nh ? 54 + 8 : 54;
                assertEquals(8080, b.getShort(l4 + 2) & 0xFFFF);
                final String flow = ipv6(b, 14 + 8) + ":" + (b.getShort(l4) & 0xFFFF);
                final String before = flowServer.putIfAbsent(flow, server);
                assertTrue(null == before || before.equals(server), "flow " + flow + " stays on one server");
            }
        }
        assertEquals(1, na, "the solicitation for the VIP answered: " + s);
        assertEquals(1, te, "time exceeded for hop limit 1: " + s);
        assertEquals(4, flowServer.size(), s);
        assertEquals("2001:2:0:0:0:0:0:12", flowServer.get("2001:2:1:0:0:0:0:5:40001"), "rr: the kernel's list");
        assertEquals("2001:2:0:0:0:0:0:11", flowServer.get("2001:2:1:0:0:0:0:5:40002"));
        assertEquals(4 * 4 + 1, toServers, s);
        assertEquals(4 * 3, toClients, s);
        assertEquals("", badChecksums(out), "tshark finds bad checksums");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nat", "dr", "tun"})
    void shouldReplayThroughEachMethod(final String method) throws Exception
    {
        final Path in = dir.resolve("in-" + method + ".pcap");
        final Path out = dir.resolve("out-" + method + ".pcap");
        final Proc gen = run(List.of(PYTHON, dir.resolve("make_pcap.py").toString(), in.toString(), method));
        assertEquals(0, gen.exit, gen.out);

        final PrintStream oldOut = System.out;
        final ByteArrayOutputStream summary = new ByteArrayOutputStream();
        System.setOut(new PrintStream(summary, true, StandardCharsets.UTF_8));
        final int exit;
        try
        {
            exit = Main.execute("replay", "-f", dir.resolve("keepalived-" + method + ".conf").toString(),
                "--in", in.toString(), "--out", out.toString(), "--director-ip", "198.19.0.2");
        }
        finally
        {
            System.setOut(oldOut);
        }
        final String s = summary.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, s);
        assertTrue(s.contains("ARP request for a VIP answered"), s);
        assertTrue(s.matches("(?s).*dropped: malformed IPv4 header\\s+1\\n.*"), s);

        final int natPort = "nat".equals(method) ? 8080 : 80;
        final Map<String, Integer> flowServer = new HashMap<>();
        int toServers = 0;
        int toClients = 0;
        for (final byte[] f : frames(out))
        {
            final ByteBuffer b = ByteBuffer.wrap(f);
            assertEquals(DIRECTOR, mac(b, 6), "every frame leaves from the director's MAC");
            if (0x0806 == (b.getShort(12) & 0xFFFF))
            {
                assertEquals(2, b.getShort(20), "ARP reply");
                assertEquals(VIP, b.getInt(28));
                continue;
            }
            assertEquals(0x0800, b.getShort(12) & 0xFFFF);
            final long dst = mac(b, 0);
            int ip = 14;
            if (ROUTER == dst)
            {
                toClients++;
                assertEquals(VIP, b.getInt(ip + 12), "NAT replies come from the VIP");
                assertEquals(63, b.get(ip + 8) & 0xFF, "reply TTL decremented");
                if (6 == b.get(ip + 9))
                {
                    assertEquals(80, b.getShort(ip + 20) & 0xFFFF);
                }
                continue;
            }
            toServers++;
            final Integer server = RS.get(dst);
            assertTrue(null != server, "to a real server's MAC");
            if ("tun".equals(method))
            {
                assertEquals(4, b.get(ip + 9), "IPIP");
                assertEquals(DIRECTOR_IP, b.getInt(ip + 12));
                assertEquals(server.intValue(), b.getInt(ip + 16));
                assertEquals(b.get(ip + 8 + 20), b.get(ip + 8), "outer TTL = inner TTL");
                ip += 20;
            }
            final int proto = b.get(ip + 9);
            final int expectedDst = "nat".equals(method) ? server : VIP;
            assertEquals(expectedDst, b.getInt(ip + 16));
            assertEquals(1 == proto ? 62 : 59, b.get(ip + 8) & 0xFF, "TTL (60, or 63 for the ICMP error) decremented");
            if (6 == proto)
            {
                assertEquals(natPort, b.getShort(ip + 22) & 0xFFFF);
                final String flow = b.getInt(ip + 12) + ":" + (b.getShort(ip + 20) & 0xFFFF);
                final Integer before = flowServer.putIfAbsent(flow, server);
                assertTrue(null == before || before.equals(server), "flow " + flow + " stays on one server");
            }
        }
        assertEquals(6, flowServer.size());
        // rr over servers added 11, 12, 13: the kernel's list is 13, 12, 11.
        int k = 0;
        for (final String c : new String[] {"198.18.0.5", "198.18.0.6", "198.18.0.7"})
        {
            for (final int port : new int[] {40001, 40002})
            {
                assertEquals(ip(ORDER[k++ % 3]), flowServer.get(ip(c) + ":" + port), c + ":" + port);
            }
        }
        assertEquals(28, toServers);
        assertEquals("nat".equals(method) ? 18 : 0, toClients);

        final Proc bad = run(List.of("tshark", "-r", out.toString(), "-o", "ip.check_checksum:TRUE",
            "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
            "-Y", "ip.checksum.status == \"Bad\" || tcp.checksum.status == \"Bad\" || " +
                "udp.checksum.status == \"Bad\" || icmp.checksum.status == \"Bad\"", "-T", "fields", "-e", "frame.number"));
        assertEquals(0, bad.exit, bad.out);
        assertEquals("", bad.out.lines().filter(l -> !l.startsWith("Running as user")).reduce("", String::concat),
            "tshark finds bad checksums in frames: " + bad.out);
        final Proc good = run(List.of("tshark", "-r", out.toString(), "-o", "ip.check_checksum:TRUE",
            "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
            "-Y", "ip.checksum.status == \"Good\"", "-T", "fields", "-e", "frame.number"));
        assertEquals(toServers + toClients, good.out.lines().filter(l -> l.matches("\\d+")).count(),
            "tshark validated every IP frame");
    }

    /**
     * A UDP datagram without DF that does not fit the tunnel leaves in IPIP fragments (as Linux's ip_fragment
     * cuts the outer packet), and scapy, reassembling them, finds the client's datagram byte for byte.
     */
    @org.junit.jupiter.api.Test
    void tunShouldFragmentADatagramWithoutDfThatDoesNotFitTheTunnel() throws Exception
    {
        final Path in = dir.resolve("in-frag.pcap");
        final Path out = dir.resolve("out-frag.pcap");
        final Path script = dir.resolve("tun_fragments.py");
        final Proc gen = run(List.of(PYTHON, script.toString(), "make", in.toString()));
        assertEquals(0, gen.exit, gen.out);
        final PrintStream oldOut = System.out;
        final ByteArrayOutputStream summary = new ByteArrayOutputStream();
        System.setOut(new PrintStream(summary, true, StandardCharsets.UTF_8));
        final int exit;
        try
        {
            exit = Main.execute("replay", "-f", dir.resolve("keepalived-tun.conf").toString(),
                "--in", in.toString(), "--out", out.toString(), "--director-ip", "198.19.0.2");
        }
        finally
        {
            System.setOut(oldOut);
        }
        final String s = summary.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, s);
        assertTrue(s.contains("tunnelled packet sent in fragments"), s);
        final Proc check = run(List.of(PYTHON, script.toString(), "check", in.toString(), out.toString()));
        assertEquals(0, check.exit, check.out);
        assertTrue(check.out.contains("identical"), check.out);
    }
}
