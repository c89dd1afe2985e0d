package dev.jvs.director.cli;

import dev.jvs.director.daemon.Daemon;
import dev.jvs.director.daemon.Settings;
import dev.jvs.engine.agent.IdleMode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code jvs run}: the director on its interfaces, until SIGTERM or SIGINT. */
@Command(
    name = "run",
    versionProvider = dev.jvs.director.Version.class,
    description = {
        "Run the director for the configuration's virtual services on its interfaces.",
        "Exit status: 0 after SIGTERM/SIGINT, 1 when it cannot start (not root, no interface, bad config)."})
public final class RunCommand implements Runnable
{
    @Option(names = {"-f", "--use-file", "--config"}, defaultValue = "/etc/keepalived/keepalived.conf",
        description = "keepalived.conf (default ${DEFAULT-VALUE}, as keepalived's)")
    private Path config;

    // Not picocli's standard help options: keepalived's -V is --dont-release-vrrp, its version flag is -v.
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    private boolean help;

    @Option(names = {"-v", "--version"}, versionHelp = true, description = "Print version information and exit.")
    private boolean version;

    @Option(names = {"-P", "--vrrp"}, description = "VRRP alone, as keepalived -P: the virtual servers and their " +
        "checkers are not loaded, and the VRRP addresses go on the interfaces (--vip-mode kernel)")
    private boolean vrrpOnly;

    @Option(names = {"-C", "--check"}, description = "the virtual servers and checkers alone, as keepalived -C: no " +
        "VRRP instance runs, so the director forwards as the only one (with -P too: both, as keepalived)")
    private boolean checkOnly;

    @Option(names = {"-V", "--dont-release-vrrp"},
        description = "at stop, send no priority 0 advertisement and leave the VRRP addresses in place")
    private boolean dontReleaseVrrp;

    @Option(names = {"-I", "--dont-release-ipvs"},
        description = "accepted for keepalived's command lines; jvs's forwarding is the process and ends with it")
    private boolean dontReleaseIpvs;

    @Option(names = {"-d", "--dump-conf"}, description = "log the configuration as loaded, at start")
    private boolean dumpConf;

    @Option(names = {"-D", "--log-detail"}, description = "accepted for keepalived's command lines: jvs always logs " +
        "checker results with their reason, VRRP transitions with their cause and reloads with what changed")
    private boolean logDetail;

    @Option(names = {"-l", "--log-console"},
        description = "accepted for keepalived's command lines: jvs always logs to stdout (journald under systemd)")
    private boolean logConsole;

    @Option(names = {"-n", "--dont-fork"},
        description = "accepted for keepalived's command lines: jvs never forks (systemd's Type=notify)")
    private boolean dontFork;

    @Option(names = {"-p", "--pid"}, description = "write the process id to this file (refused while another live " +
        "jvs owns it); removed at stop")
    private Path pidFile;

    @Option(names = "--vs-sysctl", paramLabel = "NAME=VALUE", converter = VsSysctlConverter.class,
        description = "an IPVS sysctl (net.ipv4.vs.NAME), repeatable: sloppy_tcp, expire_nodest_conn, " +
            "expire_quiescent_template, secure_tcp (3: always), pmtu_disc; the kernel's defaults otherwise")
    private java.util.List<java.util.Map.Entry<String, Integer>> vsSysctls = new java.util.ArrayList<>();

    @Option(names = "--announce-table", paramLabel = "N", defaultValue = "0",
        description = "announce the VIPs it can serve (quorum up; with VRRP, as master) as /32 routes in kernel " +
            "routing table N, through a device of its own, for the host's BGP daemon to export (BIRD: protocol " +
            "kernel { learn; kernel table N; }); a crash takes the routes with it. 0: none (default)")
    private long announceTable;

    @Option(names = "--announce-drain", paramLabel = "SECONDS", defaultValue = "3",
        description = "at a graceful stop, keep forwarding this long after withdrawing the VIPs (default " +
            "${DEFAULT-VALUE})")
    private double announceDrain;

