package dev.jvs.director.config;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Who runs the scripts of a configuration, and which may run at all, as keepalived decides it
 * ({@code lib/notify.c}): each script runs as the user (and group) on its line or its {@code user} keyword,
 * else {@code script_user}, else {@code keepalived_script} if that user exists, else the daemon's own user; a
 * script that cannot be found, or that its user cannot execute, is disabled; a script that runs as root
 * (or is set-uid root) is checked for every part of its path being writable only by root, and with
 * {@code enable_script_security} an unsafe one is disabled ("SECURITY VIOLATION" otherwise). Every decision
 * is a warning at the script's line, with keepalived's words.
 */
public final class ScriptSecurity
{
    private static final int S_ISUID = 04000;
    private static final int S_ISGID = 02000;
    private static final int S_ISVTX = 01000;
    private static final int S_IWGRP = 020;
    private static final int S_IWOTH = 02;
    private static final int S_IXUSR = 0100;
    private static final int S_IXGRP = 010;
    private static final int S_IXOTH = 01;
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;

    private static final int SC_NOTFOUND = 1;
    private static final int SC_INHIBIT = 2;
    private static final int SC_ISSCRIPT = 4;
    private static final int SC_EXECUTABLE = 8;
    private static final int SC_INSECURE = 16;
    private static final int SC_SYSTEM = 32;

    /** The default user when neither the line nor script_user names one. */
    static final String DEFAULT_USER = "keepalived_script";

    static
    {
        Native.register(ScriptSecurity.class, "c");
    }

    private static native Pointer getpwnam(String name);

    private static native Pointer getgrnam(String name);

    private static native int geteuid();

    private static native int getegid();

    private ScriptSecurity()
    {
    }

    /** @return the daemon's effective uid. */
    static int ourUid()
    {
        return geteuid();
    }

    /** @return the daemon's effective gid. */
    static int ourGid()
    {
        return getegid();
    }

    /**
     * getpwnam/getgrnam as keepalived's set_uid_gid uses them: a user's uid and primary group, or the named
     * group.
     *
     * @return {uid, gid}, or null when the user or group does not exist.
     */
    static int[] lookup(final String user, final String group)
    {
        final Pointer pw = getpwnam(user);
        if (null == pw)
        {
            return null;
        }
        // struct passwd: char *pw_name, char *pw_passwd, uid_t pw_uid, gid_t pw_gid, ...
        final int uid = pw.getInt(2L * Native.POINTER_SIZE);
        int gid = pw.getInt(2L * Native.POINTER_SIZE + 4);
        if (null != group)
        {
            final Pointer gr = getgrnam(group);
            if (null == gr)
            {
                return null;
            }
            // struct group: char *gr_name, char *gr_passwd, gid_t gr_gid, ...
            gid = gr.getInt(2L * Native.POINTER_SIZE);
        }
        return new int[] {uid, gid};
    }

    /**
     * Resolve every script of a configuration: users, paths, and the security checks.
     *
     * @param kc the configuration (its scripts and its warnings).
     * @param enabled enable_script_security.
     * @param scriptUser script_user's user and group (null: none), and where it is written.
     */
    static void resolve(final KeepalivedConfig kc, final boolean enabled, final String[] scriptUser,
        final Position scriptUserAt)
    {
        int[] def = null;
        boolean defaultFailed = false;
        if (null != scriptUser)
        {
            def = lookup(scriptUser[0], scriptUser[1]);
            if (null == def)
            {
                kc.warnAt(scriptUserAt, "Error setting global script uid/gid");
                defaultFailed = true;
            }
        }
        else
        {
            def = lookup(DEFAULT_USER, null);
            if (null == def)
            {
                def = new int[] {ourUid(), ourGid()};
                if (enabled && !kc.commands.isEmpty())
                {
                    kc.warnAt(kc.commands.get(0).at, "Unable to set default user " + DEFAULT_USER + " for script");
                    defaultFailed = true;
                }
            }
        }
        int vrrpFlags = 0;
        int checkFlags = 0;
        for (final Command c : kc.commands)
        {
            if (c.internal)
            {
                continue;
            }
            if (null != c.user)
            {
                final int[] ug = lookup(c.user, c.group);
                if (null == ug)
                {
                    kc.warnAt(c.at, "Invalid user/group for " + c.type + " script " + c.words.get(0) + " - ignoring");
                    c.disable("its user/group does not exist");
                    continue;
                }
                c.uid = ug[0];
                c.gid = ug[1];
            }
            else if (defaultFailed)
            {
                kc.warnAt(c.at, "Failed to set default user for " + c.type + " script " + c.line + " - ignoring");
                c.disable("no user to run it as");
                continue;
            }
            else
            {
                c.uid = def[0];
                c.gid = def[1];
            }
            final int flags = checkScriptSecure(kc, c, enabled);
            if (0 != (flags & (SC_INHIBIT | SC_NOTFOUND)) || 0 == (flags & (SC_EXECUTABLE | SC_SYSTEM)))
            {
                c.disable(0 != (flags & SC_INHIBIT) ? "it is insecure" : "it cannot be found or executed");
            }
            if (isCheck(c))
            {
                checkFlags |= flags;
            }
            else
            {
                vrrpFlags |= flags;
            }
        }
        violation(kc, enabled, vrrpFlags, "scripts");
        violation(kc, enabled, checkFlags, "check scripts");
    }

