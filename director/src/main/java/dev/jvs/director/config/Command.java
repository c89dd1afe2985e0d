package dev.jvs.director.config;

import java.util.ArrayList;
import java.util.List;

/**
 * A script keepalived.conf names (notify scripts, vrrp_script, MISC_CHECK, notify_up/down, quorum_up/down), as
 * keepalived runs it: the line split into words (quotes and backslashes honoured; no shell reads it), the first
 * word found on the PATH, run as a user and group ({@code script_user}, or the line's own, or
 * {@code keepalived_script}, or the daemon's), and refused ({@link #disabled()}) when the checks of
 * {@link ScriptSecurity} say so. A disabled script is never run.
 */
public final class Command
{
    /** What kind of script, for messages: "notify", "vrrp_script", "MISC_CHECK"... */
    final String type;
    /** The line as written. */
    final String line;
    /** User and group written on the line (or with {@code user}), or null. */
    String user;
    String group;
    /** Where it is named. */
    final Position at;
    /** The words to run; the first is the executable's path once resolved. */
    final List<String> words;
    /** Whether it runs as a user other than the daemon's. */
    int uid = -1;
    int gid = -1;
    /** Run directly (an ELF file or a #! script); otherwise handed to /bin/sh as keepalived's system() does. */
    boolean direct = true;
    private String disabled;
    /** A check of the director's own (PING_CHECK), run as the daemon and not subject to the script checks. */
    final boolean internal;

    Command(final String type, final String line, final String user, final String group, final Position at,
        final boolean internal)
    {
        this.type = type;
        this.line = line;
        this.user = user;
        this.group = group;
        this.at = at;
        this.internal = internal;
        this.words = split(line);
    }

    /**
     * A command the director builds itself, run as the daemon.
     *
     * @param type what it is, for messages.
     * @param line the command line.
     * @return it.
     */
    public static Command internal(final String type, final String line)
    {
        return new Command(type, line, null, null, null, true);
    }

    /** @return the line as written in the configuration. */
    public String line()
    {
        return line;
    }

    /** @return why it is not run, or null when it is. */
    public String disabled()
    {
        return disabled;
    }

    void disable(final String why)
    {
        disabled = why;
    }

    /** @return the uid it runs as, or -1 for the daemon's. */
    public int uid()
    {
        return uid;
    }

    /**
     * The process to start: the words (and the extra arguments keepalived appends, such as
     * {@code INSTANCE name state priority}), under {@code setpriv} when it runs as another user, with the
     * supplementary groups reduced to its group as keepalived's set_script_env does.
     *
     * @param extra arguments after the configured ones.
     * @return argv.
     */
    public List<String> argv(final List<String> extra)
    {
        final List<String> cmd = new ArrayList<>();
        if (uid >= 0 && (uid != ScriptSecurity.ourUid() || gid != ScriptSecurity.ourGid()))
        {
            cmd.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--groups=" + gid, "--"));
        }
        if (!words.isEmpty() && (words.get(0).startsWith("<") || words.get(0).startsWith(">")))
        {
            // keepalived's special case: a redirection only, testing a file; the shell evaluates it.
            final StringBuilder b = new StringBuilder(words.get(0));
            for (final String w : words.subList(1, words.size()))
            {
                b.append(' ').append(quote(w));
            }
            extra.forEach(w -> b.append(' ').append(quote(w)));
            cmd.addAll(List.of("/bin/sh", "-c", b.toString()));
            return cmd;
        }
        if (!direct)
        {
            cmd.add("/bin/sh");
        }
        cmd.addAll(words);
        cmd.addAll(extra);
        return cmd;
    }

    private static String quote(final String w)
    {
        return "'" + w.replace("'", "'\\''") + "'";
    }

    /**
     * keepalived's {@code alloc_strvec_quoted_escaped}: words split at blanks, "..." and '...' quote, a
     * backslash escapes the next character.
     */
    static List<String> split(final String line)
    {
        final List<String> out = new ArrayList<>();
        final StringBuilder w = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++)
        {
            final char c = line.charAt(i);
            if ('\\' == c && i + 1 < line.length())
            {
                w.append(line.charAt(++i));
                inWord = true;
            }
            else if (0 != quote)
            {
                if (c == quote)
                {
                    quote = 0;
                }
                else
                {
                    w.append(c);
                }
            }
            else if ('"' == c || '\'' == c)
            {
                quote = c;
                inWord = true;
            }
            else if (' ' == c || '\t' == c)
            {
                if (inWord)
                {
                    out.add(w.toString());
                    w.setLength(0);
                    inWord = false;
                }
            }
            else
            {
                w.append(c);
                inWord = true;
            }
        }
        if (inWord)
        {
            out.add(w.toString());
        }
        return out;
    }

    @Override
    public String toString()
    {
        return line;
    }

    // By what runs and as whom: where it is written is not part of it (a reload compares commands).
    @Override
    public boolean equals(final Object o)
    {
        return o instanceof Command c && type.equals(c.type) && line.equals(c.line) &&
            java.util.Objects.equals(user, c.user) && java.util.Objects.equals(group, c.group) && uid == c.uid &&
            gid == c.gid && direct == c.direct && java.util.Objects.equals(disabled, c.disabled) &&
            internal == c.internal;
    }

    @Override
    public int hashCode()
    {
        return java.util.Objects.hash(type, line, uid, gid);
    }
}
