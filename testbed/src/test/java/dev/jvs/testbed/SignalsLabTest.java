package dev.jvs.testbed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * keepalived's signals on a running director: SIGUSR1 writes keepalived.data, SIGUSR2 keepalived.stats (in
 * keepalived's layout), neither stops it; SIGTERM stops it cleanly with status 0, the kernel left as found.
 */
@Timeout(120)
class SignalsLabTest extends LabTest
{
    private static final String CONF = """
        global_defs {
          router_id LD-signals
        }
        vrrp_instance VI_1 {
          state MASTER
          interface eth0
          virtual_router_id 51
          priority 150
          advert_int 1
          virtual_ipaddress {
            198.19.0.80
          }
        }
        virtual_server 198.19.0.80 80 {
          delay_loop 1
          lb_algo rr
          lb_kind DR
          protocol TCP
          real_server 198.19.0.11 80 {
            weight 1
            TCP_CHECK {
              connect_timeout 1
            }
          }
        }
        """;

    @Test
    void usr1AndUsr2ShouldDumpAndTermShouldStopWithStatusZero() throws Exception
    {
        try (Lab lab = new Lab(Lab.Mode.DR, 1, work, JAR))
        {
            lab.startDirector(CONF, List.of("--dump-dir", work.toString()));
            assertNotNull(lab.awaitLog("VI_1: BACKUP -> MASTER", 8000), lab.directorLog());
            final String pid = String.valueOf(lab.directorPid());

            Netns.run(List.of("kill", "-USR1", pid), 5);
            final String data = awaitFile(work.resolve("keepalived.data"));
            assertTrue(data.contains(" VRRP Instance = VI_1\n") && data.contains("   State = MASTER\n"), data);
            assertTrue(data.contains(" VS VIP = 198.19.0.80, VPORT = 80\n"), data);
            assertTrue(data.contains("   RIP = 198.19.0.11, RPORT = 80, WEIGHT = 1\n"), data);
            assertTrue(data.contains(" Router ID = LD-signals\n"), data);

            Netns.run(List.of("kill", "-USR2", pid), 5);
            final String stats = awaitFile(work.resolve("keepalived.stats"));
            assertTrue(stats.startsWith("VRRP Instance: VI_1\n  Advertisements:\n    Received: 0\n    Sent: "), stats);
            assertTrue(stats.contains("  Became master: 1\n") && stats.contains("  Authentication Errors:\n"), stats);
            assertTrue(lab.get("/").startsWith("rs1"), "still forwarding after both signals");

            // Every other signal whose default ends a process is ignored (named ones logged), never fatal.
            for (final String sig : List.of("ALRM", "VTALRM", "PROF", "IO", "PWR", "XCPU", "PIPE", "40", "50"))
            {
                Netns.run(List.of("kill", "-" + sig, pid), 5);
            }
            assertNotNull(lab.awaitLog("SIGPWR ignored", 5000), lab.directorLog());
            assertTrue(lab.directorLog().contains("SIGALRM ignored"), lab.directorLog());
            assertTrue(lab.get("/").startsWith("rs1"), "still forwarding after the others");

            assertEquals(0, lab.stopDirectorStatus(), "SIGTERM: a clean stop");
            final String log = lab.directorLog();
            assertTrue(log.contains("stopped: forwarded") && log.contains("kernel settings of eth0 restored"), log);
            assertFalse(lab.ns().sh("director", "nft list tables").contains("jvs_eth0"), "the shield is gone");
        }
    }

    /**
     * A director that stops reading (SIGSTOP, as a stalled worker would) while frames keep coming: the kernel
     * drops them at the full receive ring, and PACKET_STATISTICS brings the count to the metrics.
     */
    @Test
    void framesTheKernelDropsAtAFullRingShouldBeCounted() throws Exception
    {
        try (Lab lab = new Lab(Lab.Mode.DR, 1, work, JAR))
        {
            lab.startDirector(CONF, List.of("--ring-frames", "64", "--metrics", "198.19.0.2:9742"));
            assertNotNull(lab.awaitLog("VI_1: BACKUP -> MASTER", 8000), lab.directorLog());
            assertTrue(lab.get("/").startsWith("rs1"), "forwarding, and the client knows the VIP's MAC");
            final String pid = String.valueOf(lab.directorPid());
            Netns.run(List.of("kill", "-STOP", pid), 5);
            try
            {
                // 2,000 datagrams at a stopped reader with 64 slots: at least 1,900 cannot fit (1,500 allows for what the veth backlog may lose first).
                lab.ns().sh("client", "/usr/bin/python3 -c 'import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n" +
                    "for i in range(2000): s.sendto(b\"x\"*64, (\"198.19.0.80\", 9))'");
            }
            finally
            {
                Netns.run(List.of("kill", "-CONT", pid), 5);
            }
            long dropped = 0;
            for (int t = 0; t < 50 && dropped < 1500; t++)
            {
                Thread.sleep(100);
                final String m = lab.ns().sh("director", "curl -s --max-time 5 http://198.19.0.2:9742/metrics");
                final java.util.regex.Matcher r =
                    java.util.regex.Pattern.compile("jvs_drops_total\\{reason=\"ring_full\"} (\\d+)").matcher(m);
                assertTrue(r.find(), m);
                dropped = Long.parseLong(r.group(1));
            }
            System.out.println("ring full while stopped: " + dropped + " of 2,000 datagrams counted as dropped");
            assertTrue(dropped >= 1500 && dropped <= 2100, "ring drops counted: " + dropped);
            assertTrue(lab.get("/").startsWith("rs1"), "forwarding again");
        }
    }

    private static String awaitFile(final Path f) throws Exception
    {
        for (int t = 0; t < 100 && !Files.exists(f); t++)
        {
            Thread.sleep(50);
        }
        return Files.readString(f);
    }
}