    @Option(names = "--control",
        description = "Control socket for jvs adm (root only, 0600); 'none' for none. Default: /run/jvs/IFACE.sock.")
    private String control;

    @Option(names = "--metrics", description = "Serve Prometheus metrics at http://ADDR:PORT/metrics.")
    private String metrics;

    @Option(names = {"-i", "--interface"},
        description = "an interface to serve, repeatable; the first is where clients reach the VIPs. Default: every " +
            "interface the configuration names (VRRP instances, virtual_ipaddress dev, lvs_sync_daemon) and those " +
            "the routes to its VIPs and real servers leave by")
    private java.util.List<String> ifaces = new java.util.ArrayList<>();

    @Option(names = "--director-ip", description = "outer source of IPIP (default: the interface's first IPv4)")
    private String directorIp;

    @Option(names = "--capacity", defaultValue = "1000000", description = "connection table size")
    private int capacity;

    @Option(names = "--ring-frames", defaultValue = "32768",
        description = "receive ring slots of 2 KiB (default ${DEFAULT-VALUE}: 64 MiB absorbs bursts at full rate)")
    private int ringFrames;

    @Option(names = "--ring", defaultValue = "v2", converter = RingConverter.class,
        description = "receive ring: v2 (a frame at a time, default) or v3 (blocks of --block-size, 1 ms retire timer)")
    private Settings.RingVersion ring;

    @Option(names = "--tx", defaultValue = "ring", converter = TxConverter.class,
        description = "transmit through a TPACKET_V2 TX ring kicked by one sendto per batch (ring, default) or " +
            "with one sendmmsg per batch (sendmmsg)")
    private Settings.TxMode tx;

    @Option(names = "--block-size", defaultValue = "16384", description = "TPACKET_V3 block size")
    private int blockSize;

    @Option(names = "--io", defaultValue = "afpacket", converter = IoConverter.class,
        description = "packet I/O: afpacket (mapped ring, default) or pcap (libpcap, portable and slower)")
    private Settings.Io io;

    @Option(names = "--vip-mode", defaultValue = "engine", converter = VipModeConverter.class,
        description = "who answers ARP for the VIPs: engine (jvs's ARP responder, default) or kernel (VIPs added as " +
            "addresses of the interface; the nftables drops keep the kernel out of their traffic)")
    private Settings.VipMode vipMode;

    @Option(names = "--pipeline",
        description = "capture, forward and transmit on three threads joined by ring buffers (default: one thread)")
    private boolean pipelined;

    @Option(names = "--workers", defaultValue = "1",
        description = "forwarding threads sharing the interface through a PACKET_FANOUT group that keeps each " +
            "client (masked by the coarsest persistence granularity) on one worker; --capacity is split among them")
    private int workers;

    @Option(names = "--nice", defaultValue = "0",
        description = "nice value of the forwarding threads, -20..19 (keepalived's process_priority)")
    private int nice;

    @Option(names = "--rt-priority", defaultValue = "0",
        description = "run the forwarding threads SCHED_FIFO at this priority, 1..99 (keepalived's " +
            "vrrp_rt_priority for the data plane): a frame's wake-up preempts the other processes; not with --idle spin")
    private int rtPriority;

    @Option(names = "--cpus", split = ",",
        description = "pin worker i to the i-th of these CPUs (round robin when fewer), e.g. --cpus 2,3; the " +
            "conductor and the control plane's other threads stay unpinned")
    private int[] cpus;

    @Option(names = "--idle", defaultValue = "poll", converter = IdleConverter.class,
        description = "when no frame is ready: poll (sleep in poll(2), default), backoff (spin, yield, then poll), spin")
    private IdleMode idle;

    @Option(names = {"-S", "--log-facility"},
        description = "also log to syslog with this facility, as keepalived -S: 0..7 for local0..local7, or daemon")
    private String logFacility;

