package dev.jvs.testbed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

/**
 * {@code jvs realserver dr start|stop} on a DR real server: without it the VIP's traffic finds no taker; with it
 * the server answers; a second start changes nothing; stop puts back exactly what start found. (TUN's
 * {@code --userspace} runs in every TUN lab: the labs' real servers use it.)
 */
@Timeout(120)
class RealServerLabTest extends LabTest
{
    private static final String CONF = """
        virtual_server 198.19.0.80 80 {
          lb_algo rr
          lb_kind DR
          protocol TCP
          real_server 198.19.0.11 80 {
            weight 1
          }
        }
        """;
    private static final String SYSCTLS = "sysctl -n net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce " +
        "net.ipv4.conf.lo.arp_ignore net.ipv4.conf.lo.arp_announce";

    private String realserver(final Lab lab, final String args) throws Exception
    {
        return lab.ns().sh("rs1", "java -Xmx64m -jar " + JAR + " realserver " + args);
    }

    @Test
    void drStartShouldLetTheServerAnswerAndStopShouldRestore() throws Exception
    {
        try (Lab lab = new Lab(Lab.Mode.DR, 1, work, JAR))
        {
            // Undo the lab's own set-up; an operator's values (arp_announce 1 on all) to be put back.
            lab.ns().sh("rs1", "ip addr del " + Lab.VIP + "/32 dev lo && sysctl -qw net.ipv4.conf.all.arp_ignore=0 " +
                "net.ipv4.conf.all.arp_announce=1 net.ipv4.conf.eth0.arp_ignore=0 net.ipv4.conf.eth0.arp_announce=0");
            final String before = lab.ns().sh("rs1", SYSCTLS);
            assertEquals(List.of("0", "1", "0", "0"), before.lines().toList());
            lab.startDirector(CONF);
            assertTrue(lab.get("/").startsWith("ERROR"), "no VIP on the real server: no answer");

            final String started = realserver(lab, "dr start --vip " + Lab.VIP);
            assertTrue(started.contains("198.19.0.80/32 on lo") && started.contains("net.ipv4.conf.all.arp_ignore=1"),
                started);
            assertEquals(List.of("1", "2", "1", "2"), lab.ns().sh("rs1", SYSCTLS).lines().toList());
            assertTrue(lab.get("/").startsWith("rs1"), "the real server answers for the VIP");
            assertTrue(realserver(lab, "dr start --vip " + Lab.VIP).contains("dr start: already as asked"));
            final String arp = lab.ns().sh("client", "ip neigh show " + Lab.VIP);
            assertTrue(arp.contains(lab.ns().sh("director", "cat /sys/class/net/eth0/address").strip()),
                "the director still owns the VIP's ARP: " + arp);

            final String stopped = realserver(lab, "dr stop");
            assertTrue(stopped.contains("198.19.0.80/32 off lo") && stopped.contains("all.arp_announce=1"), stopped);
            assertEquals(before, lab.ns().sh("rs1", SYSCTLS), "what start found");
            assertFalse(lab.ns().sh("rs1", "ip -4 addr show dev lo").contains(Lab.VIP), "the VIP is gone");
            assertTrue(realserver(lab, "dr stop").contains("stop: nothing to restore"));

            // An IPv6 VIP goes on loopback too, and comes off at stop.
            assertTrue(realserver(lab, "dr start --vip 2001:2::80").contains("2001:2::80/128 on lo"));
            assertTrue(lab.ns().sh("rs1", "ip -6 addr show dev lo").contains("2001:2::80/128"));
            assertTrue(realserver(lab, "dr stop").contains("2001:2::80/128 off lo"));
            assertFalse(lab.ns().sh("rs1", "ip -6 addr show dev lo").contains("2001:2::80"));
        }
    }

    @Test
    void badArgumentsShouldBeRefusedPlainly() throws Exception
    {
        try (Lab lab = new Lab(Lab.Mode.DR, 1, work, JAR))
        {
            final Netns.Result r = lab.ns().shAllowFail("rs1", "java -jar " + JAR +
                " realserver dr start --vip 300.1.1.1", 30);
            assertEquals(1, r.exit());
            assertTrue(r.out().contains("jvs realserver: not an IP address: 300.1.1.1"), r.out());
            final Netns.Result t = lab.ns().shAllowFail("rs1", "java -jar " + JAR + " realserver tun start --vip " +
                Lab.VIP, 30);
            if (0 != t.exit())
            {
                assertTrue(1 == t.exit() && t.out().contains("use --userspace"), t.out());
            }
            else
            {
                // A kernel with the ipip module: tunl0 carries the VIP.
                assertTrue(lab.ns().sh("rs1", "ip -4 addr show dev tunl0").contains(Lab.VIP), t.out());
                realserver(lab, "tun stop");
            }
        }
    }
}
