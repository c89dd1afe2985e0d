package dev.jvs.testbed;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real traffic through a running director (bin/jvs run) in network namespaces: see {@link Lab} for the
 * topology. Needs root, iproute2, curl, python3, wrk, tshark; skipped (not failed) without them.
 */
@Timeout(180)
class DirectorLabTest extends LabTest
{

    @BeforeAll
    static void requirements()
    {
        needs("/usr/bin/curl", "/usr/bin/python3", "/usr/bin/wrk", "/usr/bin/tshark");
    }

    private static String config(final Lab.Mode mode, final String scheduler, final String extra, final int... weights)
    {
        final StringBuilder b = new StringBuilder();
        b.append("virtual_server ").append(Lab.VIP).append(" 80 {\n    lb_algo ").append(scheduler)
            .append("\n    lb_kind ").append(mode).append("\n    protocol TCP\n").append(extra);
        for (int i = 0; i < weights.length; i++)
        {
            b.append("    real_server ").append(Lab.rs(i + 1)).append(" 80 {\n        weight ").append(weights[i])
                .append("\n    }\n");
        }
        return b.append("}\n").toString();
    }

    private static long counter(final Lab lab, final String name) throws Exception
    {
        final String out = lab.ns().sh("director", "nstat -az " + name);
        final Matcher m = Pattern.compile(name + "\\s+(\\d+)").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }

    @ParameterizedTest
    @EnumSource(Lab.Mode.class)
    void shouldServeEveryRequestAndLeaveTheKernelOutOfIt(final Lab.Mode mode) throws Exception
    {
        try (Lab lab = new Lab(mode, 3, work, JAR))
        {
            lab.startDirector(config(mode, "rr", "", 1, 1, 1));
            assertEquals(Map.of("rs1", 10, "rs2", 10, "rs3", 10), lab.counts(30), "rr spreads evenly");
            final String big = lab.get("/big.bin");
            assertEquals(256 * 1024, big.length(), "a 256 KiB response comes through whole: " + (big.length() < 300 ? big : ""));
            assertEquals(0, counter(lab, "TcpOutRsts"), "the director's kernel sent no RST");
            assertEquals(0, counter(lab, "IpForwDatagrams"), "the director's kernel forwarded nothing");
            final String log = lab.stopDirector();
            assertTrue(log.contains(" 0 dropped"), log);
            assertTrue(log.contains("nftables table netdev jvs_eth0 drops VIP traffic"), log);
            assertTrue(log.contains("kernel settings of eth0 restored"), log);
            assertTrue(!lab.ns().sh("director", "nft list tables").contains("jvs_"), "the table is gone after exit");
        }
    }

    @Test
    void aStartAfterACrashShouldCleanWhatTheLastRunLeft() throws Exception
    {
        try (Lab lab = new Lab(Lab.Mode.NAT, 1, work, JAR))
        {
            final String conf = config(Lab.Mode.NAT, "rr", "", 1);
            lab.startDirector(conf);
            lab.killDirector();
            assertTrue(lab.ns().sh("director", "nft list tables").contains("jvs_eth0"), "a crash leaves the table");
            lab.startDirector(conf);
            assertEquals("rs1", lab.get("/").trim());
            final String log = lab.stopDirector();
            assertTrue(log.contains("removed nftables table jvs_eth0 a previous run left"), log);
        }
    }

    /**
     * A client's full-size segments do not fit the tunnel (1500 + 20): the director answers with ICMP
     * fragmentation needed (MTU 1480), the client's TCP lowers its segment size, and the upload completes.
     */
    @Test
    void aBigUploadThroughTheTunnelShouldFindThePathMtu() throws Exception
    {
        try (Lab lab = new Lab(Lab.Mode.TUN, 1, work, JAR))
        {
            final Path sink = work.resolve("sink.py");
            Files.writeString(sink, String.join("\n",
                "import socket",
                "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
                "s.bind(('0.0.0.0', 81)); s.listen(4)",
                "while True:",
                "    c, _ = s.accept(); n = 0",
                "    while True:",
                "        d = c.recv(65536)",
                "        if not d: break",
                "        n += len(d)",
                "    c.sendall(b'got %d' % n); c.close()", ""));
            lab.ns().spawn("rs1", List.of("/usr/bin/python3", sink.toString()), work.resolve("sink.log"));
            lab.startDirector(config(Lab.Mode.TUN, "rr", "", 1) + config(Lab.Mode.TUN, "rr", "", 1)
                .replace(Lab.VIP + " 80", Lab.VIP + " 81").replace(Lab.rs(1) + " 80", Lab.rs(1) + " 81"));
            Thread.sleep(500);
            final String out = lab.ns().sh("client", "/usr/bin/python3 -c \"import socket; " +
                "s = socket.create_connection(('" + Lab.VIP + "', 81), timeout=20); s.sendall(b'x' * 262144); " +
                "s.shutdown(socket.SHUT_WR); print(s.recv(100).decode())\"");
            assertEquals("got 262144", out.trim());
            assertTrue(lab.ns().sh("client", "ip route get " + Lab.VIP).contains("mtu 1480"),
                "the client learned the tunnel's MTU");
            final String log = lab.stopDirector();
            assertTrue(log.contains("ICMP error sent to the sender:"), log);
        }
    }

