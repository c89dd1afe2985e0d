package dev.jvs.testbed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Debian package as make deb builds it: what it holds and depends on, unpacked into a root of the test's
 * own where the launcher runs from the installed layout, the man page renders, and systemd-analyze accepts
 * the unit; make install's layout under a DESTDIR.
 */
@Timeout(300)
class PackageTest extends LabTest
{
    private static final Path PACKAGING = Path.of("../director/packaging").toAbsolutePath().normalize();

    @Test
    void theDebianPackageShouldInstallADaemonSystemdCanRun() throws Exception
    {
        final Netns.Result built = Netns.run(List.of("sh", PACKAGING.resolve("build-deb.sh").toString(),
            JAR.toString(), work.toString()), 120);
        assertEquals(0, built.exit(), built.out());
        final Path deb;
        try (Stream<Path> s = Files.list(work))
        {
            deb = s.filter(p -> p.toString().endsWith("_all.deb")).findFirst().orElseThrow();
        }
        final String info = Netns.run(List.of("dpkg-deb", "-f", deb.toString()), 30).out();
        assertTrue(info.contains("Package: jvs\n") && info.contains("Architecture: all\n"), info);
        final String depends = info.lines().filter(l -> l.startsWith("Depends: ")).findFirst().orElseThrow();
        assertEquals("Depends: default-jre-headless (>= 2:1.17) | java17-runtime-headless, nftables, iproute2, " +
            "ethtool, libpcap0.8", depends, "what the daemon runs, no test tool");
        assertEquals("/etc/default/jvs\n", Netns.run(List.of("dpkg-deb", "-I", deb.toString(), "conffiles"), 30).out());

        final Path root = work.resolve("root");
        assertEquals(0, Netns.run(List.of("dpkg-deb", "-x", deb.toString(), root.toString()), 60).exit());
        for (final String f : List.of("usr/sbin/jvs", "usr/share/jvs/jvs.jar", "usr/share/man/man8/jvs.8.gz",
            "usr/share/bash-completion/completions/jvs", "lib/systemd/system/jvs.service", "etc/default/jvs",
            "usr/share/doc/jvs/copyright"))
        {
            assertTrue(Files.exists(root.resolve(f)), f);
        }
        assertTrue(Files.isExecutable(root.resolve("usr/sbin/jvs")));
        final String version = Netns.run(List.of(root.resolve("usr/sbin/jvs").toString(), "--version"), 30).out();
        assertTrue(version.startsWith("jvs 0."), version);
        assertTrue(Files.readString(root.resolve("etc/default/jvs")).contains("\nJVS_OPTIONS="));

        final String unit = Files.readString(root.resolve("lib/systemd/system/jvs.service"));
        assertTrue(unit.contains("Type=notify\n") && unit.contains("ExecStart=/usr/sbin/jvs run $JVS_OPTIONS\n") &&
            unit.contains("ExecReload=/bin/kill -HUP $MAINPID\n") && unit.contains("EnvironmentFile=-/etc/default/jvs\n"),
            unit);
        needs("/usr/bin/systemd-analyze");
        // Verified where the package put the launcher: the unit names /usr/sbin/jvs, here under the test's root.
        final Path check = work.resolve("jvs.service");
        Files.writeString(check, unit.replace("/usr/sbin/jvs", root.resolve("usr/sbin/jvs").toString()));
        final Netns.Result verify = Netns.run(List.of("systemd-analyze", "verify", "--man=no", check.toString()), 60);
        assertEquals(0, verify.exit(), verify.out());
        assertFalse(verify.out().contains("jvs.service"), "no complaint: " + verify.out());

        final String man = Netns.run(List.of("sh", "-c", "zcat " + root.resolve("usr/share/man/man8/jvs.8.gz") +
            " | groff -man -Tascii -P-bcou 2>&1 || zcat " + root.resolve("usr/share/man/man8/jvs.8.gz")), 30).out();
        assertTrue(man.contains("dont") && man.contains("SIGUSR1") && man.contains("realserver"), man);
        final String completion = Files.readString(root.resolve("usr/share/bash-completion/completions/jvs"));
        assertTrue(completion.contains("complete -F _complete_jvs") && completion.contains("--dont-release-vrrp"),
            completion.substring(0, 200));
    }

    @Test
    void makeInstallShouldLayOutUnderDestdir() throws Exception
    {
        final Path dest = work.resolve("dest");
        final Netns.Result r = Netns.run(List.of("sh", PACKAGING.resolve("install.sh").toString(), JAR.toString(),
            dest.toString(), "/usr/local"), 120);
        assertEquals(0, r.exit(), r.out());
        assertTrue(Files.isExecutable(dest.resolve("usr/local/sbin/jvs")));
        assertTrue(Files.readString(dest.resolve("etc/systemd/system/jvs.service"))
            .contains("ExecStart=/usr/local/sbin/jvs run $JVS_OPTIONS\n"));
        // The operator's /etc/default/jvs survives a reinstall.
        Files.writeString(dest.resolve("etc/default/jvs"), "JVS_OPTIONS=\"-D -S 0\"\n");
        assertEquals(0, Netns.run(List.of("sh", PACKAGING.resolve("install.sh").toString(), JAR.toString(),
            dest.toString(), "/usr/local"), 120).exit());
        assertEquals("JVS_OPTIONS=\"-D -S 0\"\n", Files.readString(dest.resolve("etc/default/jvs")));
    }
}
