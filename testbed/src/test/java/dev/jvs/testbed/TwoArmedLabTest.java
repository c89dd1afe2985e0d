package dev.jvs.testbed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two-armed directors as the LVS + keepalived guides build them ({@link TwoArmedLab}): the VIP on eth0, the
 * real servers behind eth1 with the floating DIP as their gateway. A pair in NAT with VI_1 and VI_2 in one sync
 * group and connection sync on the private side: requests spread, a dead web server taken out by TCP_CHECK,
 * the master killed during four downloads (the backup takes both addresses, every download arrives whole),
 * the old master back and preempting both instances together. And one director in DR and TUN across its two
 * interfaces, the replies routed back by its kernel.
 */
@Timeout(240)
class TwoArmedLabTest extends LabTest
{
    private static final int STREAMS = 4;
    /** Client addresses beside its own: persistence keeps each on one real server, so several show the spread. */
    private static final List<String> CLIENTS = List.of("198.18.0.20", "198.18.0.21", "198.18.0.22",
        "198.18.0.23", "198.18.0.24", "198.18.0.25", "198.18.0.26", "198.18.0.27");

    /**
     * @param example the guide's "official" VS/NAT example (wlc, persistence 600, VRIDs 51 and 52) or its
     *     master/backup one (rr without persistence, the same VRID 51 on both interfaces).
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"official", "master-backup"})
    void aNatPairShouldFailOverBothAddressesTogetherAndLoseNothing(final String example) throws Exception
    {
        final boolean official = "official".equals(example);
        final String algo = official ? "wlc" : "rr";
        final int persistence = official ? 600 : 0;
        try (TwoArmedLab lab = new TwoArmedLab(Lab.Mode.NAT, 3, work, JAR, true, false))
        {
            if (!official)
            {
                lab.privateVrid(51);
            }
            for (final String a : CLIENTS)
            {
                lab.ns().sh("client", "ip addr add " + a + "/24 dev eth0");
            }
            final Path ld1 = lab.startDirector("director", lab.config("LD1", "MASTER", 150, algo, persistence), List.of());
            final Path ld2 = lab.startDirector("director2", lab.config("LD2", "BACKUP", 100, algo, persistence), List.of());
            assertNotNull(TwoArmedLab.awaitLog(ld1, "VRRP sync group VG1: MASTER", 10_000), Files.readString(ld1));
            assertNotNull(TwoArmedLab.awaitLog(ld2, "VRRP sync group VG1: BACKUP", 10_000), Files.readString(ld2));
            assertTrue(Files.readString(ld1).contains("started on eth0 ") && Files.readString(ld1).contains(", eth1 ("),
                "both interfaces from the configuration alone: " + Files.readString(ld1));

            final Map<String, Integer> spread = new HashMap<>();
            for (final String a : CLIENTS)
            {
                spread.merge(lab.get(a), 1, Integer::sum);
            }
            assertTrue(spread.size() >= 2 && spread.keySet().stream().allMatch(k -> k.startsWith("rs")),
                algo + " spreads the clients over the real servers: " + spread);

            lab.stopWebServer(3);
            assertNotNull(TwoArmedLab.awaitLog(ld1, "is DOWN", 8_000), Files.readString(ld1));
            // Applied by the conductor once it has read the checker's news.
            assertNotNull(TwoArmedLab.awaitLog(ld1, "health: ", 2_000), Files.readString(ld1));
            for (final String a : CLIENTS)
            {
                final Netns.Result r = lab.ns().shAllowFail("client", "curl -s -S --max-time 5 --interface " + a +
                    " http://" + TwoArmedLab.VIP + "/", 10);
                final String who = r.out().trim();
                assertTrue("rs1".equals(who) || "rs2".equals(who), "no request to the dead server: " + r + "\n" +
                    adm(work.resolve("director.sock"), "-L", "-n").out() + "\n" +
                    adm(work.resolve("director.sock"), "-L", "-n", "-c").out() + "\n" + Files.readString(ld1));
            }

            downloadsThroughCrash(lab, ld1, ld2);

            // The old master comes back: higher priority, it preempts, and the sync group moves as one.
            final Path again = lab.startDirector("director", lab.config("LD1", "MASTER", 150, algo, persistence), List.of());
            assertNotNull(TwoArmedLab.awaitLog(again, "VRRP sync group VG1: MASTER", 12_000), Files.readString(again));
            assertNotNull(TwoArmedLab.awaitLog(again, "VI_1: BACKUP -> MASTER", 1_000), Files.readString(again));
            assertNotNull(TwoArmedLab.awaitLog(again, "VI_2: BACKUP -> MASTER", 1_000), Files.readString(again));
            assertNotNull(awaitCount(ld2, "VRRP sync group VG1: BACKUP", 2, 8_000), Files.readString(ld2));
            for (final String a : CLIENTS.subList(0, 3))
            {
                assertTrue(lab.get(a).startsWith("rs"), "served after the preemption");
            }
            // The master loses its private side: VI_2 goes to FAULT (its interface is tracked) and the sync group
            // hands both addresses over, so the VIP never points at a director that cannot reach the servers.
            lab.ns().sh("director", "ip link set eth1 down");
            assertNotNull(TwoArmedLab.awaitLog(again, "VRRP sync group VG1: FAULT", 8_000), Files.readString(again));
            assertNotNull(awaitCount(ld2, "VRRP sync group VG1: MASTER", 2, 8_000), Files.readString(ld2));
            assertTrue(lab.get(CLIENTS.get(0)).startsWith("rs"), "served by director2");
        }
    }

    private void downloadsThroughCrash(final TwoArmedLab lab, final Path ld1, final Path ld2) throws Exception
    {
        final Path data = work.resolve("stream.bin");
        lab.ns().sh("client", "head -c 4194304 /dev/urandom > " + data);
        for (int i = 1; i <= 2; i++)
        {
            Files.copy(data, work.resolve("rs" + i).resolve("stream.bin"));
        }
        final String md5 = lab.ns().sh("client", "md5sum < " + data).split(" ")[0];
        // Small socket buffers keep each download on the wire for its whole life (FailoverLabTest says why).
        lab.ns().sh("client", "sysctl -qw net.ipv4.tcp_rmem='4096 32768 65536'");
        for (int i = 1; i <= 2; i++)
        {
            lab.ns().sh("rs" + i, "sysctl -qw net.ipv4.tcp_wmem='4096 16384 65536'");
        }
        final Path out = work.resolve("out");
        Files.createDirectories(out);
        final StringBuilder cmd = new StringBuilder();
        for (int i = 0; i < STREAMS; i++)
        {
            cmd.append("(curl -f -s -S --max-time 90 --limit-rate 350k --interface ").append(CLIENTS.get(i))
                .append(" -o ").append(out).append("/s").append(i).append(" http://").append(TwoArmedLab.VIP)
                .append("/stream.bin; echo $? > ").append(out).append("/s").append(i).append(".rc) & ");
        }
        lab.ns().spawn("client", List.of("sh", "-c", cmd + "wait"), work.resolve("curl.log"));
        Thread.sleep(3000);
        final Netns.Result synced = adm(work.resolve("director2.sock"), "-L", "-n", "-c");
        assertTrue(synced.out().lines().filter(l -> l.contains("ESTABLISHED")).count() >= STREAMS,
            "the backup holds the downloads, synced over eth1:\n" + synced.out() + "\n" + Files.readString(ld2));
        final long crashAt = System.currentTimeMillis();
        lab.crashDirector("director");
        assertNotNull(TwoArmedLab.awaitLog(ld2, "VRRP sync group VG1: MASTER", 10_000), Files.readString(ld2));
        final String log2 = Files.readString(ld2);
        assertTrue(log2.contains("VI_1: BACKUP -> MASTER") && log2.contains("VI_2: BACKUP -> MASTER"), log2);
        for (int i = 0; i < STREAMS; i++)
        {
            final Path rc = out.resolve("s" + i + ".rc");
            for (int t = 0; t < 1200 && !(Files.exists(rc) && !Files.readString(rc).isBlank()); t++)
            {
                Thread.sleep(100);
            }
            assertEquals("0", Files.readString(rc).trim(), "download " + i + " ended without error: " +
                Files.readString(work.resolve("curl.log")) + "\n" + Files.readString(ld2));
            assertEquals(md5, lab.ns().sh("client", "md5sum < " + out.resolve("s" + i)).split(" ")[0],
                "download " + i + ": every byte as sent");
        }
        System.out.printf(Locale.ROOT, "two-armed NAT pair: %d downloads of 4 MiB intact through the master's crash; " +
            "last one done %.1f s after it%n", STREAMS, (System.currentTimeMillis() - crashAt) / 1000.0);
    }

    private static String awaitCount(final Path log, final String text, final int count, final long timeoutMs)
        throws Exception
    {
        final long end = System.nanoTime() + timeoutMs * 1_000_000L;
        do
        {
            final List<String> lines = Files.readAllLines(log).stream().filter(l -> l.contains(text)).toList();
            if (lines.size() >= count)
            {
                return lines.get(count - 1);
            }
            Thread.sleep(50);
        }
        while (System.nanoTime() - end < 0);
        return null;
    }

    /**
     * A mixed pair: jvs on one director, real keepalived (VRRP only) on the other, the same two instances in one
     * sync group. What keepalived does with the group is the reference: it follows jvs's adverts on both
     * interfaces, takes both addresses when jvs dies, and hands both back when jvs returns with the higher
     * priority.
     */
    @Test
    void aSyncGroupShouldMoveAsOneBetweenJvsAndKeepalived() throws Exception
    {
        needs("/usr/sbin/keepalived");
        try (TwoArmedLab lab = new TwoArmedLab(Lab.Mode.NAT, 2, work, JAR, true, false))
        {
            final Path jvs = lab.startDirector("director", lab.config("LD1", "MASTER", 150, "rr", 0), List.of());
            final Path ka = lab.startKeepalived("director2", lab.vrrpConfig("LD2", "BACKUP", 100));
            assertNotNull(TwoArmedLab.awaitLog(jvs, "VRRP sync group VG1: MASTER", 10_000), Files.readString(jvs));
            assertNotNull(TwoArmedLab.awaitLog(ka, "(VI_2) Entering BACKUP STATE", 10_000), Files.readString(ka));
            assertTrue(lab.get(null).startsWith("rs"), "jvs serves");
            lab.crashDirector("director");
            assertNotNull(TwoArmedLab.awaitLog(ka, "(VI_1) Entering MASTER STATE", 10_000), Files.readString(ka));
            assertNotNull(TwoArmedLab.awaitLog(ka, "(VI_2) Entering MASTER STATE", 2_000), Files.readString(ka));
            final String addrs = lab.ns().sh("director2", "ip -4 -o addr show");
            assertTrue(addrs.contains(TwoArmedLab.VIP + "/24") && addrs.contains(TwoArmedLab.DIP + "/24"),
                "keepalived took the VIP on eth0 and the DIP on eth1: " + addrs);
            final Path back = lab.startDirector("director", lab.config("LD1", "MASTER", 150, "rr", 0), List.of());
            assertNotNull(TwoArmedLab.awaitLog(back, "VRRP sync group VG1: MASTER", 12_000), Files.readString(back));
            assertNotNull(awaitCount(ka, "(VI_1) Entering BACKUP STATE", 2, 5_000), Files.readString(ka));
            for (int t = 0; t < 50 && lab.ns().sh("director2", "ip -4 -o addr show").contains(TwoArmedLab.DIP); t++)
            {
                Thread.sleep(100);
            }
            assertTrue(!lab.ns().sh("director2", "ip -4 -o addr show").contains(TwoArmedLab.DIP),
                "keepalived gave both addresses back: " + Files.readString(ka));
            assertTrue(lab.get(null).startsWith("rs"), "jvs serves again");
        }
    }

    /** One director, the VIP on eth0 and the real servers behind eth1: DR and TUN across the two. */
    @ParameterizedTest
    @EnumSource(value = Lab.Mode.class, names = {"DR", "TUN", "NAT"})
    void oneDirectorShouldForwardAcrossItsTwoInterfaces(final Lab.Mode mode) throws Exception
    {
        try (TwoArmedLab lab = new TwoArmedLab(mode, 2, work, JAR, false, false))
        {
            final Path log = lab.startDirector("director", lab.config("LD1", "MASTER", 150, "rr", 0), List.of("-i",
                "eth0", "-i", "eth1"));
            final Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < 6; i++)
            {
                seen.merge(lab.get(null), 1, Integer::sum);
            }
            assertEquals(Map.of("rs1", 3, "rs2", 3), seen, mode + " rr across eth0 and eth1: " +
                Files.readString(log));
            final String stopped = lab.stopDirector("director");
            assertTrue(stopped.contains(" 0 dropped"), stopped);
        }
    }
}