    /**
     * A router on the way to a TUN real server says (ICMP fragmentation needed, MTU 1300) that the director's
     * IPIP packet was too big: the client, whose datagram it carried, learns 1280 for the VIP from the
     * director, as IPVS relays it. The ICMP is crafted with scapy on the real server's side.
     */
    @Test
    void anIcmpAboutTheTunnelShouldReachTheClientWithTheTunnelsMtu() throws Exception
    {
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/lib/python3/dist-packages/scapy")), "needs python3-scapy");
        try (Lab lab = new Lab(Lab.Mode.TUN, 1, work, JAR))
        {
            lab.startDirector("virtual_server " + Lab.VIP + " 9 {\n lb_algo rr\n lb_kind TUN\n protocol UDP\n" +
                " real_server " + Lab.rs(1) + " 9\n}\n");
            final Path client = work.resolve("pmtu.py");
            Files.writeString(client, String.join("\n",
                "import socket, time",
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                "s.setsockopt(socket.IPPROTO_IP, 10, 2)   # IP_MTU_DISCOVER: IP_PMTUDISC_DO (DF)",
                "s.bind(('198.19.0.5', 40123)); s.connect(('" + Lab.VIP + "', 9))",
                "s.send(b'x' * 1000)",
                "for _ in range(50):",
                "    time.sleep(0.1)",
                "    try:",
                "        s.send(b'y')",
                "    except OSError:",
                "        pass",
                "    if s.getsockopt(socket.IPPROTO_IP, 14) < 1500: break   # IP_MTU",
                "print('mtu', s.getsockopt(socket.IPPROTO_IP, 14), flush=True)", ""));
            final Path out = work.resolve("pmtu.out");
            lab.ns().spawn("client", List.of("/usr/bin/python3", client.toString()), out);
            Thread.sleep(500);
            final String dmac = lab.ns().sh("director", "cat /sys/class/net/eth0/address").trim();
            final Path icmp = work.resolve("icmp.py");
            Files.writeString(icmp, String.join("\n",
                "from scapy.all import Ether, IP, ICMP, UDP, Raw, sendp, get_if_hwaddr",
                "inner = IP(src='198.19.0.5', dst='" + Lab.VIP + "', flags='DF') / UDP(sport=40123, dport=9) / " +
                    "Raw(b'x' * 1000)",
                "outer = IP(src='198.19.0.2', dst='" + Lab.rs(1) + "', proto=4, flags='DF') / inner",
                "sendp(Ether(src=get_if_hwaddr('eth0'), dst='" + dmac + "') / IP(src='" + Lab.rs(1) +
                    "', dst='198.19.0.2') / ICMP(type=3, code=4, nexthopmtu=1300) / bytes(outer)[:548], " +
                    "iface='eth0', verbose=False)", ""));
            lab.ns().sh("rs1", "/usr/bin/python3 " + icmp);
            String got = "";
            for (int t = 0; t < 80 && !got.contains("mtu"); t++)
            {
                Thread.sleep(100);
                got = Files.exists(out) ? Files.readString(out) : "";
            }
            assertEquals("mtu 1280", got.trim(), "the client's path MTU to the VIP");
            final String log = lab.stopDirector();
            assertTrue(log.contains("path MTU to a TUN real server lowered by ICMP: 1"), log);
        }
    }

