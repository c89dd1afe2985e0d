package dev.jvs.testbed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IPVS's sloppy_tcp (--vs-sysctl sloppy_tcp=1): a mid-flow segment with no connection, as a director gets when
 * ECMP moves a flow to it, is scheduled and forwarded; the new entry is in CLOSE with its 10 s timeout, as the
 * kernel's tcp_states table has it (sNO + ack is sCL, in every direction), each further segment renewing it;
 * without sloppy_tcp, the kernel's default, the segment is dropped and counted.
 */
@Timeout(120)
class SloppyLabTest extends LabTest
{
    private static final String CONF = """
        virtual_server 198.19.0.80 80 {
          lb_algo mh
          lb_kind DR
          protocol TCP
          real_server 198.19.0.11 80 {
            weight 1
          }
        }
        """;

    private static void ack(final Lab lab, final int sport) throws Exception
    {
        lab.ns().sh("client", "/usr/bin/python3 -c \"from scapy.all import IP, TCP, send; send(IP(dst='" + Lab.VIP +
            "')/TCP(sport=" + sport + ", dport=80, flags='A', seq=1000, ack=1000), verbose=0)\"");
    }

    @Test
    void aMidFlowSegmentShouldBePickedUpOnlyWhenSloppy() throws Exception
    {
        needs("/usr/bin/python3");
        final Path socket = work.resolve("ctl.sock");
        try (Lab lab = new Lab(Lab.Mode.DR, 1, work, JAR))
        {
            lab.startDirector(CONF, List.of("--control", socket.toString(), "--vs-sysctl", "sloppy_tcp=1"));
            assertTrue(lab.get("/").startsWith("rs1"), "the client knows the VIP's MAC");
            ack(lab, 40000);
            String conns = "";
            for (int t = 0; t < 50 && !conns.contains(":40000"); t++)
            {
                Thread.sleep(100);
                conns = adm(socket, "-Lnc").out();
            }
            assertTrue(conns.lines().anyMatch(l -> l.matches("TCP 00:(0\\d|10)  CLOSE       198\\.19\\.0\\.5:40000 +" +
                "198\\.19\\.0\\.80:80 +198\\.19\\.0\\.11:80")), conns);
            lab.stopDirector();

            lab.startDirector(CONF, List.of("--control", socket.toString()));
            ack(lab, 40001);
            Thread.sleep(500);
            assertFalse(adm(socket, "-Lnc").out().contains(":40001"), "not picked up without sloppy_tcp");
            final String log = lab.stopDirector();
            assertTrue(log.contains("TCP segment without connection: 1"), log);
        }
        assertEquals(1, Netns.run(List.of("java", "-jar", JAR.toString(), "run", "-i", "lo", "--vs-sysctl",
            "sloppy_tcp=2"), 30).exit());
    }
}
