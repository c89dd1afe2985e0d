package dev.jvs.director;

import dev.jvs.engine.os.LibC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** jvs run refuses to start with a clear sentence and status 1 (the live paths are in testbed/). */
class RunCommandTest
{
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldErr;

    @TempDir
    Path dir;

    @BeforeEach
    void capture()
    {
        oldErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore()
    {
        System.setErr(oldErr);
    }

    private String err()
    {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldExitOneWithASentenceWhenItCannotStart() throws Exception
    {
        final Path good = dir.resolve("ok.conf");
        Files.writeString(good, "virtual_server 198.19.0.80 80 {\n lb_algo rr\n}\n");
        final Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "virtual_server 198.19.0.80 80 {\n lb_algo best\n}\n");
        final boolean root = 0 == LibC.geteuid();

        assertEquals(1, Main.execute("run", "-f", good.toString(), "-i", "jvs-no-such-if"));
        assertTrue(err().contains(root ? "no interface named jvs-no-such-if" : "must run as root"), err());

        assertEquals(1, Main.execute("run", "-f", bad.toString(), "-i", "lo"));
        assertTrue(err().contains(root ? "bad.conf:2:10: unknown scheduler 'best'" : "must run as root"), err());

        assertEquals(1, Main.execute("run", "-f", good.toString(), "-i", "lo", "--io", "dpdk"));
        assertTrue(err().contains("--io must be afpacket or pcap"), err());
        assertEquals(1, Main.execute("run", "-f", good.toString(), "-i", "lo", "--idle", "fast"));
        assertTrue(err().contains("--idle must be poll, backoff or spin"), err());
        assertEquals(1, Main.execute("run", "-f", good.toString(), "-i", "lo", "--workers", "0"));
        assertTrue(err().contains("--workers must be 1 to 64, not 0"), err());
        assertEquals(1, Main.execute("run", "-f", good.toString(), "-i", "lo", "--workers", "2", "--io", "pcap"));
        assertTrue(err().contains("--workers above 1 needs --io afpacket without --pipeline"), err());
        assertEquals(1, Main.execute("run", "-f", good.toString(), "-i", "lo", "--workers", "2", "--pipeline"));
        assertTrue(err().contains("--workers above 1 needs --io afpacket without --pipeline"), err());
        assertEquals(1, Main.execute("run", "-f", good.toString(), "-i", "lo", "--rt-priority", "5", "--idle", "spin"));
        assertTrue(err().contains("not with --idle spin"), err());
        assertEquals(1, Main.execute("run", "-f", good.toString(), "-i", "lo", "--rt-priority", "100"));
        assertTrue(err().contains("--rt-priority must be 0 to 99"), err());
    }

    @Test
    void announcingShouldRefuseNat() throws Exception
    {
        final Path nat = dir.resolve("nat.conf");
        Files.writeString(nat, "virtual_server 198.19.0.80 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n" +
            " real_server 198.19.0.11 80 {\n  weight 1\n }\n}\n");
        // Without root the refusal is "must run as root", before the configuration is read.
        org.junit.jupiter.api.Assumptions.assumeTrue(0 == LibC.geteuid(), "needs root");
        assertEquals(1, Main.execute("run", "-f", nat.toString(), "-i", "jvs-no-such-if", "--announce-table", "100"));
        assertTrue(err().contains("jvs run: --announce-table: virtual server 198.19.0.80:80 forwards to " +
            "198.19.0.11:80 by NAT"), err());
        assertEquals(1, Main.execute("run", "-f", nat.toString(), "-i", "jvs-no-such-if", "--announce-table", "254"));
        assertTrue(err().contains("--announce-table must be a routing table 1..4294967295 other than 253-255"), err());
    }
}