    /**
     * rr over [rs3, rs2, rs1] (the kernel's order) gives the first connection to rs3: a slow download that is
     * still running when rs3 leaves the configuration. It must finish whole; new connections must avoid rs3.
     * A broken configuration must leave the running one in place.
     */
    @ParameterizedTest
    @EnumSource(value = Lab.Mode.class, names = {"NAT", "DR"})
    void aServerRemovedByReloadShouldFinishItsConnectionsAndGetNoNewOnes(final Lab.Mode mode) throws Exception
    {
        try (Lab lab = new Lab(mode, 3, work, JAR))
        {
            lab.startDirector(config(mode, "rr", "", 1, 1, 1));
            final Path out = work.resolve("slow.bin");
            final Process slow = lab.ns().spawn("client", List.of("curl", "-s", "--limit-rate", "64k", "-o",
                out.toString(), "http://" + Lab.VIP + "/big.bin"), work.resolve("slow.log"));
            Thread.sleep(800);
            final String bad = lab.reloadDirector(config(mode, "rr", "", 1, 1) + "virtual_server 198.19.0.81 80 {");
            assertTrue(bad.contains("reload failed, the running configuration stays"), bad);
            final String good = lab.reloadDirector(config(mode, "rr", "", 1, 1));
            assertTrue(good.contains("1 removed, 0 changed"), good);
            final Map<String, Integer> c = lab.counts(20);
            assertEquals(Map.of("rs1", 10, "rs2", 10), Map.copyOf(c), "no new connection to rs3");
            slow.waitFor();
            assertEquals(256 * 1024, Files.size(out), "the open connection to rs3 finished whole");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Lab.Mode.class, names = {"NAT", "DR"})
    void shouldForwardThroughLibpcapToo(final Lab.Mode mode) throws Exception
    {
        try (Lab lab = new Lab(mode, 2, work, JAR))
        {
            lab.startDirector(config(mode, "rr", "", 1, 1), List.of("--io", "pcap"));
            assertEquals(Map.of("rs1", 5, "rs2", 5), Map.copyOf(lab.counts(10)));
            assertTrue(lab.stopDirector().contains("io pcap"));
        }
    }

    @Test
    void shouldForwardThroughATpacketV3RingToo() throws Exception
    {
        try (Lab lab = new Lab(Lab.Mode.NAT, 2, work, JAR))
        {
            lab.startDirector(config(Lab.Mode.NAT, "rr", "", 1, 1), List.of("--ring", "v3"));
            assertEquals(Map.of("rs1", 5, "rs2", 5), Map.copyOf(lab.counts(10)));
            assertTrue(lab.stopDirector().contains("io afpacket v3"));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Lab.Mode.class, names = {"NAT", "DR"})
    void vipModeKernelShouldLetTheKernelAnswerArpButNotTheTraffic(final Lab.Mode mode) throws Exception
    {
        try (Lab lab = new Lab(mode, 2, work, JAR))
        {
            lab.startDirector(config(mode, "rr", "", 1, 1), List.of("--vip-mode", "kernel"));
            assertTrue(lab.ns().sh("director", "ip -4 addr show dev eth0").contains(Lab.VIP + "/32"));
            assertEquals(Map.of("rs1", 5, "rs2", 5), Map.copyOf(lab.counts(10)));
            assertEquals(0, counter(lab, "TcpOutRsts"), "the kernel owns the VIP but sent no RST");
            final String log = lab.stopDirector();
            assertTrue(log.contains(" 0 ARP replies"), "the engine left ARP to the kernel: " + log);
            assertTrue(!lab.ns().sh("director", "ip -4 addr show dev eth0").contains(Lab.VIP + "/32"),
                "the VIP address is removed at exit");
        }
    }

    @Test
    void shouldSpreadNewConnectionsByWrrWeights() throws Exception
    {
        try (Lab lab = new Lab(Lab.Mode.DR, 3, work, JAR))
        {
            lab.startDirector(config(Lab.Mode.DR, "wrr", "", 3, 2, 1));
            assertEquals(Map.of("rs1", 30, "rs2", 20, "rs3", 10), Map.copyOf(lab.counts(60)));
        }
    }

    @Test
    void shouldKeepAClientOnOneServerWithPersistence() throws Exception
    {
        try (Lab lab = new Lab(Lab.Mode.NAT, 3, work, JAR))
        {
            lab.startDirector(config(Lab.Mode.NAT, "rr", "    persistence_timeout 60\n", 1, 1, 1));
            final Map<String, Integer> c = lab.counts(12);
            assertEquals(1, c.size(), "one server for every connection: " + c);
        }
    }

    @ParameterizedTest
    @EnumSource(Lab.Mode.class)
    void shouldCarryABoundedWrkRunWithoutErrors(final Lab.Mode mode) throws Exception
    {
        try (Lab lab = new Lab(mode, 3, work, JAR))
        {
            lab.startDirector(config(mode, "wlc", "", 1, 1, 1));
            final String out = lab.ns().sh("client", "wrk -t1 -c8 -d3s --timeout 2s http://" + Lab.VIP + "/");
            assertTrue(!out.contains("Socket errors") && !out.contains("Non-2xx"), out);
            final Matcher m = Pattern.compile("(\\d+) requests in").matcher(out);
            assertTrue(m.find() && Long.parseLong(m.group(1)) > 100, out);
        }
    }

    /** --pipeline: capture, forward and transmit on three threads; the same traffic, the same results. */
    @ParameterizedTest
    @EnumSource(value = Lab.Mode.class, names = {"NAT", "DR"})
    void thePipelinedWorkerShouldCarryTheSameTraffic(final Lab.Mode mode) throws Exception
    {
        try (Lab lab = new Lab(mode, 3, work, JAR))
        {
            lab.startDirector(config(mode, "rr", "", 1, 1, 1), List.of("--pipeline"));
            assertTrue(lab.directorLog().contains("afpacket v2 pipeline"), lab.directorLog());
            assertEquals(Map.of("rs1", 4, "rs2", 4, "rs3", 4), lab.counts(12), "rr over the pipeline");
            assertEquals(256 * 1024, lab.get("/big.bin").length(), "a 256 KiB response whole");
            final String out = lab.ns().sh("client", "wrk -t1 -c8 -d3s --timeout 2s http://" + Lab.VIP + "/");
            assertTrue(!out.contains("Socket errors") && !out.contains("Non-2xx"), out);
            final String log = lab.stopDirector();
            assertTrue(log.contains(" 0 dropped") && !log.contains("pipeline:"), log);
        }
    }

    @ParameterizedTest
    @EnumSource(Lab.Mode.class)
    void everyFrameTheDirectorSendsShouldPassTsharkChecksumValidation(final Lab.Mode mode) throws Exception
    {
        try (Lab lab = new Lab(mode, 2, work, JAR))
        {
            lab.startDirector(config(mode, "rr", "", 1, 1));
            final long good = validatedFrames(lab, () ->
            {
                for (int i = 0; i < 6; i++)
                {
                    assertTrue(lab.get("/").startsWith("rs"));
                }
            });
            assertTrue(good >= 6 * 5, "tshark validated the director's TCP frames: " + good);
        }
    }

    /**
     * {@code --tx ring} (the default) and {@code --tx sendmmsg}: 4 MiB of random bytes, five times at once (one
     * read slowly while the others turn the TX ring over many times), through NAT (where the responses leave
     * by the director) and DR come out whole, and tshark finds every frame the director sent well formed.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"NAT,ring", "DR,ring", "NAT,sendmmsg"})
    void framesShouldLeaveWholeByEitherTransmitter(final Lab.Mode mode, final String tx) throws Exception
    {
        try (Lab lab = new Lab(mode, 2, work, JAR))
        {
            final byte[] data = new byte[4 << 20];
            new java.util.Random(7).nextBytes(data);
            for (final String rs : List.of("rs1", "rs2"))
            {
                Files.write(work.resolve(rs).resolve("random.bin"), data);
            }
            final String sum = java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(data));
            lab.startDirector(config(mode, "rr", "", 1, 1), List.of("--tx", tx));
            assertTrue(lab.directorLog().contains("io afpacket v2, tx " + tx + ")"), lab.directorLog());
            assertEquals(Map.of("rs1", 5, "rs2", 5), Map.copyOf(lab.counts(10)), "rr through " + tx);
            final String[] sums = new String[1];
            // A slow reader's data waits in its socket while four fast downloads cycle the ring's slots many
            // times over: had the kernel kept pointing at a slot, the slow copy would come out changed.
            final String url = "http://" + Lab.VIP + "/random.bin";
            final long good = validatedFrames(lab, () -> sums[0] = lab.ns().sh("client", "(curl -s --max-time 30 " +
                "--limit-rate 1M " + url + " | sha256sum) & sleep 0.5; for i in 1 2 3 4; do curl -s --max-time 20 " +
                url + " | sha256sum; done; wait"));
            assertEquals(5, sums[0].lines().filter(l -> l.startsWith(sum)).count(), "4 MiB whole, 5 times: " + sums[0]);
            assertTrue(good >= (Lab.Mode.NAT == mode ? 5 * 2800 : 100), "tshark validated " + good + " frames");
            final String out = lab.ns().sh("client", "wrk -t1 -c8 -d3s --timeout 2s http://" + Lab.VIP + "/");
            assertTrue(!out.contains("Socket errors") && !out.contains("Non-2xx"), out);
            final String log = lab.stopDirector();
            assertTrue(log.contains(" 0 dropped"), log);
        }
    }

    /**
     * The live path with prefetching on: a frame of each of 32,768 UDP flows through DR puts the table above
     * the 16,384 connections from which the worker starts each group's lookups together (this first pass also
     * warms the JIT, and may lose frames doing it); then one more frame of every flow, all delivered, and a
     * connection per flow. The second pass fits the receive ring whole even if the worker pauses.
     */
    @Test
    void manyFlowsShouldAllGoThroughWithPrefetchingOn() throws Exception
    {
        final Path socket = work.resolve("jvs.sock");
        try (Lab lab = new Lab(Lab.Mode.DR, 2, work, JAR, false))
        {
            for (int i = 1; i <= 2; i++)
            {
                lab.ns().sh("rs" + i, "nft add table netdev sink && nft 'add chain netdev sink in { type filter hook " +
                    "ingress device eth0 priority 0; }' && nft add rule netdev sink in udp dport 9 counter drop");
            }
            lab.startDirector("virtual_server " + Lab.VIP + " 9 {\n lb_algo rr\n lb_kind DR\n protocol UDP\n" +
                " real_server " + Lab.rs(1) + " 9 {\n }\n real_server " + Lab.rs(2) + " 9 {\n }\n}\n",
                List.of("--control", socket.toString()));
            final String dmac = lab.ns().sh("director", "cat /sys/class/net/eth0/address").trim();
            final String blast = "java -cp " + JAR + ":" + Path.of("target/classes").toAbsolutePath() +
                " dev.jvs.testbed.UdpBlast eth0 " + dmac + " 198.19.0.5 " + Lab.VIP + " 9 32768 20 1 32768";
            lab.ns().sh("client", blast);
            Thread.sleep(500);
            assertTrue(connections(socket) >= 16384, "prefetching is on for the second pass");

            final long before = delivered(lab);
            final String out = lab.ns().sh("client", blast);
            assertTrue(out.contains("sent 32768 frames"), out);
            Thread.sleep(500);
            assertEquals(32768, delivered(lab) - before, "every frame of the second pass reached a real server");
            assertEquals(32768, connections(socket), "a connection per flow");
            lab.stopDirector();
        }
    }

    /** @return connections of the DR service, from {@code jvs adm -L -n}. */
    private static long connections(final Path socket) throws Exception
    {
        final String list = adm(socket, "-L", "-n").out();
        final Matcher m = Pattern.compile("Route\\s+1\\s+0\\s+(\\d+)").matcher(list);
        long total = 0;
        while (m.find())
        {
            total += Long.parseLong(m.group(1));
        }
        return total;
    }

    /** @return UDP frames the real servers' ingress counters saw. */
    private static long delivered(final Lab lab) throws Exception
    {
        long n = 0;
        for (int i = 1; i <= 2; i++)
        {
            final Matcher c = Pattern.compile("packets (\\d+)").matcher(lab.ns().sh("rs" + i,
                "nft list chain netdev sink in"));
            assertTrue(c.find());
            n += Long.parseLong(c.group(1));
        }
        return n;
    }

    /** Traffic that throws. */
    @FunctionalInterface
    private interface Traffic
    {
        void run() throws Exception;
    }

    /**
     * Capture what the director sends during the traffic, assert that tshark finds no bad IP or TCP checksum
     * in it, and count the TCP frames it validated.
     */
    private long validatedFrames(final Lab lab, final Traffic traffic) throws Exception
    {
        final String mac = lab.ns().sh("director", "cat /sys/class/net/eth0/address").trim();
        final Path pcap = work.resolve("director.pcap");
        final Process capture = lab.ns().spawn("lan", List.of("tshark", "-q", "-i", "v-director", "-w",
            pcap.toString(), "-f", "ether src " + mac + " and not arp"), work.resolve("tshark.log"));
        Thread.sleep(1500);
        traffic.run();
        Thread.sleep(500);
        capture.destroy();
        capture.waitFor();
        final Netns.Result bad = Netns.run(List.of("tshark", "-r", pcap.toString(), "-o", "ip.check_checksum:TRUE",
            "-o", "tcp.check_checksum:TRUE", "-Y", "ip.checksum.status == \"Bad\" || tcp.checksum.status == \"Bad\"",
            "-T", "fields", "-e", "frame.number"), 30);
        assertEquals("", bad.out().lines().filter(l -> l.matches("\\d+")).reduce("", String::concat),
            "frames with bad checksums: " + bad.out());
        final Netns.Result good = Netns.run(List.of("tshark", "-r", pcap.toString(), "-o",
            "tcp.check_checksum:TRUE", "-Y", "tcp.checksum.status == \"Good\"", "-T", "fields", "-e",
            "frame.number"), 60);
        return good.out().lines().filter(l -> l.matches("\\d+")).count();
    }
}
