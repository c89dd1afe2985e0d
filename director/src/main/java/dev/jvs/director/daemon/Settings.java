package dev.jvs.director.daemon;

import dev.jvs.director.config.ConfigException;
import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.director.config.RealServer;
import dev.jvs.director.config.VirtualServer;
import dev.jvs.director.config.VrrpConfig;
import dev.jvs.engine.agent.IdleMode;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What {@code jvs run} was asked to do, typed: the command line parses into this, and the daemon is built
 * from it and the configuration alone.
 *
 * @param config keepalived.conf.
 * @param ifaces the interfaces to serve, port 0 first (clients reach the VIPs there); empty: those the
 *     configuration names.
 * @param directorIp the outer source of IPIP, or null for the interface's first address.
 * @param control the control socket's path, "none", or null for /run/jvs/IFACE.sock.
 * @param metrics ADDR:PORT of the metrics endpoint, or null.
 * @param capacity connection table size (split among the workers).
 * @param ringFrames receive ring slots of 2 KiB.
 * @param ring the receive ring's version.
 * @param tx how frames are sent.
 * @param blockSize the TPACKET_V3 block size.
 * @param io the packet I/O.
 * @param vipMode who answers ARP for the VIPs.
 * @param pipelined capture, forward and transmit on three threads.
 * @param workers forwarding threads.
 * @param nice the workers' nice value.
 * @param rtPriority SCHED_FIFO priority of the workers, 0 for none.
 * @param cpus CPUs to pin worker i to (round robin), or null.
 * @param idle what an idle agent does.
 * @param logFacility syslog facility, or null.
 * @param syslogSocket the syslog socket.
 * @param dumpDir where SIGUSR1 and SIGUSR2 write keepalived.data and keepalived.stats.
 * @param flags keepalived's daemon flags.
 * @param vsSysctls IPVS's sysctls (net.ipv4.vs.NAME) by NAME, as --vs-sysctl set them.
 * @param announce the VIPs' announcement to the routers (table 0: none).
 */
