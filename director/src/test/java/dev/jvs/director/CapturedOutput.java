package dev.jvs.director;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A command-line test's base: System.out and System.err captured around each test, and a directory. */
abstract class CapturedOutput
{
    /** What the command printed to standard output. */
    protected final ByteArrayOutputStream out = new ByteArrayOutputStream();
    /** What the command printed to standard error. */
    protected final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;

    /** A directory of the test's own. */
    @TempDir
    protected Path dir;

    @BeforeEach
    void capture()
    {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore()
    {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }
}
