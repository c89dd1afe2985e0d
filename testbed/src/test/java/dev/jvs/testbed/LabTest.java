package dev.jvs.testbed;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What every namespace test needs: root, the built jar, a work directory of its own, and {@code jvs adm}.
 * Skipped (not failed) without root or the jar; {@link #needs} skips for a missing tool.
 */
@Tag("netns")
abstract class LabTest
{
    static final Path JAR = Path.of("../director/target/jvs.jar").toAbsolutePath().normalize();

    @TempDir
    Path work;

    @BeforeAll
    static void rootAndJar()
    {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        Assumptions.assumeTrue(Files.exists(JAR), "needs " + JAR + " (mvn package)");
    }

    /** @param tools absolute paths of programs the test runs. */
    static void needs(final String... tools)
    {
        for (final String tool : tools)
        {
            Assumptions.assumeTrue(Files.isExecutable(Path.of(tool)), "needs " + tool);
        }
    }

    /** {@code jvs adm --socket SOCKET ARGS...}. */
    static Netns.Result adm(final Path socket, final String... args) throws Exception
    {
        final List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toString(), "adm", "--socket",
            socket.toString()));
        cmd.addAll(List.of(args));
        return Netns.run(cmd, 30);
    }
}
