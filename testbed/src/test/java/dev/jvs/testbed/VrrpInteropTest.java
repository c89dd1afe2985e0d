package dev.jvs.testbed;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * jvs and a real keepalived (Debian's 2.2.7, {@code --vrrp}) as the two routers of one VRID, VRRPv2 with PASS
 * authentication and VRRPv3: same bytes on the wire, election either way round, takeover after a crash
 * within Master_Down_Interval, preemption and nopreempt, and the priority-0 handover on a clean stop. An
 * observer namespace captures every advertisement; the assertions read the capture, not the daemons' logs.
 */
@Timeout(300)
class VrrpInteropTest extends LabTest
{
    private static final String A = "198.19.0.2";
    private static final String B = "198.19.0.3";
    /** Tolerance for the daemons' own scheduling (jvs's idle poll is 10 ms; keepalived's timers similar). */
    private static final double SLACK_S = 0.25;

    @BeforeAll
    static void requirements()
    {
        needs("/usr/sbin/keepalived", "/usr/bin/tshark");
    }

    static String vrrp(final int version, final int priority, final boolean nopreempt)
    {
        return vrrp(version, priority, nopreempt, false);
    }

    /** The same over IPv6: no version (an IPv6 instance is VRRPv3), IPv6 addresses. */
    static String vrrp(final int version, final int priority, final boolean nopreempt, final boolean ipv6)
    {
        if (ipv6)
        {
            return vrrp(3, priority, nopreempt).replace("  version 3\n", "")
                .replace("198.19.0.80\n    198.19.0.1/24", "2001:2::80\n    2001:2::1/64");
        }
        return "vrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 51\n  priority " +
            priority + "\n  advert_int 1\n" +
            (3 == version ? "  version 3\n" : "  authentication {\n    auth_type PASS\n    auth_pass secret1\n  }\n") +
            (nopreempt ? "  nopreempt\n" : "") +
            "  virtual_ipaddress {\n    198.19.0.80\n    198.19.0.1/24\n  }\n}\n";
    }

    static String jvs(final int version, final int priority, final boolean nopreempt)
    {
        return jvs(version, priority, nopreempt, false);
    }

    static String jvs(final int version, final int priority, final boolean nopreempt, final boolean ipv6)
    {
        final String vs = "virtual_server 198.19.0.80 80 {\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n" +
            "  real_server 198.19.0.11 80\n}\n";
        return vrrp(version, priority, nopreempt, ipv6) + (ipv6 ? vs.replace("198.19.0.80", "2001:2::80")
            .replace("198.19.0.11", "2001:2::11") : vs);
    }

    private static double now()
    {
        return System.currentTimeMillis() / 1000.0;
    }

    /** Who advertised with a non-zero priority in [from, to]. */
    private static Set<String> masters(final List<VrrpLan.Advert> ads, final double from, final double to)
    {
        final Set<String> s = new TreeSet<>();
        ads.stream().filter(a -> a.time() >= from && a.time() <= to && a.priority() > 0).forEach(a -> s.add(a.src()));
        return s;
    }

    /** Gap between the last advert of {@code dead} before {@code t} and the first of {@code heir} after it. */
    private static double takeover(final List<VrrpLan.Advert> ads, final double t, final String dead,
        final String heir)
    {
        final double last = ads.stream().filter(a -> a.time() <= t && a.src().equals(dead))
            .mapToDouble(VrrpLan.Advert::time).max().orElseThrow();
        final double first = ads.stream().filter(a -> a.time() > t && a.src().equals(heir) && a.priority() > 0)
            .mapToDouble(VrrpLan.Advert::time).min().orElseThrow(() -> new AssertionError(heir + " never took over"));
        return first - last;
    }

    /**
     * The election, crash, preemption and priority-0 story with keepalived, over IPv4 (VRRPv2 and v3) and over
     * IPv6 (VRRPv3 from the link-local addresses, to ff02::12; the same bytes, flow label aside).
     */
    @ParameterizedTest(name = "VRRPv{0}, IPv6 {1}")
    @CsvSource({"2, false", "3, false", "3, true"})
    void jvsShouldInteroperateWithKeepalived(final int version, final boolean ipv6) throws Exception
    {
        final String srcA = ipv6 ? VrrpLan.linkLocal("a") : A;
        final String srcB = ipv6 ? VrrpLan.linkLocal("b") : B;
        try (VrrpLan lan = new VrrpLan(work, JAR, ipv6))
        {
            // 1. The same configuration on the same host: keepalived's advert, then jvs's.
            lan.startCapture("bytes");
            final Path k0 = lan.keepalived("a", vrrp(version, 150, false, ipv6));
            Thread.sleep(5000);
            lan.crash("a", k0);
            Thread.sleep(300);
            final double jvsFrom = now();
            final Path j0 = lan.jvs("a", jvs(version, 150, false, ipv6));
            Thread.sleep(5000);
            lan.crash("a", j0);
            final List<VrrpLan.Advert> ads0 = lan.stopCapture();
            final List<String> raw = lan.rawAdverts();
            assertEquals(ads0.size(), raw.size());
            int kaFirst = -1;
            int jvsFirst = -1;
            for (int i = 0; i < ads0.size(); i++)
            {
                if (ads0.get(i).time() < jvsFrom && kaFirst < 0)
                {
                    kaFirst = i;
                }
                if (ads0.get(i).time() > jvsFrom && jvsFirst < 0)
                {
                    jvsFirst = i;
                }
            }
            assertTrue(kaFirst >= 0 && jvsFirst >= 0, "both advertised: " + ads0 + "\n" + lan.logText(j0));
            assertEquals(mask(raw.get(kaFirst), ipv6), mask(raw.get(jvsFirst), ipv6),
                "jvs sends keepalived's bytes, IP id and header checksum (IPv6: the flow label) aside");
            final Netns.Result bad = Netns.run(List.of("tshark", "-r", lan.pcap().toString(), "-Y",
                "!(vrrp.checksum.status == \"Good\") || _ws.malformed || _ws.expert.severity >= \"Error\"",
                "-T", "fields", "-e", "frame.number"), 30);
            assertEquals(0, bad.out().lines().filter(l -> l.matches("\\d+")).count(),
                "tshark decodes every advert cleanly: " + bad.out());
            final Netns.Result good = Netns.run(List.of("tshark", "-r", lan.pcap().toString(), "-Y",
                "vrrp.checksum.status == \"Good\"", "-T", "fields", "-e", "frame.number"), 30);
            assertEquals(ads0.size(), good.out().lines().filter(l -> l.matches("\\d+")).count(), good.out());

            // 2. keepalived (100) is master; jvs (150) arrives and preempts.
            lan.startCapture("elect");
            final Path ka = lan.keepalived("a", vrrp(version, 100, false, ipv6));
            Thread.sleep(4500);
            final Path j1 = lan.jvs("b", jvs(version, 150, false, ipv6));
            Thread.sleep(6000);
            // IPv6: the observer resolves the VIP by neighbour solicitation; the master (jvs) answers.
            final String solicited = ipv6 ? solicit(lan) : "";
            final double t2 = now();
            // 3. jvs crashes: keepalived takes over.
            lan.crash("b", j1);
            Thread.sleep(5000);
            final double t3 = now();
            // 4. jvs (150) returns and preempts again.
            final Path j2 = lan.jvs("b", jvs(version, 150, false, ipv6));
            Thread.sleep(6000);
            final double t4 = now();
            // 5. The other way round: jvs at 50 stays backup of keepalived's 100 ...
            lan.crash("b", j2);
            Thread.sleep(4500);
            final Path j3 = lan.jvs("b", jvs(version, 50, false, ipv6));
            Thread.sleep(4000);
            final double t5 = now();
            // ... and takes over when keepalived crashes.
            lan.crash("a", ka);
            Thread.sleep(5000);
            final double t6 = now();
            // IPv6: jvs's unsolicited neighbour advertisements moved the observer's entry to b's MAC unasked.
            final String unsolicited = ipv6 ? lan.ns().sh("obs", "ip -6 neigh show 2001:2::80 dev eth0") : "";
            // 6. keepalived (100) comes back and preempts jvs (50); jvs yields.
            final Path ka2 = lan.keepalived("a", vrrp(version, 100, false, ipv6));
            Thread.sleep(6000);
            final double t7 = now();
            // 7. jvs at 150 with nopreempt does not take over from keepalived's 100 ...
            lan.crash("b", j3);
            final Path j4 = lan.jvs("b", jvs(version, 150, true, ipv6));
            Thread.sleep(6000);
            final double t8 = now();
            // ... until keepalived stops cleanly: priority 0, jvs takes over after its skew time.
            lan.stop("a", ka2);
            Thread.sleep(2000);
            final double t9 = now();
            final List<VrrpLan.Advert> ads = lan.stopCapture();
            final String logs = "\njvs:\n" + lan.logText(j4) + "\n" + ads;

            assertEquals(Set.of(srcB), masters(ads, t2 - 2, t2), "2: the higher priority (jvs 150) is the master" + logs);
            final double crashJvs = takeover(ads, t2 + 0.01, srcB, srcA);
            assertTrue(crashJvs <= 3 + (256 - 100) / 256.0 + SLACK_S, "3: keepalived took over in " + crashJvs);
            assertEquals(Set.of(srcA), masters(ads, t3 - 2, t3), "3" + logs);
            assertEquals(Set.of(srcB), masters(ads, t4 - 2, t4), "4: jvs preempts on return" + logs);
            assertEquals(Set.of(srcA), masters(ads, t5 - 2, t5), "5: keepalived (100) over jvs (50)" + logs);
            final double crashKa = takeover(ads, t5 + 0.01, srcA, srcB);
            final double bound = 3 + (256 - 50) / 256.0;
            assertTrue(crashKa <= bound + SLACK_S, "5: jvs took over in " + crashKa + " s, bound " + bound);
            assertTrue(crashKa >= bound - 0.05, "5: not before Master_Down_Interval: " + crashKa);
            assertEquals(Set.of(srcB), masters(ads, t6 - 2, t6), "5" + logs);
            assertEquals(Set.of(srcA), masters(ads, t7 - 2, t7), "6: jvs (50) yields to keepalived (100)" + logs);
            assertEquals(Set.of(srcA), masters(ads, t7 + 0.5, t8), "7: nopreempt: jvs (150) stays backup" + logs);
            final double zero = ads.stream().filter(x -> x.src().equals(srcA) && 0 == x.priority())
                .mapToDouble(VrrpLan.Advert::time).max().orElseThrow(() -> new AssertionError("no priority 0"));
            final double handover = ads.stream().filter(x -> x.src().equals(srcB) && x.time() > zero)
                .mapToDouble(VrrpLan.Advert::time).min().orElseThrow() - zero;
            assertTrue(handover <= (256 - 150) / 256.0 + SLACK_S, "7: after priority 0, skew time: " + handover);
            assertEquals(Set.of(srcB), masters(ads, t9 - 1, t9), "7" + logs);
            assertFalse(lan.logText(j4).contains("worker error"), logs);
            if (ipv6)
            {
                assertTrue(solicited.contains("lladdr 02:00:00:00:00:0b"), "jvs answered for its VIP: " + solicited);
                assertTrue(unsolicited.contains("lladdr 02:00:00:00:00:0b"), "jvs advertised on takeover: " +
                    unsolicited);
            }
            System.out.printf(Locale.ROOT, "VRRPv%d%s takeover: keepalived after jvs crash %.3f s (bound %.3f), " +
                "jvs after keepalived crash %.3f s (bound %.3f), jvs after priority 0 %.3f s (skew %.3f)%n", version,
                ipv6 ? " over IPv6" : "", crashJvs, 3 + 156 / 256.0, crashKa, bound, handover, 106 / 256.0);
        }
    }

    /**
     * Two jvs with unicast_src_ip/unicast_peer in vip_mode kernel: the adverts go to the peer, not the group;
     * the master holds the VRRP addresses as kernel addresses and the backup does not; a clean stop hands
     * them over.
     */
    @org.junit.jupiter.api.Test
    void twoJvsShouldRunUnicastAndMoveKernelAddresses() throws Exception
    {
        try (VrrpLan lan = new VrrpLan(work, JAR))
        {
            final String base = jvs(2, 150, false);
            final String a = base.replace("  advert_int 1\n", "  advert_int 1\n  unicast_src_ip " + A +
                "\n  unicast_peer {\n    " + B + "\n  }\n");
            final String b = base.replace("priority 150", "priority 100").replace("  advert_int 1\n",
                "  advert_int 1\n  unicast_src_ip " + B + "\n  unicast_peer {\n    " + A + "\n  }\n");
            lan.startCapture("unicast", "lan", "v-a");
            final Path ja = lan.jvs("a", a, List.of("--vip-mode", "kernel"));
            final Path jb = lan.jvs("b", b, List.of("--vip-mode", "kernel"));
            Thread.sleep(6000);
            assertTrue(lan.ns().sh("a", "ip -4 addr show dev eth0").contains("198.19.0.80/32"),
                "the master holds the VIP: " + lan.logText(ja));
            assertFalse(lan.ns().sh("b", "ip -4 addr show dev eth0").contains("198.19.0.80/32"), "the backup not");
            lan.stop("a", ja);
            Thread.sleep(2000);
            assertTrue(lan.ns().sh("b", "ip -4 addr show dev eth0").contains("198.19.0.80/32"),
                "taken over: " + lan.logText(jb));
            assertFalse(lan.ns().sh("a", "ip -4 addr show dev eth0").contains("198.19.0.80/32"),
                "a stopped jvs leaves no address behind");
            lan.stopCapture();
            final Netns.Result dsts = Netns.run(List.of("tshark", "-r", lan.pcap().toString(), "-T", "fields", "-e",
                "ip.src", "-e", "ip.dst", "-e", "ip.ttl"), 30);
            final Set<String> pairs = new TreeSet<>(dsts.out().lines().filter(l -> l.startsWith("198.")).toList());
            assertEquals(Set.of(A + "\t" + B + "\t255", B + "\t" + A + "\t255"), pairs,
                "unicast both ways, TTL 255: " + dsts.out());
            lan.stop("b", jb);
        }
    }

    /**
     * Two jvs over IPv6 with unicast_src_ip/unicast_peer: the adverts go peer to peer (not to ff02::12) with hop
     * limit 255, the higher priority is master, and a clean stop hands over within the skew time.
     */
    @org.junit.jupiter.api.Test
    void twoJvsShouldRunUnicastOverIpv6() throws Exception
    {
        try (VrrpLan lan = new VrrpLan(work, JAR, true))
        {
            final String a6 = VrrpLan.address6("a");
            final String b6 = VrrpLan.address6("b");
            final String base = jvs(3, 150, false, true);
            final String a = base.replace("  advert_int 1\n", "  advert_int 1\n  unicast_src_ip " + a6 +
                "\n  unicast_peer {\n    " + b6 + "\n  }\n");
            final String b = base.replace("priority 150", "priority 100").replace("  advert_int 1\n",
                "  advert_int 1\n  unicast_src_ip " + b6 + "\n  unicast_peer {\n    " + a6 + "\n  }\n");
            lan.startCapture("unicast6", "lan", "v-a");
            final Path ja = lan.jvs("a", a);
            final Path jb = lan.jvs("b", b);
            Thread.sleep(6000);
            lan.stop("a", ja);
            Thread.sleep(2000);
            final List<VrrpLan.Advert> ads = lan.stopCapture();
            final Netns.Result dsts = Netns.run(List.of("tshark", "-r", lan.pcap().toString(), "-T", "fields", "-e",
                "ipv6.src", "-e", "ipv6.dst", "-e", "ipv6.hlim"), 30);
            final Set<String> pairs = new TreeSet<>(dsts.out().lines().filter(l -> l.startsWith("2001:")).toList());
            assertEquals(Set.of(a6 + "\t" + b6 + "\t255", b6 + "\t" + a6 + "\t255"), pairs,
                "unicast both ways, hop limit 255: " + dsts.out());
            final double zero = ads.stream().filter(x -> x.src().equals(a6) && 0 == x.priority())
                .mapToDouble(VrrpLan.Advert::time).max().orElseThrow(() -> new AssertionError("no priority 0: " + ads));
            assertTrue(ads.stream().anyMatch(x -> x.src().equals(a6) && 150 == x.priority() && x.time() < zero),
                "a (150) was master: " + ads);
            final String logB = lan.logText(jb);
            final double handover = ads.stream().filter(x -> x.src().equals(b6) && x.priority() > 0 &&
                x.time() > zero).mapToDouble(VrrpLan.Advert::time).min().orElseThrow(() ->
                new AssertionError("b never took over: " + ads + "\n" + logB)) - zero;
            assertTrue(handover <= (256 - 100) / 256.0 + SLACK_S, "after priority 0, b's skew time: " + handover);
            lan.stop("b", jb);
        }
    }

    /**
     * SIGHUP with a changed VRRP section: the master of VI_1 stays master without a gap in its adverts (now
     * with two addresses), the new VI_2 starts and is elected; a reload that leaves VRRP alone restarts
     * nothing.
     */
    @org.junit.jupiter.api.Test
    void aReloadShouldChangeInstancesWithoutLosingMastership() throws Exception
    {
        try (VrrpLan lan = new VrrpLan(work, JAR))
        {
            lan.startCapture("reload");
            final String one = vrrp(2, 150, false);
            final Path conf = lan.jvs("a", one);
            final long end = System.currentTimeMillis() + 8000;
            while (System.currentTimeMillis() < end && !lan.logText(conf).contains("VI_1: BACKUP -> MASTER"))
            {
                Thread.sleep(100);
            }
            Thread.sleep(1500);
            final double reloadAt = now();
            final String two = one.replace("    198.19.0.1/24\n", "    198.19.0.1/24\n    198.19.0.81\n") +
                one.replace("VI_1", "VI_2").replace("virtual_router_id 51", "virtual_router_id 52")
                    .replace("    198.19.0.80\n    198.19.0.1/24\n", "    198.19.0.82\n");
            Files.writeString(conf, two);
            lan.ns().shAllowFail("a", "pkill -HUP -f '" + conf + "'", 5);
            final long end2 = System.currentTimeMillis() + 8000;
            while (System.currentTimeMillis() < end2 && !lan.logText(conf).contains("VI_2: BACKUP -> MASTER"))
            {
                Thread.sleep(100);
            }
            Files.writeString(conf, two + "! the same again\n");
            lan.ns().shAllowFail("a", "pkill -HUP -f '" + conf + "'", 5);
            Thread.sleep(1500);
            lan.stopCapture();
            // A reload that adds lvs_sync_daemon starts it at once, as master (VI_1 is).
            Files.writeString(conf, "global_defs {\n  lvs_sync_daemon eth0 VI_1 id 3\n}\n" + two);
            lan.ns().shAllowFail("a", "pkill -HUP -f '" + conf + "'", 5);
            final long end3 = System.currentTimeMillis() + 5000;
            while (System.currentTimeMillis() < end3 && !lan.logText(conf).contains("connection sync: master"))
            {
                Thread.sleep(100);
            }
            assertTrue(lan.logText(conf).contains("connection sync: master, sending to 224.0.0.81:8848 (syncid 3"),
                lan.logText(conf));
            final String log = lan.logText(conf);
            assertTrue(log.contains("VI_2: BACKUP -> MASTER"), log);
            assertEquals(1, log.lines().filter(l -> l.contains("VRRP reloaded")).count(), "the second and third " +
                "reloads left the VRRP instances alone: " + log);
            assertFalse(log.contains("VI_1: MASTER -> "), "VI_1 never left master: " + log);
            final Netns.Result r = Netns.run(List.of("tshark", "-r", lan.pcap().toString(), "-Y", "vrrp.virt_rtr_id == 51",
                "-T", "fields", "-e", "frame.time_epoch", "-e", "vrrp.addr_count"), 30);
            double last = -1;
            double maxGap = 0;
            int afterWithThree = 0;
            for (final String l : r.out().lines().filter(x -> x.matches("[0-9.]+\\t\\d+")).toList())
            {
                final double t = Double.parseDouble(l.split("\t")[0]);
                if (last > 0)
                {
                    maxGap = Math.max(maxGap, t - last);
                }
                last = t;
                if (t > reloadAt && "3".equals(l.split("\t")[1]))
                {
                    afterWithThree++;
                }
            }
            assertTrue(maxGap < 1.2, "VI_1's adverts never paused: largest gap " + maxGap + " s\n" + r.out());
            assertTrue(afterWithThree >= 2, "after the reload VI_1 advertises its three addresses:\n" + r.out());
        }
    }

    /**
     * Bad adverts, crafted with scapy from a second host, each claiming priority 254 against jvs's 150: wrong
     * TTL, bad checksum, wrong password, an unknown VRID, a truncated packet, VRRPv3 to a v2 instance, a wrong
     * address count. Each is counted under keepalived's name and none takes mastership away.
     */
    @org.junit.jupiter.api.Test
    void badAdvertsShouldBeCountedAndChangeNothing() throws Exception
    {
        Assumptions.assumeTrue(Files.exists(Path.of("/usr/lib/python3/dist-packages/scapy")), "needs python3-scapy");
        try (VrrpLan lan = new VrrpLan(work, JAR))
        {
            final Path conf = lan.jvs("a", vrrp(2, 150, false), List.of("--metrics", A + ":9742"));
            final long end = System.currentTimeMillis() + 8000;
            while (System.currentTimeMillis() < end && !lan.logText(conf).contains("VI_1: BACKUP -> MASTER"))
            {
                Thread.sleep(100);
            }
            final Path script = work.resolve("bad.py");
            Files.writeString(script, String.join("\n",
                "from scapy.all import Ether, IP, Raw, sendp, raw, get_if_hwaddr",
                "from scapy.layers.vrrp import VRRP, VRRPv3",
                "auth1 = int.from_bytes(b'secr', 'big'); auth2 = int.from_bytes(b'et1\\0', 'big')",
                "vips = ['198.19.0.80', '198.19.0.1']",
                "def v2(**kw):",
                "    a = dict(vrid=51, priority=254, addrlist=vips, authtype=1, auth1=auth1, auth2=auth2, adv=1)",
                "    a.update(kw); return VRRP(**a)",
                // An explicit source: without a route scapy leaves it zero, and a bridge drops such frames.
                "eth = Ether(src=get_if_hwaddr('eth0'), dst='01:00:5e:00:00:12')",
                "ip = dict(src='" + B + "', dst='224.0.0.18', ttl=255)",
                "pkts = []",
                "pkts.append(eth / IP(src='" + B + "', dst='224.0.0.18', ttl=64) / v2())",
                "pkts.append(eth / IP(**ip) / v2(chksum=0x1234))",
                "pkts.append(eth / IP(**ip) / v2(auth2=int.from_bytes(b'XXXX', 'big')))",
                "pkts.append(eth / IP(**ip) / v2(vrid=99))",
                "pkts.append(eth / IP(proto=112, **ip) / Raw(raw(v2())[:6]))",
                "pkts.append(eth / IP(**ip) / VRRPv3(vrid=51, priority=254, addrlist=vips, adv=100))",
                "pkts.append(eth / IP(**ip) / v2(addrlist=['198.19.0.80']))",
                "for _ in range(3):",
                "    sendp(pkts, iface='eth0', verbose=False)",
                ""));
            lan.ns().sh("b", "/usr/bin/python3 " + script);
            Thread.sleep(1500);
            final String m = lan.ns().sh("a", "curl -s --max-time 5 http://" + A + ":9742/metrics");
            for (final String event : List.of("ip_ttl_err", "checksum_err", "auth_failure", "version_err",
                "addr_list_err", "packet_len_err"))
            {
                assertTrue(m.matches("(?s).*jvs_vrrp_events_total\\{vrrp_instance=\"VI_1\",event=\"" + event +
                    "\"} [1-9].*"), event + " counted:\n" + m);
            }
            assertTrue(m.contains("jvs_vrrp_dropped_total{reason=\"vrid_err\"} 3\n"), m);
            assertTrue(m.contains("jvs_vrrp_events_total{vrrp_instance=\"VI_1\",event=\"advert_rcvd\"} 0\n"),
                "not one of them was taken: " + m);
            assertTrue(m.contains("jvs_vrrp_state{vrrp_instance=\"VI_1\"} 2\n"), "still master: " + m);
            assertFalse(lan.logText(conf).contains("MASTER -> "), lan.logText(conf));
        }
    }

    /** The observer forgets 2001:2::80, asks for it (a TCP connection attempt), and says whom it learnt. */
    private static String solicit(final VrrpLan lan) throws Exception
    {
        lan.ns().shAllowFail("obs", "ip -6 neigh flush dev eth0", 5);
        lan.ns().shAllowFail("obs", "curl -s -o /dev/null --max-time 1 http://[2001:2::80]:81/", 5);
        return lan.ns().sh("obs", "ip -6 neigh show 2001:2::80 dev eth0");
    }

    /**
     * Blank what the kernel chooses: IPv4's identification and header checksum (bytes 4-5 and 10-11), IPv6's
     * flow label (the low 20 bits of the first word).
     */
    private static String mask(final String hex, final boolean ipv6)
    {
        if (ipv6)
        {
            return hex.substring(0, 3) + "xxxxx" + hex.substring(8);
        }
        return hex.substring(0, 8) + "xxxx" + hex.substring(12, 20) + "xxxx" + hex.substring(24);
    }
}