    private static boolean isCheck(final Command c)
    {
        return "MISC_CHECK".equals(c.type) || "notify_up".equals(c.type) || "notify_down".equals(c.type) ||
            "quorum_up".equals(c.type) || "quorum_down".equals(c.type);
    }

    private static void violation(final KeepalivedConfig kc, final boolean enabled, final int flags,
        final String what)
    {
        if (!enabled && 0 != (flags & SC_ISSCRIPT))
        {
            kc.warnAt(kc.commands.get(0).at, "SECURITY VIOLATION - " + what + " are being executed but " +
                "script_security not enabled." + (0 != (flags & SC_INSECURE) ? " There are insecure scripts." : ""));
        }
    }

    /** keepalived's check_script_secure: find the file, check its user may run it, and its path's safety. */
    private static int checkScriptSecure(final KeepalivedConfig kc, final Command c, final boolean enabled)
    {
        if (c.words.isEmpty())
        {
            kc.warnAt(c.at, "Unable to parse script '" + c.line + "' - ignoring");
            return SC_NOTFOUND;
        }
        final String first = c.words.get(0);
        // "</path" (or a redirection) only tests whether a file can be opened: nothing is executed.
        if (first.startsWith("<") && first.substring(1).stripLeading().startsWith("/"))
        {
            return SC_SYSTEM;
        }
        String file = first;
        if (file.indexOf('/') < 0)
        {
            file = findPath(file);
            if (null == file)
            {
                kc.warnAt(c.at, "Cannot find script " + first + " in path - disabling");
                return SC_NOTFOUND;
            }
        }
        final Path real;
        try
        {
            real = Path.of(file).toRealPath();
        }
        catch (final IOException ex)
        {
            kc.warnAt(c.at, "Script " + file + " cannot be accessed - No such file or directory");
            return SC_NOTFOUND;
        }
        // keepalived runs the resolved path, but keeps the name it was given when only a directory was a link.
        final Path given = Path.of(file);
        final Path named = real.getFileName().equals(given.getFileName()) || !sameFile(real,
            real.resolveSibling(given.getFileName())) ? real : real.resolveSibling(given.getFileName());
        c.words.set(0, named.toString());
        final Map<String, Object> st = stat(real, true);
        if (null == st)
        {
            kc.warnAt(c.at, "Unable to access script `" + named + "` - disabling");
            return SC_NOTFOUND;
        }
        int flags = SC_ISSCRIPT;
        final int mode = (int)st.get("mode");
        boolean protect = false;
        if (isExecutable(mode, (int)st.get("uid"), (int)st.get("gid"), c.uid, c.gid))
        {
            flags |= SC_EXECUTABLE;
            protect = 0 == c.uid || 0 == c.gid ||
                0 == (int)st.get("uid") && 0 != (mode & S_IXUSR) && 0 != (mode & S_ISUID) ||
                0 == (int)st.get("gid") && 0 != (mode & S_IXGRP) && 0 != (mode & S_ISGID);
        }
        else
        {
            kc.warnAt(c.at, "WARNING - script '" + named + "' is not executable for uid:gid " + c.uid + ":" + c.gid +
                " - disabling.");
        }
        c.direct = isBinaryOrShebang(real);
        if (!protect)
        {
            return flags;
        }
        flags |= checkSecurity(kc, c, named.toString(), enabled);
        if (!named.equals(real))
        {
            flags |= checkSecurity(kc, c, real.toString(), enabled);
        }
        return flags;
    }

