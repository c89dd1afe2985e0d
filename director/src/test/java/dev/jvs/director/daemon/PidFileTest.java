package dev.jvs.director.daemon;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** keepalived's -p: refused while a live jvs owns the file, taken over from a dead one or a recycled pid. */
class PidFileTest
{
    @TempDir
    Path dir;

    private static String self()
    {
        return String.valueOf(ProcessHandle.current().pid());
    }

    @Test
    void aLiveJvsShouldKeepItsPidFile() throws Exception
    {
        final Path f = dir.resolve("jvs.pid");
        final Process other = new ProcessBuilder("bash", "-c", "exec -a jvs-pidfile-test sleep 30").start();
        try
        {
            // Until the child has exec'd sleep, its command line is Java's spawn helper's, then bash's (which holds
            // the name inside its -c argument), and for an instant in each exec it reads empty: wait for sleep's
            // own, the name as argv[0] (failed twice in full runs while this waited for bash's).
            final Path cmdline = Path.of("/proc", Long.toString(other.pid()), "cmdline");
            for (int t = 0; t < 500 && !new String(Files.readAllBytes(cmdline)).startsWith("jvs-pidfile-test"); t++)
            {
                Thread.sleep(10);
            }
            Files.writeString(f, other.pid() + "\n");
            final IllegalStateException ex = assertThrows(IllegalStateException.class, () -> PidFile.write(f));
            assertEquals(f + ": jvs is already running with pid " + other.pid(), ex.getMessage());
            assertEquals(other.pid() + "\n", Files.readString(f), "left as it was");
        }
        finally
        {
            other.destroyForcibly().waitFor();
        }
        // Its owner is gone: taken over, and removed at close.
        try (PidFile p = PidFile.write(f))
        {
            assertNotNull(p);
            assertEquals(self() + "\n", Files.readString(f));
        }
        assertFalse(Files.exists(f));
    }

    @Test
    void aRecycledPidShouldNotHoldIt() throws Exception
    {
        final Path f = dir.resolve("sub/jvs.pid");
        final Process sleeper = new ProcessBuilder("sleep", "30").start();
        try
        {
            Files.createDirectories(f.getParent());
            Files.writeString(f, sleeper.pid() + "\n");
            try (PidFile p = PidFile.write(f))
            {
                assertNotNull(p);
                assertEquals(self() + "\n", Files.readString(f));
                Files.writeString(f, "12345\n");
            }
            assertEquals("12345\n", Files.readString(f), "not ours any more: left alone");
        }
        finally
        {
            sleeper.destroyForcibly().waitFor();
        }
    }
}
