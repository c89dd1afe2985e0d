package dev.jvs.director;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bin/jvs, laid out as installed (sbin/jvs, share/jvs/jvs.jar): the JVM options it derives. */
class LauncherTest
{
    @TempDir
    Path root;

    private String dryRun(final Map<String, String> env, final String... args) throws Exception
    {
        Files.createDirectories(root.resolve("sbin"));
        Files.createDirectories(root.resolve("share/jvs"));
        Files.copy(Path.of("../bin/jvs"), root.resolve("sbin/jvs"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(root.resolve("share/jvs/jvs.jar"), "");
        final List<String> cmd = new ArrayList<>(List.of("sh", root.resolve("sbin/jvs").toString()));
        cmd.addAll(List.of(args));
        final ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("JVS_LAUNCHER_DRYRUN", "1");
        pb.environment().remove("JVS_HEAP");
        pb.environment().remove("_JAVA_SR_SIGNUM");
        pb.environment().putAll(env);
        final Process p = pb.start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    void heapShouldBeCappedFromTheCapacity() throws Exception
    {
        assertTrue(dryRun(Map.of(), "run", "-i", "eth0").contains(" -Xmx250m "), "default 1,000,000");
        assertTrue(dryRun(Map.of(), "run", "--capacity", "4000000").contains(" -Xmx616m "));
        assertTrue(dryRun(Map.of(), "run", "--capacity=100000").contains(" -Xmx140m "));
        assertTrue(dryRun(Map.of("JVS_HEAP", "1g"), "run", "--capacity=100000").contains(" -Xmx1g "));
    }

    @Test
    void crashFilesAndSignalsShouldBeSetApart() throws Exception
    {
        final String out = dryRun(Map.of("JVS_CRASH_DIR", "/var/lib/jvs"), "run");
        assertTrue(out.startsWith("_JAVA_SR_SIGNUM=39 java "), out);
        assertTrue(out.contains(" -XX:ErrorFile=/var/lib/jvs/jvs_hs_err_pid%p.log -XX:+ExitOnOutOfMemoryError "), out);
        assertTrue(out.contains(" -jar " + root.resolve("share/jvs/jvs.jar").toRealPath() + " run"), out);
    }

    @Test
    void aMissingJarShouldBeSaidPlainly() throws IOException, InterruptedException
    {
        Files.createDirectories(root.resolve("bin"));
        Files.copy(Path.of("../bin/jvs"), root.resolve("bin/jvs"));
        final Process p = new ProcessBuilder("sh", root.resolve("bin/jvs").toString(), "--version")
            .redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(127, p.waitFor());
        assertTrue(out.startsWith("jvs: no jvs.jar next to "), out);
    }
}
