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
            "keepalived-tun.conf", "tun_fragments.py"))
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