    /**
     * keepalived's check_security: every part of the path, from "/", must be a directory (the last a file or
     * link), owned by root, and neither group-writable by a group other than root's nor world-writable (a
     * directory with the sticky bit may be).
     */
    private static int checkSecurity(final KeepalivedConfig kc, final Command c, final String filename,
        final boolean enabled)
    {
        final List<Path> parts = new java.util.ArrayList<>();
        Path p = Path.of(filename);
        while (null != p)
        {
            parts.add(0, p);
            p = p.getParent();
        }
        for (int i = 0; i < parts.size(); i++)
        {
            final boolean last = i == parts.size() - 1;
            final Map<String, Object> st = stat(parts.get(i), false);
            if (null == st)
            {
                kc.warnAt(c.at, "check_script_secure could not find script '" + filename + "' - disabling");
                return SC_NOTFOUND;
            }
            final int mode = (int)st.get("mode");
            final int type = mode & S_IFMT;
            if (!last && S_IFDIR != type || last && S_IFREG != type && S_IFLNK != type)
            {
                kc.warnAt(c.at, "Wrong file type found in script path '" + filename + "'.");
                return SC_INHIBIT;
            }
            final boolean writable = (S_IFDIR == type && 0 == (mode & S_ISVTX) || S_IFREG == type) &&
                (0 != (int)st.get("gid") && 0 != (mode & S_IWGRP) || 0 != (mode & S_IWOTH));
            if (0 != (int)st.get("uid") || writable)
            {
                kc.warnAt(c.at, "Unsafe permissions found for script '" + filename + "'" +
                    (enabled ? " - disabling" : "") + ".");
                return SC_INSECURE | (enabled ? SC_INHIBIT : 0);
            }
        }
        return 0;
    }

    private static boolean isExecutable(final int mode, final int fileUid, final int fileGid, final int uid,
        final int gid)
    {
        return 0 == uid && 0 != (mode & (S_IXUSR | S_IXGRP | S_IXOTH)) ||
            uid == fileUid && 0 != (mode & S_IXUSR) ||
            uid != fileUid && (gid == fileGid && 0 != (mode & S_IXGRP) || gid != fileGid && 0 != (mode & S_IXOTH));
    }

    /** What libmagic tells keepalived: an ELF file or a #! script is executed, anything else given to sh. */
    private static boolean isBinaryOrShebang(final Path file)
    {
        try (InputStream in = Files.newInputStream(file))
        {
            final byte[] head = in.readNBytes(4);
            return head.length >= 2 && '#' == head[0] && '!' == head[1] ||
                head.length == 4 && 0x7F == head[0] && 'E' == head[1] && 'L' == head[2] && 'F' == head[3];
        }
        catch (final IOException ex)
        {
            return true;
        }
    }

    private static boolean sameFile(final Path a, final Path b)
    {
        try
        {
            return Files.exists(b) && Files.isSameFile(a, b);
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private static Map<String, Object> stat(final Path p, final boolean follow)
    {
        try
        {
            return Files.readAttributes(p, "unix:mode,uid,gid", follow ? new LinkOption[0] :
                new LinkOption[] {LinkOption.NOFOLLOW_LINKS});
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            return null;
        }
    }

    /** The PATH search of execvp (keepalived's find_path): the first executable regular file. */
    private static String findPath(final String name)
    {
        final String path = null != System.getenv("PATH") ? System.getenv("PATH") : "/bin:/usr/bin";
        for (final String dir : path.split(":"))
        {
            final Path f = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(f) && Files.isExecutable(f))
            {
                return f.toString();
            }
        }
        return null;
    }
}