public record Settings(Path config, java.util.List<String> ifaces, String directorIp, String control, String metrics, int capacity,
    int ringFrames, RingVersion ring, TxMode tx, int blockSize, Io io, VipMode vipMode, boolean pipelined,
    int workers, int nice, int rtPriority, int[] cpus, IdleMode idle, String logFacility, String syslogSocket, Path dumpDir,
    Flags flags, java.util.Map<String, Integer> vsSysctls, Announce announce)
{
    /**
     * --announce-table and --announce-drain: the VIPs this director can serve, as /32 routes in a kernel table the
     * host's BGP daemon exports ({@link Announcer}).
     *
     * @param table the kernel routing table, 1..4294967295 but the main and local ones; 0 for no announcement.
     * @param drainMs how long a graceful stop keeps forwarding after the withdrawal.
     */
    public record Announce(long table, long drainMs)
    {
        /** No announcement. */
        public static final Announce NONE = new Announce(0, 0);
    }

    /** The net.ipv4.vs sysctls jvs has, with their ranges (Documentation/networking/ipvs-sysctl.rst). */
    private static final java.util.Map<String, int[]> VS_SYSCTLS = java.util.Map.of(
        "sloppy_tcp", new int[] {0, 1}, "expire_nodest_conn", new int[] {0, 1},
        "expire_quiescent_template", new int[] {0, 1}, "secure_tcp", new int[] {0, 3}, "pmtu_disc", new int[] {0, 1});

    /**
     * Parse {@code --vs-sysctl NAME=VALUE} (or {@code net.ipv4.vs.NAME=VALUE}, as sysctl.conf writes it).
     *
     * @param spec the option's value.
     * @return the name (without net.ipv4.vs.) and the value.
     */
    public static java.util.Map.Entry<String, Integer> vsSysctl(final String spec)
    {
        final int eq = spec.indexOf('=');
        final String name = (eq < 0 ? spec : spec.substring(0, eq)).trim().replaceFirst("^net[./]ipv4[./]vs[./]", "");
        final int[] range = VS_SYSCTLS.get(name);
        if (null == range)
        {
            throw new IllegalArgumentException("--vs-sysctl: net.ipv4.vs." + name + " is not one jvs has (" +
                String.join(", ", new java.util.TreeSet<>(VS_SYSCTLS.keySet())) + ")");
        }
        try
        {
            final int v = Integer.parseInt(eq < 0 ? "" : spec.substring(eq + 1).trim());
            if (v < range[0] || v > range[1])
            {
                throw new NumberFormatException();
            }
            return java.util.Map.entry(name, v);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("--vs-sysctl: net.ipv4.vs." + name + " takes " + range[0] + ".." +
                range[1] + ", not " + (eq < 0 ? "nothing" : spec.substring(eq + 1)));
        }
    }

    /**
     * keepalived's daemon flags that mean something here ({@code -P -C -V -I -d -p}); the others it takes
     * ({@code -D -l -n}) describe what jvs always does.
     *
     * @param vrrpOnly {@code -P}: VRRP alone; the virtual servers and their checkers are not loaded, and the
     *     VRRP addresses go on the interfaces (as keepalived's VRRP process adds them).
     * @param checkOnly {@code -C}: the virtual servers and checkers alone; no VRRP instance runs, so the director
     *     forwards as the one director.
     * @param dontReleaseVrrp {@code -V}: at stop, no priority 0 advertisement and the VRRP addresses stay.
     * @param dontReleaseIpvs {@code -I}: accepted; the forwarding is the process, nothing stays after it.
     * @param dumpConf {@code -d}: log the configuration as loaded at start.
     * @param pidFile {@code -p}: the process's pid file, or null.
     */
    public record Flags(boolean vrrpOnly, boolean checkOnly, boolean dontReleaseVrrp, boolean dontReleaseIpvs,
        boolean dumpConf, Path pidFile)
    {
        /** No flag. */
        public static final Flags NONE = new Flags(false, false, false, false, false, null);

        /** @return true when the virtual servers are loaded (keepalived -P alone leaves them out). */
        public boolean loadsVirtualServers()
        {
            return !vrrpOnly || checkOnly;
        }

        /** @return true when VRRP runs (keepalived -C alone leaves it out). */
        public boolean runsVrrp()
        {
            return !checkOnly || vrrpOnly;
        }
    }

    /**
     * N directors behind ECMP carry DR and TUN only: a NAT reply must come back through the director that holds
     * its flow, which ECMP does not promise (the router hashes the real server's reply as a new flow).
     *
     * @param kc the configuration.
     * @throws IllegalArgumentException naming the first NAT real server, when announcing.
     */
    public void refuseNatWhenAnnouncing(final KeepalivedConfig kc)
    {
        if (0 == announce.table())
        {
            return;
        }
        for (final VirtualServer vs : kc.virtualServers)
        {
            for (final RealServer rs : vs.realServers())
            {
                if (dev.jvs.engine.Method.NAT == (rs.method() < 0 ? vs.method() : rs.method()))
                {
                    throw new IllegalArgumentException("--announce-table: virtual server " + vs.name() +
                        " forwards to " + rs.address().withPort(rs.port()) + " by NAT, " +
                        "whose replies must return through the director that has the flow, which ECMP does not " +
                        "promise: use DR or TUN behind several directors");
                }
            }
        }
    }

    /**
     * Read the configuration, less what the flags leave out ({@code -P}: the virtual servers, {@code -C}: the VRRP
     * instances), as at start so at every reload.
     *
     * @return the configuration.
     * @throws ConfigException when it is broken.
     */
    public KeepalivedConfig loadConfig() throws ConfigException
    {
        final KeepalivedConfig kc = KeepalivedConfig.load(config);
        if (!flags.loadsVirtualServers())
        {
            kc.virtualServers = List.of();
            kc.groups.clear();
            kc.markRules.clear();
        }
        if (!flags.runsVrrp())
        {
            // keepalived's VRRP process runs the sync daemon: with it gone, so is the sync.
            final VrrpConfig v = kc.vrrp;
            kc.vrrp = new VrrpConfig(List.of(), Map.of(), v.groupNotify(), v.trackFiles(), v.trackProcesses(),
                v.scripts(), null);
        }
        return kc;
    }

    /** --io. */
    public enum Io
    {
        /** A memory-mapped AF_PACKET ring. */
        AFPACKET,
        /** libpcap, portable and slower. */
        PCAP;

        /**
         * @param name the option's value.
         * @return the value.
         */
        public static Io parse(final String name)
        {
            return switch (name)
            {
                case "afpacket" -> AFPACKET;
                case "pcap" -> PCAP;
                default -> throw new IllegalArgumentException("--io must be afpacket or pcap, not " + name);
            };
        }
    }

    /** --ring. */
    public enum RingVersion
    {
        /** TPACKET_V2: a frame at a time. */
        V2,
        /** TPACKET_V3: blocks with a retire timer. */
        V3;

        /**
         * @param name the option's value.
         * @return the value.
         */
        public static RingVersion parse(final String name)
        {
            return switch (name)
            {
                case "v2" -> V2;
                case "v3" -> V3;
                default -> throw new IllegalArgumentException("--ring must be v2 or v3, not " + name);
            };
        }
    }

    /** --tx. */
    public enum TxMode
    {
        /** A TPACKET_V2 TX ring kicked by one sendto per batch. */
        RING,
        /** One sendmmsg per batch. */
        SENDMMSG;

        /**
         * @param name the option's value.
         * @return the value.
         */
        public static TxMode parse(final String name)
        {
            return switch (name)
            {
                case "ring" -> RING;
                case "sendmmsg" -> SENDMMSG;
                default -> throw new IllegalArgumentException("--tx must be sendmmsg or ring, not " + name);
            };
        }
    }

    /** --vip-mode. */
    public enum VipMode
    {
        /** jvs answers ARP for the VIPs. */
        ENGINE,
        /** The VIPs are addresses of the interface. */
        KERNEL;

        /**
         * @param name the option's value.
         * @return the value.
         */
        public static VipMode parse(final String name)
        {
            return switch (name)
            {
                case "engine" -> ENGINE;
                case "kernel" -> KERNEL;
                default -> throw new IllegalArgumentException("--vip-mode must be engine or kernel, not " + name);
            };
        }
    }

    /** @return why these settings cannot run together, or null. */
    public String conflict()
    {
        final long t = announce.table();
        if (t < 0 || t > 0xFFFFFFFFL || 253 <= t && t <= 255)
        {
            return "--announce-table must be a routing table 1..4294967295 other than 253-255 (default, main, local), " +
                "not " + announce.table();
        }
        if (announce.drainMs() < 0 || announce.drainMs() > 3_600_000)
        {
            return "--announce-drain must be 0 to 3600 seconds";
        }
        if (rtPriority < 0 || rtPriority > 99 || rtPriority > 0 && IdleMode.SPIN == idle)
        {
            return "--rt-priority must be 0 to 99, and not with --idle spin (a spinning real-time thread takes its " +
                "core from everything else)";
        }
        if (null != cpus && Arrays.stream(cpus).anyMatch(c -> c < 0 || c > 1023))
        {
            return "--cpus takes CPU numbers 0 to 1023";
        }
        if (workers < 1 || workers > 64)
        {
            return "--workers must be 1 to 64, not " + workers;
        }
        if (workers > 1 && (pipelined || Io.AFPACKET != io))
        {
            return "--workers above 1 needs --io afpacket without --pipeline (the fanout group is made of " +
                "AF_PACKET sockets)";
        }
        if (pipelined && Io.AFPACKET != io)
        {
            return "--pipeline needs --io afpacket (a pcap handle is not shared by threads)";
        }
        return null;
    }

    /**
     * @param firstPort the name of port 0.
     * @return the control socket's path (by default in this network namespace's run directory), or null.
     */
    public Path controlPath(final String firstPort)
    {
        return "none".equals(control) ? null : null != control ? Path.of(control) :
            RunDir.here().resolve(firstPort + ".sock");
    }
}