    @Option(names = "--syslog-socket", defaultValue = "/dev/log", hidden = true, description = "the syslog socket")
    private String syslogSocket;

    @Option(names = "--dump-dir", defaultValue = "/tmp",
        description = "where SIGUSR1 writes keepalived.data and SIGUSR2 keepalived.stats, as keepalived does " +
            "(default ${DEFAULT-VALUE})")
    private Path dumpDir;

    private int exit;

    @Override
    public void run()
    {
        // keepalived's VRRP process puts the addresses on the interfaces; so does jvs -P, with nothing to forward.
        final Settings.VipMode vips = vrrpOnly && !checkOnly ? Settings.VipMode.KERNEL : vipMode;
        exit = new Daemon(new Settings(config, java.util.List.copyOf(ifaces), directorIp, control, metrics, capacity,
            ringFrames, ring, tx, blockSize, io, vips, pipelined, workers, nice, rtPriority, cpus, idle, logFacility,
            syslogSocket, dumpDir, new Settings.Flags(vrrpOnly, checkOnly, dontReleaseVrrp, dontReleaseIpvs, dumpConf,
            pidFile), vsSysctls.stream().collect(java.util.stream.Collectors.toMap(java.util.Map.Entry::getKey,
            java.util.Map.Entry::getValue, (a, b) -> b)), new Settings.Announce(announceTable,
            Math.round(announceDrain * 1000)))).run();
    }

    /** @return the daemon's exit status. */
    public int exitCode()
    {
        return exit;
    }

    /**
     * A value no converter takes is a refusal like any other: {@code jvs run: SENTENCE} and status 1 (picocli's
     * own usage errors keep their status 2).
     *
     * @param ex the parse error.
     * @return the status, or -1 when picocli's handler should take it.
     */
    public static int refuse(final CommandLine.ParameterException ex)
    {
        if (ex.getCommandLine().getCommand() instanceof RunCommand && ex.getCause() instanceof OptionValue)
        {
            System.err.println("jvs run: " + ex.getCause().getMessage());
            return 1;
        }
        return -1;
    }

    /** A bad option value, in the daemon's words. */
    static final class OptionValue extends CommandLine.TypeConversionException
    {
        private static final long serialVersionUID = 1L;

        OptionValue(final String message)
        {
            super(message);
        }
    }

    private static <T> T convert(final java.util.function.Function<String, T> parse, final String value)
    {
        try
        {
            return parse.apply(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new OptionValue(ex.getMessage());
        }
    }

    static final class RingConverter implements CommandLine.ITypeConverter<Settings.RingVersion>
    {
        @Override
        public Settings.RingVersion convert(final String value)
        {
            return RunCommand.convert(Settings.RingVersion::parse, value);
        }
    }

    static final class TxConverter implements CommandLine.ITypeConverter<Settings.TxMode>
    {
        @Override
        public Settings.TxMode convert(final String value)
        {
            return RunCommand.convert(Settings.TxMode::parse, value);
        }
    }

    static final class IoConverter implements CommandLine.ITypeConverter<Settings.Io>
    {
        @Override
        public Settings.Io convert(final String value)
        {
            return RunCommand.convert(Settings.Io::parse, value);
        }
    }

    static final class VipModeConverter implements CommandLine.ITypeConverter<Settings.VipMode>
    {
        @Override
        public Settings.VipMode convert(final String value)
        {
            return RunCommand.convert(Settings.VipMode::parse, value);
        }
    }

    static final class VsSysctlConverter implements CommandLine.ITypeConverter<java.util.Map.Entry<String, Integer>>
    {
        @Override
        public java.util.Map.Entry<String, Integer> convert(final String value)
        {
            return RunCommand.convert(Settings::vsSysctl, value);
        }
    }

    static final class IdleConverter implements CommandLine.ITypeConverter<IdleMode>
    {
        @Override
        public IdleMode convert(final String value)
        {
            return RunCommand.convert(IdleMode::parse, value);
        }
    }
}
