package dev.jvs.testbed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * N active directors behind ECMP, announced by BIRD from jvs's --announce-table: the router learns the VIP from
 * every director, spreads flows over them, and loses a director's route the moment its jvs dies (the device and
 * its routes go with the process) or stops gracefully (withdrawn first, then drained).
 */
@Timeout(180)
class ScaleOutLabTest extends LabTest
{
    private static final String CONF = """
        virtual_server 198.18.1.80 80 {
          delay_loop 1
          lb_algo mh
          mh-sorted
          mh-port
          lb_kind DR
          protocol TCP
          real_server 198.19.0.11 80 {
            weight 1
            TCP_CHECK {
              connect_timeout 1
            }
          }
          real_server 198.19.0.12 80 {
            weight 1
            TCP_CHECK {
              connect_timeout 1
            }
          }
        }
        """;

    @Test
    void theVipShouldBeAnnouncedWhileServedAndWithdrawnAtOnceWhenNot() throws Exception
    {
        needs("/usr/sbin/bird");
        try (ScaleOutLab lab = new ScaleOutLab(3, 2, work, JAR))
        {
            for (int d = 1; d <= 3; d++)
            {
                lab.startDirector(d, CONF, List.of("--announce-drain", "1", "--vs-sysctl", "sloppy_tcp=1"));
            }
            assertTrue(lab.awaitNextHops(3, 30_000) >= 0, "three next hops: " + lab.nextHops() + "\n" +
                lab.ns().sh("router", "ip route") + Files.readString(lab.log(1)));

            // 60 new connections from as many source ports: every director takes some.
            final String out = lab.ns().sh("client", "for i in $(seq 1 60); do curl -s --max-time 5 http://" +
                ScaleOutLab.VIP + "/ ; done");
            assertEquals(60, out.lines().filter(l -> l.startsWith("rs")).count(), out);
            final StringBuilder spread = new StringBuilder();
            for (int d = 1; d <= 3; d++)
            {
                final String stats = adm(lab.socket(d), "-Ln", "--stats", "--exact").out();
                final long conns = stats.lines().filter(l -> l.startsWith("TCP  " + ScaleOutLab.VIP))
                    .mapToLong(l -> Long.parseLong(l.substring(33).trim().split(" +")[0])).sum();
                assertTrue(conns > 0, ScaleOutLab.director(d) + " took none of 60:\n" + stats);
                spread.append(d > 1 ? ", " : "").append(ScaleOutLab.director(d)).append('=').append(conns);
            }

            // The quorum lost (both web servers refuse): every director withdraws; back, every one announces.
            for (final String rs : List.of("rs1", "rs2"))
            {
                lab.ns().sh(rs, "nft add table inet jvs_block && nft add chain inet jvs_block in " +
                    "'{ type filter hook input priority 0; }' && nft add rule inet jvs_block in tcp dport 80 " +
                    "reject with tcp reset");
            }
            assertTrue(lab.awaitNextHops(0, 20_000) >= 0, "withdrawn without a real server: " + lab.nextHops());
            assertTrue(Files.readString(lab.log(1)).contains("announce: withdrew 198.18.1.80/32"));
            for (final String rs : List.of("rs1", "rs2"))
            {
                lab.ns().sh(rs, "nft delete table inet jvs_block");
            }
            assertTrue(lab.awaitNextHops(3, 20_000) >= 0, "announced again: " + lab.nextHops());
            // Announced with one server back is announced; the same choice everywhere needs the same servers
            // everywhere (a flow placed while they differ moves to another server: what connection sync is for).
            for (int d = 1; d <= 3; d++)
            {
                String list = "";
                for (int t = 0; t < 100 && list.lines().filter(l -> l.startsWith("  -> 198.19.0.1")).count() < 2; t++)
                {
                    Thread.sleep(100);
                    list = adm(lab.socket(d), "-Ln").out();
                }
                assertEquals(2, list.lines().filter(l -> l.startsWith("  -> 198.19.0.1")).count(), list);
            }

            // A crash under 30 long downloads: the kernel removes the device and the route, BIRD withdraws at once,
            // and the flows ECMP moves off d3 go on: picked up by sloppy_tcp, sent to the same real server, since
            // every director built the same mh-sorted table (a different server would reset them).
            Files.write(work.resolve("rs1/flow.bin"), new byte[1 << 20]);
            Files.write(work.resolve("rs2/flow.bin"), new byte[1 << 20]);
            final java.nio.file.Path flows = work.resolve("flows.txt");
            final Process load = lab.ns().spawn("client", List.of("sh", "-c", "for i in $(seq 1 30); do curl -s " +
                "-o /dev/null --limit-rate 128k --max-time 60 -w '%{http_code} %{size_download}\\n' http://" +
                ScaleOutLab.VIP + "/flow.bin >> " + flows + " & done; wait"), work.resolve("flows.log"));
            Thread.sleep(3000);
            Netns.crash(lab.process(3));
            final long crashMs = lab.awaitNextHops(2, 10_000);
            load.waitFor();
            assertEquals(30, Files.readAllLines(flows).stream().filter("200 1048576"::equals).count(),
                "every long flow completes: " + Files.readString(flows));
            assertTrue(crashMs >= 0, "d3's route gone: " + lab.nextHops());
            assertTrue(!lab.nextHops().contains(ScaleOutLab.directorIp(3)), lab.nextHops().toString());

            // A graceful stop: withdrawn first, forwarding for the drain time, then stopped.
            lab.process(2).destroy();
            final long stopMs = lab.awaitNextHops(1, 10_000);
            assertTrue(stopMs >= 0, "d2's route gone: " + lab.nextHops());
            lab.process(2).waitFor();
            final String log2 = Files.readString(lab.log(2));
            assertTrue(log2.indexOf("announce: withdrew 198.18.1.80/32") < log2.indexOf("stopped: forwarded"), log2);
            System.out.println("scale-out: 60 connections spread " + spread + "; route withdrawn " + crashMs +
                " ms after a crash, " + stopMs + " ms after SIGTERM");
            final String after = lab.ns().sh("client", "for i in $(seq 1 20); do curl -s --max-time 5 http://" +
                ScaleOutLab.VIP + "/ ; done");
            assertEquals(20, after.lines().filter(l -> l.startsWith("rs")).count(), "d1 serves all: " + after);
        }
    }
}
