package dev.jvs.testbed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One director per interface and network namespace: a second {@code jvs run} on the same interface refuses
 * and leaves the first one's kernel settings alone; two directors in two namespaces, with the same interface
 * names and default control sockets, do not meet, and {@code jvs adm} finds its own namespace's director.
 */
@Timeout(120)
class InstanceLabTest extends LabTest
{
    private static String conf(final String vip)
    {
        return "virtual_server " + vip + " 80 {\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n" +
            "  real_server 198.19.0.11 80 {\n    weight 1\n  }\n}\n";
    }

    private static Process start(final Lab lab, final String host, final Path conf, final Path log) throws Exception
    {
        final Process p = lab.ns().spawn(host, List.of("env", "_JAVA_SR_SIGNUM=39", "java", "-jar", JAR.toString(),
            "run", "-f", conf.toString(), "-i", "eth0", "--capacity", "4096"), log);
        for (int t = 0; t < 150 && !(Files.exists(log) && Files.readString(log).contains("started on")); t++)
        {
            Thread.sleep(100);
        }
        assertTrue(Files.readString(log).contains("started on"), Files.readString(log));
        return p;
    }

    @Test
    void aSecondDirectorOnAnInterfaceShouldRefuseAndTwoNamespacesShouldNotMeet() throws Exception
    {
        try (Lab lab = new Lab(Lab.Mode.DR, 1, work, JAR, false, true))
        {
            final Path c1 = work.resolve("one.conf");
            final Path c2 = work.resolve("two.conf");
            Files.writeString(c1, conf("198.19.0.80"));
            Files.writeString(c2, conf("198.19.0.81"));
            final Process one = start(lab, "director", c1, work.resolve("one.log"));
            final Process two = start(lab, "director2", c2, work.resolve("two.log"));

            final Netns.Result second = lab.ns().shAllowFail("director", "env _JAVA_SR_SIGNUM=39 java -jar " + JAR +
                " run -f " + c1 + " -i eth0 --control none", 60);
            assertEquals(1, second.exit(), second.out());
            assertTrue(second.out().contains("eth0 is served by another jvs (pid " + one.pid() + ")"), second.out());
            assertTrue(lab.ns().sh("director", "nft list tables").contains("jvs_eth0"),
                "the first director's shield is still there");
            assertTrue(lab.get("/").startsWith("rs1"), "and it still forwards");

            // jvs adm without --socket: each namespace's own director, by its default socket.
            assertTrue(lab.ns().sh("director", "java -jar " + JAR + " adm -L -n").contains("198.19.0.80:80"));
            assertTrue(lab.ns().sh("director2", "java -jar " + JAR + " adm -L -n").contains("198.19.0.81:80"));
            one.destroy();
            two.destroy();
            assertEquals(0, one.waitFor());
            assertEquals(0, two.waitFor());
        }
    }
}
