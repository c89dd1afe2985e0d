package dev.jvs.director.config;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scripts run as keepalived runs them: as the line's user, else script_user, else keepalived_script, else the
 * daemon's; an unsafe script (a part of its path writable by someone other than root) is refused under
 * enable_script_security and warned about otherwise; a script that is not there is disabled.
 */
class ScriptSecurityTest
{
    @TempDir
    Path dir;

    private Path script(final String name, final String body) throws Exception
    {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        final Path f = dir.resolve(name);
        Files.writeString(f, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        return f;
    }

    private KeepalivedConfig parse(final String global, final String notify) throws ConfigException
    {
        return KeepalivedConfig.parse(dir.resolve("k.conf"), "global_defs {\n" + global + "}\n" +
            "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n" +
            "    198.18.0.80\n  }\n  notify_master " + notify + "\n}\n");
    }

    @Test
    void aScriptShouldRunAsTheUserOnItsLineOrScriptUser() throws Exception
    {
        Assumptions.assumeTrue(null != ScriptSecurity.lookup("nobody", null), "needs the user nobody");
        final Path out = Files.createDirectory(dir.resolve("out"));
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxrwxrwx"));
        final Path s = script("id.sh", "id -u > " + out.resolve("uid") + "; id -G > " + out.resolve("groups"));
        final int[] nobody = ScriptSecurity.lookup("nobody", null);
        KeepalivedConfig c = parse("  script_user nobody\n", "\"" + s + "\"");
        Command cmd = c.vrrp.instances().get(0).notifyMaster();
        assertEquals(nobody[0], cmd.uid());
        assertNull(cmd.disabled());
        assertEquals(List.of("setpriv", "--reuid=" + nobody[0], "--regid=" + nobody[1], "--groups=" + nobody[1], "--",
            s.toString(), "x"), cmd.argv(List.of("x")));
        assertEquals(List.of(dir.resolve("k.conf") + ":10: SECURITY VIOLATION - scripts are being executed but " +
            "script_security not enabled."), c.warnings, "keepalived says so whenever scripts run without it");

        c = parse("", "\"" + s + "\" nobody");
        cmd = c.vrrp.instances().get(0).notifyMaster();
        assertEquals(nobody[0], cmd.uid(), "the user on the line");
        Assumptions.assumeTrue(0 == ScriptSecurity.ourUid(), "running it as another user needs root");
        final Process p = new ProcessBuilder(cmd.argv(List.of())).inheritIO().start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(String.valueOf(nobody[0]), Files.readString(out.resolve("uid")).strip(), "its effective uid");
        assertEquals(String.valueOf(nobody[1]), Files.readString(out.resolve("groups")).strip(),
            "its group only: the daemon's supplementary groups are dropped");
    }

    @Test
    void withScriptSecurityAnUnsafeRootScriptShouldBeRefused() throws Exception
    {
        Assumptions.assumeTrue(0 == ScriptSecurity.ourUid(), "the path checks apply to scripts run as root");
        Assumptions.assumeTrue(null == ScriptSecurity.lookup(ScriptSecurity.DEFAULT_USER, null),
            "keepalived_script would be the default user");
        final Path s = script("notify.sh", "true");
        KeepalivedConfig c = parse("  script_user root\n  enable_script_security\n", "\"" + s + "\"");
        assertNull(c.vrrp.instances().get(0).notifyMaster().disabled(), "root's own, safe path: it runs");
        assertTrue(c.warnings.isEmpty(), c.warnings.toString());

        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        c = parse("  script_user root\n  enable_script_security\n", "\"" + s + "\"");
        assertEquals("it is insecure", c.vrrp.instances().get(0).notifyMaster().disabled());
        assertEquals(List.of(dir.resolve("k.conf") + ":11: Unsafe permissions found for script '" + s +
            "' - disabling."), c.warnings);

        c = parse("  script_user root\n", "\"" + s + "\"");
        assertNull(c.vrrp.instances().get(0).notifyMaster().disabled(), "without script security it still runs");
        assertEquals(List.of(dir.resolve("k.conf") + ":10: Unsafe permissions found for script '" + s + "'.",
            dir.resolve("k.conf") + ":10: SECURITY VIOLATION - scripts are being executed but script_security not " +
            "enabled. There are insecure scripts."), c.warnings);
    }

    @Test
    void aScriptThatIsNotThereOrUnknownUsersShouldDisableIt() throws Exception
    {
        KeepalivedConfig c = parse("", "\"/nonexistent/notify.sh up\"");
        assertEquals("it cannot be found or executed", c.vrrp.instances().get(0).notifyMaster().disabled());
        c = parse("", "\"no-such-script-anywhere\"");
        assertTrue(c.warnings.contains(dir.resolve("k.conf") + ":9: Cannot find script no-such-script-anywhere in " +
            "path - disabling"), c.warnings.toString());
        c = parse("  script_user jvs-no-such-user\n", "\"/bin/true\"");
        assertEquals("no user to run it as", c.vrrp.instances().get(0).notifyMaster().disabled());
        assertEquals(List.of(dir.resolve("k.conf") + ":2: Error setting global script uid/gid",
            dir.resolve("k.conf") + ":10: Failed to set default user for notify script /bin/true - ignoring"),
            c.warnings);
        c = parse("", "\"/bin/true\" jvs-no-such-user");
        assertEquals("its user/group does not exist", c.vrrp.instances().get(0).notifyMaster().disabled());
    }

    @Test
    void wordsShouldBeSplitAsKeepalivedSplitsThemWithoutAShell()
    {
        assertEquals(List.of("/bin/sh", "-c", "exit 7"), Command.split("/bin/sh -c 'exit 7'"));
        assertEquals(List.of("a b", "c\"d", "e"), Command.split("\"a b\" c\\\"d  e"));
    }
}
