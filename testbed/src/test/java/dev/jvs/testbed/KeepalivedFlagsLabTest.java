package dev.jvs.testbed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * keepalived's daemon flags on jvs run, as the guide's KEEPALIVED_OPTIONS use them: -P (VRRP alone, the
 * addresses on the interface), -C (the virtual servers alone), -V (no release at stop), -p (pid file), -d (the
 * configuration logged), and -D -l -n accepted.
 */
@Timeout(120)
class KeepalivedFlagsLabTest extends LabTest
{
    private static final String CONF = """
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
          }
        }
        """;

    private static String addresses(final Lab lab) throws Exception
    {
        return lab.ns().sh("director", "ip -4 addr show dev eth0");
    }

    @Test
    void vrrpAloneShouldOwnTheAddressesAndDontReleaseShouldLeaveThem() throws Exception
    {
        final Path pid = work.resolve("run/jvs.pid");
        try (Lab lab = new Lab(Lab.Mode.DR, 1, work, JAR))
        {
            lab.startDirector(CONF, List.of("-D", "-d", "-l", "-n", "-P", "-V", "-p", pid.toString()));
            assertNotNull(lab.awaitLog("VI_1: BACKUP -> MASTER", 8000), lab.directorLog());
            final String log = lab.directorLog();
            assertTrue(log.contains(": 0 virtual services") && log.contains("--vrrp: VRRP alone"), log);
            assertTrue(log.contains(" VRRP Instance = VI_1") && log.contains("------< LVS Topology >------"),
                "-d logs the configuration: " + log);
            assertEquals(String.valueOf(lab.directorPid()), Files.readString(pid).trim());
            for (int t = 0; t < 50 && !addresses(lab).contains("198.19.0.80/32"); t++)
            {
                Thread.sleep(100);
            }
            assertTrue(addresses(lab).contains("inet 198.19.0.80/32"), "the master's address: " + addresses(lab));

            assertEquals(0, lab.stopDirectorStatus());
            final String stopped = lab.directorLog();
            assertTrue(stopped.contains("--dont-release-vrrp: no priority 0 advertisement"), stopped);
            assertFalse(stopped.contains("priority 0 sent") || stopped.contains("MASTER -> "), stopped);
            assertTrue(addresses(lab).contains("inet 198.19.0.80/32"), "-V leaves it: " + addresses(lab));
            assertFalse(Files.exists(pid), "the pid file goes at stop");

            // The next start takes back what the last one left, as keepalived -V's next start does.
            lab.startDirector(CONF, List.of("-C"));
            assertTrue(lab.directorLog().contains("restored what a previous run left changed on eth0"),
                lab.directorLog());
            assertFalse(addresses(lab).contains("198.19.0.80"), addresses(lab));
        }
    }

    @Test
    void checkersAloneShouldForwardWithoutVrrp() throws Exception
    {
        try (Lab lab = new Lab(Lab.Mode.DR, 1, work, JAR))
        {
            lab.startDirector(CONF, List.of("--check", "--dont-release-ipvs"));
            assertTrue(lab.get("/").startsWith("rs1"), "forwarding at once, as the only director");
            final String log = lab.directorLog();
            assertTrue(log.contains(": 1 virtual services") && log.contains("--check: the virtual servers alone"), log);
            assertTrue(log.contains("--dont-release-ipvs: nothing to keep"), log);
            assertNull(lab.awaitLog("VRRP VI_1", 100), log);
        }
    }
}
