package dev.jvs.director.cli;

import dev.jvs.director.Version;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code jvs gen-docs} (hidden): jvs(8) and the bash completion, made from the command line's own model so that
 * they cannot drift from it. Run by {@code make install} and {@code make deb}.
 */
@Command(name = "gen-docs", hidden = true, description = "Write jvs(8) and the bash completion.")
public final class GenDocsCommand implements Callable<Integer>
{
    private static final String DESCRIPTION = """
        jvs is a Linux Virtual Server in user space: a layer-4 load balancer (director) that forwards TCP and UDP \
        to real servers by NAT, IP tunnelling (IPIP) or direct routing, with IPVS's schedulers, persistence, \
        firewall-mark services and connection timeouts. It reads keepalived.conf: virtual_server blocks with \
        their health checkers, vrrp_instance and vrrp_sync_group blocks for failover, lvs_sync_daemon for \
        connection sync. Frames are read from and written to memory-mapped AF_PACKET rings; the kernel's IPVS \
        module is not used.""";
    private static final String[][] SECTIONS = {
        {"SIGNALS", """
            .TP
            .B SIGHUP
            Reload the configuration: a broken file is refused (file, line and column logged) and the running \
            configuration stays; otherwise only the differences are applied. systemd's ExecReload sends it.
            .TP
            .B SIGUSR1
            Write the data dump (configuration as running, VRRP instances, real servers and their checks) to \
            keepalived.data in the --dump-dir (/tmp), as keepalived does.
            .TP
            .B SIGUSR2
            Write the VRRP statistics to keepalived.stats in the --dump-dir, in keepalived's layout.
            .TP
            .B SIGTERM\\fR, \\fBSIGINT
            Stop: VRRP masters send priority 0 (unless --dont-release-vrrp), the kernel's settings are restored, \
            exit status 0."""},
        {"FILES", """
            .TP
            .I /etc/keepalived/keepalived.conf
            The configuration (keepalived's format), unless -f names another.
            .TP
            .I /etc/default/jvs
            JVS_OPTIONS: the options of jvs run under systemd (as keepalived's KEEPALIVED_OPTIONS).
            .TP
            .I /run/jvs/net-INODE/
            Per network namespace: a lock per interface (one director per interface), the control socket \
            IFACE.sock for jvs adm, and what must be restored after a crash."""},
        {"ENVIRONMENT", """
            .TP
            .B JVS_HEAP
            The JVM's heap cap (e.g. 512m); by default 128 MiB plus 128 bytes per --capacity entry.
            .TP
            .B JVS_CRASH_DIR
            Where a JVM crash writes its hs_err file (default /var/tmp).
            .TP
            .B JVS_JAVA_OPTS
            More JVM options.
            .TP
            .B NOTIFY_SOCKET\\fR, \\fBWATCHDOG_USEC
            Set by systemd: READY=1, RELOADING=1, STOPPING=1 and watchdog pings are sent there."""},
        {"EXIT STATUS", """
            0 after a clean stop; 1 when jvs run cannot start (not root, no such interface, a broken \
            configuration, another jvs on the interface); 2 for a usage error. jvs adm exits 2 when the director \
            refuses a request."""},
        {"SEE ALSO", """
            .BR keepalived (8),
            .BR keepalived.conf (5),
            .BR ipvsadm (8)"""}};

    @Option(names = "--man", description = "write jvs(8) here")
    private Path man;

    @Option(names = "--completion", description = "write the bash completion here")
    private Path completion;

    @CommandLine.Spec
    private CommandSpec spec;

    @Override
    public Integer call() throws IOException
    {
        final CommandLine root = spec.root().commandLine();
        if (null != man)
        {
            Files.writeString(man, man(root));
        }
        if (null != completion)
        {
            Files.writeString(completion, AutoComplete.bash("jvs", root));
        }
        return 0;
    }

    /**
     * @param root the jvs command line.
     * @return jvs(8) in troff.
     */
    static String man(final CommandLine root)
    {
        final StringBuilder b = new StringBuilder();
        b.append(".TH JVS 8 \"").append(LocalDate.now()).append("\" \"jvs ").append(Version.get())
            .append("\" \"System Administration\"\n");
        b.append(".SH NAME\njvs \\- a user-space Linux Virtual Server with keepalived's configuration\n");
        b.append(".SH SYNOPSIS\n");
        root.getSubcommands().forEach((name, sub) ->
        {
            if (!sub.getCommandSpec().usageMessage().hidden() && !"help".equals(name))
            {
                b.append(".B jvs ").append(name).append("\n[\\fIOPTIONS\\fR]\n.br\n");
            }
        });
        b.append(".SH DESCRIPTION\n").append(escape(DESCRIPTION)).append('\n');
        root.getSubcommands().forEach((name, sub) ->
        {
            final CommandSpec s = sub.getCommandSpec();
            if (s.usageMessage().hidden() || "help".equals(name))
            {
                return;
            }
            b.append(".SH \"JVS ").append(name.toUpperCase(Locale.ROOT)).append("\"\n");
            for (final String d : s.usageMessage().description())
            {
                b.append(escape(d)).append("\n.PP\n");
            }
            for (final OptionSpec o : s.options())
            {
                if (o.hidden())
                {
                    continue;
                }
                b.append(".TP\n\\fB").append(escape(String.join(", ", o.names()))).append("\\fR");
                if (o.arity().max() > 0)
                {
                    b.append(" \\fI").append(escape(o.paramLabel())).append("\\fR");
                }
                b.append('\n').append(escape(String.join(" ", o.description()))).append('\n');
            }
        });
        for (final String[] section : SECTIONS)
        {
            b.append(".SH ").append(section[0]).append('\n').append(section[1].replace("-", "\\-")).append('\n');
        }
        return b.toString();
    }

    private static String escape(final String text)
    {
        final String t = text.replace("\\", "\\\\").replace("-", "\\-");
        return t.startsWith(".") || t.startsWith("'") ? "\\&" + t : t;
    }
}
