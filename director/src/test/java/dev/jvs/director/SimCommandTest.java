package dev.jvs.director;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimCommandTest extends CapturedOutput
{
    private Path trace(final String... lines) throws IOException
    {
        final Path p = dir.resolve("trace.jsonl");
        Files.write(p, String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
        return p;
    }

    @Test
    void shouldPrintOnePickPerConnection() throws IOException
    {
        final Path t = trace(
            "{\"op\":\"add\",\"rs\":\"A\",\"addr\":\"198.19.0.11:80\",\"weight\":2}",
            "{\"op\":\"add\",\"rs\":\"B\",\"addr\":\"198.19.0.12:80\"}",
            "{\"op\":\"conn\",\"id\":\"c1\",\"proto\":\"tcp\",\"src\":\"198.18.0.5:1\",\"dst\":\"198.19.0.80:80\"}",
            "{\"op\":\"conn\",\"id\":\"c2\",\"proto\":\"tcp\",\"src\":\"198.18.0.5:2\",\"dst\":\"198.19.0.80:80\"}",
            "{\"op\":\"conn\",\"id\":\"c3\",\"proto\":\"tcp\",\"src\":\"198.18.0.5:3\",\"dst\":\"198.19.0.80:80\"}");
        assertEquals(0, Main.execute("sim", "--scheduler", "wrr", "--trace", t.toString()));
        // list B(1) A(2); the adds left cw at 1, so the first pass takes both, then A alone at cw=2.
        assertEquals("c1 B\nc2 A\nc3 A\n", out.toString(StandardCharsets.UTF_8).replace("\r", ""));
    }

    @Test
    void shouldExitTwoNamingTheBadLine() throws IOException
    {
        final Path t = trace(
            "{\"op\":\"add\",\"rs\":\"A\",\"addr\":\"198.19.0.11:80\"}",
            "{\"op\":\"edit\",\"rs\":\"B\",\"weight\":1}");
        assertEquals(2, Main.execute("sim", "-s", "rr", "-t", t.toString()));
        final String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("trace.jsonl: line 2: no real server B in the service"), e);
    }

    @Test
    void shouldExitTwoForUnknownSchedulerFlagOrFile()
    {
        assertEquals(2, Main.execute("sim", "-s", "fastest", "-t", "/nonexistent"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown scheduler 'fastest'"));
        assertEquals(2, Main.execute("sim", "-s", "sh", "-b", "sh-warp", "-t", "/nonexistent"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown scheduler flag 'sh-warp'"));
        assertEquals(2, Main.execute("sim", "-s", "sh", "-t", dir.resolve("missing.jsonl").toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no such trace file"));
    }
}
