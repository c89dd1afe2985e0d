package dev.jvs.director.config;

import dev.jvs.engine.frame.Ipv4;
import dev.jvs.vrrp.InstanceConfig;
import dev.jvs.vrrp.VrrpPacket;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The high-availability part of keepalived.conf: {@code global_defs}, {@code vrrp_instance},
 * {@code vrrp_sync_group}, {@code vrrp_script} and {@code lvs_sync_daemon}, read with keepalived's defaults.
 * Keywords keepalived knows and jvs does not act on are warned about with their position; real errors
 * (a missing virtual_router_id or interface, a priority out of range, a bad address, AH authentication) stop
 * the load with file:line:column.
 */
public final class VrrpConfig
{
    /** A vrrp_instance: the state machine's configuration plus what the director does around it. */
    public static final class Instance
    {
        /** Where it is declared. */
        public Position at;
        /** For the state machine. */
        public final InstanceConfig cfg = new InstanceConfig();
        /** notify_master, notify_backup, notify_fault, notify_stop, notify (null: none). */
        public Command notifyMaster;
        /** See {@link #notifyMaster}. */
        public Command notifyBackup;
        /** See {@link #notifyMaster}. */
        public Command notifyFault;
        /** See {@link #notifyMaster}. */
        public Command notifyStop;
        /** Called with "INSTANCE" name state priority. */
        public Command notify;
        /** track_interface: interface to weight (0: FAULT when down). */
        public final Map<String, Integer> trackInterfaces = new LinkedHashMap<>();
        /** track_script: script name to weight override (null: the script's own). */
        public final Map<String, Integer> trackScripts = new LinkedHashMap<>();
        /** smtp_alert: mail on this instance's transitions. */
        public boolean smtpAlert;
        /** track_file: file name to weight override (null: the file's own) and reverse. */
        public final Map<String, int[]> trackFilesUsed = new LinkedHashMap<>();
        /** track_process: name to {weight, reverse}, or null for the process block's own. */
        public final Map<String, int[]> trackProcessesUsed = new LinkedHashMap<>();
        /** Where each tracked script is named, for errors. */
        final Map<String, Position> trackScriptAt = new LinkedHashMap<>();
        /** strict_mode (or global vrrp_strict): RFC conformance keepalived enforces by changing the config. */
        public boolean strict;
        /** Whether priority and state were written (keepalived derives each from the other). */
        boolean prioritySet;
        boolean stateSet;
        /** Set by keywords, resolved against the globals and strict mode by {@code complete}. */
        Boolean lowerPrioNoAdvert;
        Boolean higherPrioSendAdvert;
        Integer garpLowerPrioRepeat;
        /** The authentication block and advert_int as written, completed once the whole file is read. */
        Statement auth;
        long advertMs = 1_000;
        final List<Statement> vipLines = new ArrayList<>();
        /** virtual_ipaddress's {@code dev}: the interface an address lives on, when not the instance's. */
        public final Map<Integer, String> devices = new LinkedHashMap<>();
        /** While the block is read: virtual_ipaddress, virtual_ipaddress_excluded, unicast_peer. */
        final List<Integer> addressList = new ArrayList<>();
        final List<Integer> excludedList = new ArrayList<>();
        final List<Integer> peerList = new ArrayList<>();
    }

    /** What a vrrp_instance keyword works in: this VRRP configuration and the file it is part of. */
    private record Reading(VrrpConfig vrrp, KeepalivedConfig kc)
    {
    }

    /** A vrrp_script. */
    public static final class Script
    {
        /** Its name. */
        public String name;
        /** The command line. */
        public Command script;
        /** Seconds between runs (keepalived default 1). */
        public long intervalMs = 1_000;
        /** How long a run may take (default: the interval). */
        public long timeoutMs;
        /** Priority change while it succeeds (weight &gt; 0) or while it fails (weight &lt; 0); 0: FAULT. */
        public int weight;
        /** weight ... reverse. */
        public boolean reverse;
        /** Successes before it counts as up (default 1). */
        public int rise = 1;
        /** Failures before it counts as down (default 1). */
        public int fall = 1;
        /** Start failed rather than up. */
        public boolean initFail;
    }

    /** A track_file (vrrp_track_file): a number in a file, times a weight, added to priorities. */
    public static final class TrackFile
    {
        /** Its name. */
        public String name;
        /** The file. */
        public Path file;
        /** Default weight (keepalived's default 1). */
        public int weight = 1;
        /** weight ... reverse. */
        public boolean reverse;
        /** init_file VALUE, or null for none. */
        public String initValue;
        /** init_file ... overwrite. */
        public boolean overwrite;

        /** @return the number in the file; anything else (or no file) counts as 0, as in keepalived. */
        public long value()
        {
            try
            {
                return Long.parseLong(java.nio.file.Files.readString(file).strip().split("\\s+")[0]);
            }
            catch (final java.io.IOException | NumberFormatException | ArrayIndexOutOfBoundsException ex)
            {
                return 0;
            }
        }
    }

    /**
     * A vrrp_track_process: how many processes match a command, against a quorum. The name is matched with
     * /proc/PID/comm, or with the command line (argv[0] and the parameters) when parameters are given or
     * full_command is set; zombies do not count.
     */
    public static final class TrackProcess
    {
        /** Its name. */
        public String name;
        /** process NAME [PARAM ...]. */
        public List<String> command = List.of();
        /** param_match: null (all parameters, exactly), "partial" (the first ones) or "initial" (the last a prefix). */
        public String paramMatch;
        /** Default weight (keepalived's default 1). */
        public int weight = 1;
        /** weight ... reverse. */
        public boolean reverse;
        /** Fewest matching processes for success. */
        public int quorum = 1;
        /** Most matching processes for success. */
        public int quorumMax = 65535;
        /** Wait after the quorum is gained before counting it up. */
        public long forkDelayMs;
        /** Wait after the quorum is lost before counting it down. */
        public long terminateDelayMs;
        /** Match the command line even without parameters. */
        public boolean fullCommand;

        /**
         * @param comm the process's /proc/PID/comm.
         * @param argv its command line, split at NULs.
         * @return whether it is one of the tracked processes.
         */
        public boolean matches(final String comm, final List<String> argv)
        {
            final List<String> params = command.subList(1, command.size());
            if (!fullCommand && params.isEmpty() && null == paramMatch)
            {
                return command.get(0).equals(comm);
            }
            if (argv.isEmpty() || !command.get(0).equals(argv.get(0)))
            {
                return false;
            }
            final List<String> have = argv.subList(1, argv.size());
            if (null == paramMatch)
            {
                // full_command alone: any parameters; parameters given: exactly those.
                return params.isEmpty() || have.equals(params);
            }
            if (params.isEmpty())
            {
                return have.isEmpty();
            }
            if (have.size() < params.size())
            {
                return false;
            }
            for (int i = 0; i < params.size(); i++)
            {
                final boolean prefix = i == params.size() - 1 && "initial".equals(paramMatch);
                if (!(prefix ? have.get(i).startsWith(params.get(i)) : have.get(i).equals(params.get(i))))
                {
                    return false;
                }
            }
            return true;
        }
    }

    /** lvs_sync_daemon IFACE INSTANCE [id N] [maxlen N] [port N] [ttl N] [group ADDR]. */
    public static final class SyncDaemon
    {
        /** Interface it sends and receives on. */
        public String iface;
        /** The VRRP instance whose state decides master (send) or backup (receive). */
        public String instance;
        /** syncid: only messages with this id are accepted (0 accepts any). */
        public int syncId;
        /** Largest message (IPVS: the interface MTU minus headers). */
        public int maxLen;
        /** UDP port (IPVS default 8848). */
        public int port = 8848;
        /** TTL of sent messages (IPVS default 1). */
        public int ttl = 1;
        /** Multicast group (IPVS default 224.0.0.81). */
        public int group = 0xE0000051;
        /** Where it is declared. */
        Position at;
    }

    /** The instances, in declaration order. */
    public final List<Instance> instances = new ArrayList<>();
    /** Sync groups: name to member instance names. */
    public final Map<String, List<String>> syncGroups = new LinkedHashMap<>();
    /** A sync group's notify scripts by keyword (notify_master, notify_backup, notify_fault, notify_stop, notify). */
    public final Map<String, Map<String, Command>> groupNotify = new LinkedHashMap<>();
    /** enable_script_security: unsafe scripts are refused instead of warned about. */
    public boolean scriptSecurity;
    /** script_user USER [GROUP], or null; and where it is written. */
    String[] scriptUser;
    Position scriptUserAt;
    /** Track files by name. */
    public final Map<String, TrackFile> trackFiles = new LinkedHashMap<>();
    /** vrrp_track_process blocks by name. */
    public final Map<String, TrackProcess> trackProcesses = new LinkedHashMap<>();
    /** Scripts by name. */
    public final Map<String, Script> scripts = new LinkedHashMap<>();
    /** lvs_sync_daemon, or null. */
    public SyncDaemon syncDaemon;
    /** global_defs router_id, or null. */
    public String routerId;
    /** global_defs lvs_timeouts: {tcp, tcpfin, udp} seconds, 0 where not given (ipvsadm --set). */
    public final int[] lvsTimeouts = new int[3];
    /** notification_email: where smtp_alert mails go. */
    public final List<String> notificationEmails = new ArrayList<>();
    /** notification_email_from (keepalived's default: keepalived@HOSTNAME). */
    public String notificationFrom;
    /** smtp_server address, 0 for none. */
    public int smtpServer;
    /** smtp_server port (default 25). */
    public int smtpPort = 25;
    /** smtp_connect_timeout in ms (keepalived's default 30 s). */
    public long smtpConnectTimeoutMs = 30_000;
    /** smtp_helo_name (default: the host name). */
    public String smtpHeloName;
    /** global smtp_alert: mail on every checker and VRRP transition. */
    public boolean smtpAlert;
    /** smtp_alert_checker (global): mail on checker transitions. */
    public boolean smtpAlertChecker;
    /** smtp_alert_vrrp (global): mail on VRRP transitions. */
    public boolean smtpAlertVrrp;

    /**
     * global_defs keywords that change what keepalived does and that jvs does not do: said in a warning rather
     * than passed over (scripts run as jvs's own user, no strict mode, no startup/shutdown scripts or fifos).
     */
    static final Set<String> GLOBAL_NOT_ACTED = Set.of(
        "startup_script", "shutdown_script",
        "vrrp_notify_fifo", "vrrp_notify_fifo_script", "notify_fifo", "notify_fifo_script", "max_auto_priority",
        "vrrp_priority", "checker_priority", "vrrp_skip_check_adv_addr");
    /** global_defs keywords that only matter to a part of keepalived jvs does not have (mail, SNMP, DBus...). */
    static final Set<String> GLOBAL_ACCEPTED = Set.of(
        "script_user", "enable_script_security", "max_auto_priority", "vrrp_no_swap", "checker_no_swap",
        "vrrp_priority", "checker_priority", "vrrp_rlimit_rttime", "checker_rlimit_rttime", "dynamic_interfaces",
        "vrrp_skip_check_adv_addr", "vrrp_strict", "enable_snmp_vrrp",
        "enable_snmp_checker", "enable_snmp_rfc", "enable_dbus", "lvs_flush", "lvs_flush_onstop",
        "vrrp_iptables", "vrrp_ipsets", "nftables", "nftables_priority", "nftables_ifindex", "nftables_counters",
        "process_names", "process_name", "vrrp_process_name", "checker_process_name", "use_pid_dir",
        "startup_script", "startup_script_timeout", "shutdown_script", "shutdown_script_timeout",
        "default_interface", "vrrp_notify_fifo", "vrrp_notify_fifo_script", "notify_fifo", "notify_fifo_script",
        "vrrp_lower_prio_no_advert", "vrrp_higher_prio_send_advert", "vrrp_garp_interval",
        "vrrp_gna_interval", "vrrp_garp_lower_prio_delay", "vrrp_garp_lower_prio_repeat", "vrrp_min_garp",
        "vrrp_startup_delay", "vrrp_netlink_cmd_rcv_bufs", "vrrp_netlink_monitor_rcv_bufs",
        "lvs_netlink_cmd_rcv_bufs", "lvs_netlink_monitor_rcv_bufs", "linkbeat_use_polling", "router_id");
    /** vrrp_instance keywords jvs accepts and does not act on (they tune kernel features jvs replaces). */
    private static final Set<String> INSTANCE_ACCEPTED = Set.of(
        "debug", "accept", "no_accept", "skip_check_adv_addr",
        "kernel_rx_buf_size", "unicast_ttl", "garp_interval", "gna_interval",
        "garp_lower_prio_delay", "virtual_routes", "virtual_rules", "notify_master_rx_lower_pri",
        "native_ipv6", "linkbeat_use_polling");

    /**
     * Read the VRRP part of a configuration's top-level statements.
     *
     * @param top the statements.
     * @param kc the configuration being built (for warnings).
     * @return the VRRP part.
     * @throws ConfigException at the first error.
     */
    static VrrpConfig read(final List<Statement> top, final KeepalivedConfig kc) throws ConfigException
    {
        final VrrpConfig v = new VrrpConfig();
        final Defaults d = new Defaults();
        for (final Statement s : top)
        {
            if ("global_defs".equals(s.keyword()))
            {
                v.globals(s, kc, d);
            }
        }
        for (final Statement s : top)
        {
            switch (s.keyword())
            {
                case "vrrp_instance" -> v.instance(s, kc, d);
                case "vrrp_script" -> v.script(s, kc);
                case "track_file", "vrrp_track_file" -> v.trackFile(s, kc);
                case "vrrp_track_process" -> v.trackProcess(s, kc);
                case "vrrp_sync_group" -> v.syncGroup(s, kc);
                default ->
                {
                }
            }
        }
        v.validate(kc, d);
        return v;
    }

    /** global_defs values that are defaults of every instance. */
    private static final class Defaults
    {
        int version = 2;
        long garpDelayMs = 5_000;
        int garpRepeat = 5;
        long garpRefreshMs;
        int garpRefreshRepeat = 1;
        boolean checkUnicastSource;
        boolean strict;
        boolean lowerPrioNoAdvert;
        boolean higherPrioSendAdvert;
        /** vrrp_garp_lower_prio_repeat; unset: vrrp_garp_master_repeat, as keepalived defaults it. */
        Integer garpLowerPrioRepeat;
    }

    /** lvs_timeouts [tcp SECS] [tcpfin SECS] [udp SECS], as ipvsadm --set (the kernel's range, 1 s to 24 days). */
    private void lvsTimeouts(final Statement k) throws ConfigException
    {
        final List<String> a = k.args();
        if (a.isEmpty() || 0 != a.size() % 2)
        {
            throw new ConfigException(k.at(), "lvs_timeouts takes pairs: tcp SECS, tcpfin SECS, udp SECS");
        }
        for (int i = 0; i < a.size(); i += 2)
        {
            final int slot = switch (a.get(i))
            {
                case "tcp" -> 0;
                case "tcpfin" -> 1;
                case "udp" -> 2;
                default -> throw new ConfigException(k.at(), "lvs_timeouts: '" + a.get(i) +
                    "' is not tcp, tcpfin or udp");
            };
            lvsTimeouts[slot] = (int)KeepalivedConfig.number(k, i + 1, 1, 2_073_600, "lvs_timeouts " + a.get(i));
        }
    }

    private void globals(final Statement s, final KeepalivedConfig kc, final Defaults d) throws ConfigException
    {
        for (final Statement k : children(s))
        {
            switch (k.keyword())
            {
                case "router_id" -> routerId = KeepalivedConfig.word(k, 0);
                case "lvs_timeouts" -> lvsTimeouts(k);
                case "vrrp_check_unicast_src" -> d.checkUnicastSource = true;
                case "vrrp_strict" -> d.strict = true;
                case "enable_script_security" -> scriptSecurity = true;
                case "script_user" ->
                {
                    scriptUser = new String[] {KeepalivedConfig.word(k, 0), k.args().size() > 1 ? k.args().get(1) : null};
                    scriptUserAt = k.at();
                }
                case "vrrp_lower_prio_no_advert" -> d.lowerPrioNoAdvert = trueFalse(k, kc);
                case "vrrp_higher_prio_send_advert" -> d.higherPrioSendAdvert = trueFalse(k, kc);
                case "vrrp_garp_lower_prio_repeat" -> d.garpLowerPrioRepeat =
                    (int)KeepalivedConfig.number(k, 0, 0, 255, "vrrp_garp_lower_prio_repeat");
                case "vrrp_notify_priority_changes" ->
                    kc.warn(k, "'vrrp_notify_priority_changes' is not acted on: priority changes go to keepalived's " +
                        "notify FIFO, which jvs does not have");
                case "notification_email" ->
                {
                    for (final Statement m : children(k))
                    {
                        notificationEmails.add(m.keyword());
                    }
                }
                case "notification_email_from" -> notificationFrom = KeepalivedConfig.word(k, 0);
                case "smtp_server" ->
                {
                    smtpServer = KeepalivedConfig.address(k, 0, "smtp_server");
                    if (k.args().size() > 1)
                    {
                        smtpPort = (int)KeepalivedConfig.number(k, 1, 1, 65535, "smtp_server port");
                    }
                }
                case "smtp_connect_timeout" -> smtpConnectTimeoutMs = KeepalivedConfig.seconds(k);
                case "smtp_helo_name" -> smtpHeloName = KeepalivedConfig.word(k, 0);
                case "smtp_alert" -> smtpAlert = k.args().isEmpty() || !"false".equals(k.args().get(0));
                case "smtp_alert_checker" -> smtpAlertChecker = k.args().isEmpty() || !"false".equals(k.args().get(0));
                case "smtp_alert_vrrp" -> smtpAlertVrrp = k.args().isEmpty() || !"false".equals(k.args().get(0));
                case "vrrp_version" -> d.version = (int)KeepalivedConfig.number(k, 0, 2, 3, "vrrp_version");
                case "vrrp_garp_master_delay" -> d.garpDelayMs = KeepalivedConfig.seconds(k);
                case "vrrp_garp_master_repeat" ->
                    d.garpRepeat = (int)KeepalivedConfig.number(k, 0, 1, 255, "vrrp_garp_master_repeat");
                case "vrrp_garp_master_refresh" -> d.garpRefreshMs = KeepalivedConfig.seconds(k);
                case "vrrp_garp_master_refresh_repeat" -> d.garpRefreshRepeat =
                    (int)KeepalivedConfig.number(k, 0, 1, 255, "vrrp_garp_master_refresh_repeat");
                case "vrrp_mcast_group4" ->
                {
                    if (VrrpPacket.GROUP != KeepalivedConfig.address(k, 0, "vrrp_mcast_group4"))
                    {
                        kc.warn(k, "vrrp_mcast_group4 other than 224.0.0.18 (jvs uses the standard group)");
                    }
                }
                case "lvs_sync_daemon" -> syncDaemon(k);
                default ->
                {
                    if (!GLOBAL_ACCEPTED.contains(k.keyword()))
                    {
                        kc.warn(k, "unknown keyword '" + k.keyword() + "' in global_defs");
                    }
                    else if (GLOBAL_NOT_ACTED.contains(k.keyword()))
                    {
                        kc.warn(k, "'" + k.keyword() + "' is read and not acted on by jvs");
                    }
                }
            }
        }
    }

    private void syncDaemon(final Statement k) throws ConfigException
    {
        final SyncDaemon sd = new SyncDaemon();
        sd.at = k.at();
        sd.iface = KeepalivedConfig.word(k, 0);
        if (k.args().size() > 1 && !Set.of("id", "maxlen", "port", "ttl", "group").contains(k.args().get(1)))
        {
            sd.instance = k.args().get(1);
        }
        for (int i = null == sd.instance ? 1 : 2; i < k.args().size(); i += 2)
        {
            final String w = k.args().get(i);
            switch (w)
            {
                case "id" -> sd.syncId = (int)KeepalivedConfig.number(k, i + 1, 0, 255, "lvs_sync_daemon id");
                case "maxlen" -> sd.maxLen = (int)KeepalivedConfig.number(k, i + 1, 1, 65507, "lvs_sync_daemon maxlen");
                case "port" -> sd.port = (int)KeepalivedConfig.number(k, i + 1, 1, 65535, "lvs_sync_daemon port");
                case "ttl" -> sd.ttl = (int)KeepalivedConfig.number(k, i + 1, 1, 255, "lvs_sync_daemon ttl");
                case "group" -> sd.group = KeepalivedConfig.address(k, i + 1, "lvs_sync_daemon group");
                default -> throw new ConfigException(k.argAt(i), "lvs_sync_daemon: unknown option '" + w +
                    "' (expected id, maxlen, port, ttl or group)");
            }
        }
        syncDaemon = sd;
    }

    /** vrrp_instance's keywords (keepalived's vrrp_parser.c). */
    private static final Keywords<Reading, Instance> INSTANCE = new Keywords<Reading, Instance>()
        .on(VrrpConfig::state, "state")
        .on((r, in, k) -> in.cfg.iface = KeepalivedConfig.word(k, 0), "interface")
        .on((r, in, k) -> in.cfg.vrid = (int)KeepalivedConfig.number(k, 0, 1, 255, "virtual_router_id"),
            "virtual_router_id")
        .on((r, in, k) ->
        {
            in.cfg.priority = (int)KeepalivedConfig.number(k, 0, 1, 255, "priority");
            in.prioritySet = true;
        }, "priority")
        .on((r, in, k) ->
        {
            final long ms = KeepalivedConfig.seconds(k);
            if (ms < 10 || ms > 255_000)
            {
                throw new ConfigException(k.argAt(0), "advert_int must be 0.01..255 seconds");
            }
            in.advertMs = ms;
        }, "advert_int")
        .on((r, in, k) -> in.strict = k.args().isEmpty() || trueFalse(k, r.kc()), "strict_mode")
        .on((r, in, k) -> in.lowerPrioNoAdvert = k.args().isEmpty() || trueFalse(k, r.kc()), "lower_prio_no_advert")
        .on((r, in, k) -> in.higherPrioSendAdvert = k.args().isEmpty() || trueFalse(k, r.kc()),
            "higher_prio_send_advert")
        .on((r, in, k) -> in.garpLowerPrioRepeat = (int)KeepalivedConfig.number(k, 0, 0, 255,
            "garp_lower_prio_repeat"), "garp_lower_prio_repeat")
        .on((r, in, k) -> in.cfg.preempt = true, "preempt")
        .on((r, in, k) -> r.kc().warn(k, "'notify_priority_changes' is not acted on: priority changes go to " +
            "keepalived's notify FIFO, which jvs does not have"), "notify_priority_changes")
        .on((r, in, k) -> in.cfg.version = (int)KeepalivedConfig.number(k, 0, 2, 3, "version"), "version")
        .on((r, in, k) -> in.auth = k, "authentication")
        .on((r, in, k) -> addresses(k, in, in.addressList), "virtual_ipaddress")
        .on((r, in, k) -> addresses(k, in, in.excludedList), "virtual_ipaddress_excluded")
        // mcast_src_ip is the older name of the adverts' source address, as keepalived reads it.
        .on((r, in, k) -> in.cfg.source = KeepalivedConfig.address(k, 0, k.keyword()), "unicast_src_ip",
            "mcast_src_ip")
        .on((r, in, k) ->
        {
            for (final Statement a : children(k))
            {
                in.peerList.add(addressOf(a));
            }
        }, "unicast_peer")
        .on((r, in, k) -> in.cfg.preempt = false, "nopreempt")
        .on((r, in, k) -> in.smtpAlert = k.args().isEmpty() || !"false".equals(k.args().get(0)), "smtp_alert")
        .on((r, in, k) -> in.cfg.preemptDelayMs = KeepalivedConfig.seconds(k), "preempt_delay")
        .on((r, in, k) -> in.cfg.garpMasterDelayMs = KeepalivedConfig.seconds(k), "garp_master_delay")
        .on((r, in, k) -> in.cfg.garpMasterRepeat = (int)KeepalivedConfig.number(k, 0, 1, 255, "garp_master_repeat"),
            "garp_master_repeat")
        .on((r, in, k) -> in.cfg.garpMasterRefreshMs = KeepalivedConfig.seconds(k), "garp_master_refresh")
        .on((r, in, k) -> in.cfg.garpMasterRefreshRepeat = (int)KeepalivedConfig.number(k, 0, 1, 255,
            "garp_master_refresh_repeat"), "garp_master_refresh_repeat")
        .on((r, in, k) -> in.notifyMaster = r.kc().command("notify", k), "notify_master")
        .on((r, in, k) -> in.notifyBackup = r.kc().command("notify", k), "notify_backup")
        .on((r, in, k) -> in.notifyFault = r.kc().command("notify", k), "notify_fault")
        .on((r, in, k) -> in.notifyStop = r.kc().command("notify", k), "notify_stop")
        .on((r, in, k) -> in.notify = r.kc().command("notify", k), "notify")
        .on((r, in, k) ->
        {
            for (final Statement t : children(k))
            {
                in.trackInterfaces.put(t.keyword(), weight(t));
            }
        }, "track_interface")
        .on((r, in, k) -> tracked(k, in, in.trackFilesUsed, "file:"), "track_file")
        .on((r, in, k) -> tracked(k, in, in.trackProcessesUsed, "process:"), "track_process")
        .on((r, in, k) ->
        {
            for (final Statement t : children(k))
            {
                in.trackScripts.put(t.keyword(), t.args().isEmpty() ? null : weight(t));
                in.trackScriptAt.put(t.keyword(), t.at());
            }
        }, "track_script")
        .on((r, in, k) -> r.vrrp().syncDaemonInterface(k, in, r.kc()), "lvs_sync_daemon_interface")
        // No macvlan interface: the engine answers ARP and sends gratuitous ARP from the virtual MAC, and its
        // socket accepts frames to it; the interface name keepalived would give the macvlan is unused.
        .on((r, in, k) -> in.cfg.useVmac = true, "use_vmac")
        .on((r, in, k) -> in.cfg.checkUnicastSource = true, "check_unicast_src")
        // Read after the block: the interface is then not tracked.
        .ignore("dont_track_primary")
        .on((r, in, k) -> in.cfg.vmacXmitBase = true, "vmac_xmit_base");

    private static void state(final Reading r, final Instance in, final Statement k) throws ConfigException
    {
        final String w = KeepalivedConfig.word(k, 0);
        if (!"MASTER".equals(w) && !"BACKUP".equals(w))
        {
            throw new ConfigException(k.argAt(0), "state must be MASTER or BACKUP, not '" + w +
                "' (case-sensitive; keepalived would warn and run it as BACKUP)");
        }
        if ("BACKUP".equals(w) && "MASTER".equals(in.cfg.initialState) && in.stateSet)
        {
            r.kc().warnAt(k.at(), "(" + in.cfg.name + ") state previously set as MASTER - ignoring BACKUP");
        }
        else
        {
            in.cfg.initialState = w;
        }
        in.stateSet = true;
    }

    private static void addresses(final Statement k, final Instance in, final List<Integer> into)
        throws ConfigException
    {
        for (final Statement a : children(k))
        {
            into.add(addressOf(a));
            in.vipLines.add(a);
        }
    }

    /** Deprecated in keepalived (global_defs lvs_sync_daemon replaces it) but still honoured. */
    private void syncDaemonInterface(final Statement k, final Instance in, final KeepalivedConfig kc)
        throws ConfigException
    {
        if (null == syncDaemon)
        {
            final SyncDaemon sd = new SyncDaemon();
            sd.at = k.at();
            sd.iface = KeepalivedConfig.word(k, 0);
            sd.instance = in.cfg.name;
            syncDaemon = sd;
        }
        kc.warnings.add(k.at().file() + ":" + k.at().line() + ": lvs_sync_daemon_interface is deprecated " +
            "(use lvs_sync_daemon in global_defs); read as lvs_sync_daemon " + KeepalivedConfig.word(k, 0) + " " +
            in.cfg.name);
    }

    private void instance(final Statement s, final KeepalivedConfig kc, final Defaults d) throws ConfigException
    {
        final Instance in = new Instance();
        in.at = s.at();
        final InstanceConfig c = in.cfg;
        c.name = KeepalivedConfig.word(s, 0);
        c.version = d.version;
        c.garpMasterDelayMs = d.garpDelayMs;
        c.garpMasterRepeat = d.garpRepeat;
        c.garpMasterRefreshMs = d.garpRefreshMs;
        c.garpMasterRefreshRepeat = d.garpRefreshRepeat;
        c.checkUnicastSource = d.checkUnicastSource;
        in.strict = d.strict;
        final Reading r = new Reading(this, kc);
        for (final Statement k : children(s))
        {
            if (INSTANCE.apply(r, in, k))
            {
                continue;
            }
            if (!INSTANCE_ACCEPTED.contains(k.keyword()))
            {
                kc.warn(k, "unknown keyword '" + k.keyword() + "' in vrrp_instance");
            }
            else if (!"debug".equals(k.keyword()))
            {
                kc.warn(k, "'" + k.keyword() + "' is read and not acted on by jvs");
            }
        }
        final List<Integer> addresses = in.addressList;
        final List<Integer> excluded = in.excludedList;
        final List<Integer> peers = in.peerList;
        if (0 == c.vrid)
        {
            throw new ConfigException(s.at(), "vrrp_instance " + c.name + " has no virtual_router_id");
        }
        if (c.iface.isEmpty())
        {
            throw new ConfigException(s.at(), "vrrp_instance " + c.name + " has no interface");
        }
        if (addresses.isEmpty())
        {
            throw new ConfigException(s.at(), "vrrp_instance " + c.name + " has no virtual_ipaddress");
        }
        if (children(s).stream().noneMatch(k -> "dont_track_primary".equals(k.keyword())))
        {
            // keepalived watches the instance's own interface unless told not to: down means FAULT.
            in.trackInterfaces.putIfAbsent(c.iface, 0);
        }
        c.addresses = addresses.stream().mapToInt(Integer::intValue).toArray();
        c.unicastPeers = peers.stream().mapToInt(Integer::intValue).toArray();
        c.excludedAddresses = excluded.stream().mapToInt(Integer::intValue).toArray();
        for (final Instance other : instances)
        {
            if (other.cfg.name.equals(c.name))
            {
                throw new ConfigException(s.at(), "vrrp_instance " + c.name + " is declared twice (first at " +
                    other.at + ")");
            }
            if (other.cfg.vrid == c.vrid && other.cfg.iface.equals(c.iface))
            {
                throw new ConfigException(s.at(), "vrrp_instance " + c.name + ": virtual_router_id " + c.vrid +
                    " on " + c.iface + " is already used by " + other.cfg.name);
            }
        }
        instances.add(in);
    }

    /**
     * keepalived's {@code vrrp_complete_instance}, the parts jvs runs: priority and state derived from each
     * other, what strict mode turns off, the advertisement interval each version can carry, and the preemption
     * settings that cannot work together; each change with keepalived's warning.
     */
    private static void completeInstance(final Instance in, final KeepalivedConfig kc, final Defaults d)
        throws ConfigException
    {
        final InstanceConfig c = in.cfg;
        final String n = "(" + c.name + ")";
        final boolean master = "MASTER".equals(c.initialState) && in.stateSet;
        if (!in.prioritySet)
        {
            c.priority = master ? 255 : 100;
        }
        if (!in.stateSet)
        {
            c.initialState = 255 == c.priority ? "MASTER" : "BACKUP";
        }
        else if (in.strict && master != (255 == c.priority))
        {
            kc.warnAt(in.at, n + " State MASTER must match being address owner");
            c.initialState = 255 == c.priority ? "MASTER" : "BACKUP";
        }
        authentication(in.auth, in, kc);
        if (in.strict && c.unicastPeers.length > 0)
        {
            throw new ConfigException(in.at, n + " Unicast peers are not supported in strict mode");
        }
        if (255 == c.priority && !c.preempt)
        {
            kc.warnAt(in.at, n + " nopreempt is incompatible with priority 255. resetting nopreempt");
            c.preempt = true;
        }
        if ("MASTER".equals(c.initialState))
        {
            if (!c.preempt)
            {
                kc.warnAt(in.at, n + " Warning - nopreempt will not work with initial state MASTER - clearing");
                c.preempt = true;
            }
            if (0 != c.preemptDelayMs)
            {
                kc.warnAt(in.at, n + " Warning - preempt delay will not work with initial state MASTER - clearing");
                c.preemptDelayMs = 0;
            }
        }
        if (0 != c.preemptDelayMs)
        {
            // Both are said when both apply, as keepalived checks both under one condition.
            if (in.strict)
            {
                kc.warnAt(in.at, n + " preempt_delay is incompatible with strict mode - resetting");
                c.preemptDelayMs = 0;
            }
            if (!c.preempt)
            {
                kc.warnAt(in.at, n + " preempt_delay is incompatible with nopreempt mode - resetting");
                c.preemptDelayMs = 0;
            }
        }
        for (final Statement a : in.vipLines)
        {
            vipOptions(a, in, kc);
        }
        completeLowerPriority(in, kc, d);
        c.advertCentis = advertCentis(in, kc, in.advertMs);
    }

    /** What a master does about a lower priority advert, and about a higher one (strict mode: RFC only). */
    private static void completeLowerPriority(final Instance in, final KeepalivedConfig kc, final Defaults d)
    {
        final InstanceConfig c = in.cfg;
        final String n = "(" + c.name + ")";
        final int defaultRepeat = null != d.garpLowerPrioRepeat ? d.garpLowerPrioRepeat : d.garpRepeat;
        c.garpLowerPrioRepeat = null == in.garpLowerPrioRepeat ? (in.strict ? 0 : defaultRepeat) :
            in.garpLowerPrioRepeat;
        if (in.strict && null != in.garpLowerPrioRepeat && 0 != in.garpLowerPrioRepeat)
        {
            kc.warnAt(in.at, n + " Strict mode requires no repeat garps. resetting");
            c.garpLowerPrioRepeat = 0;
        }
        c.lowerPrioNoAdvert = null == in.lowerPrioNoAdvert ? in.strict || d.lowerPrioNoAdvert : in.lowerPrioNoAdvert;
        if (in.strict && Boolean.FALSE.equals(in.lowerPrioNoAdvert))
        {
            kc.warnAt(in.at, n + " Strict mode requires no lower priority advert. resetting");
            c.lowerPrioNoAdvert = true;
        }
        c.higherPrioSendAdvert = null == in.higherPrioSendAdvert ? !in.strict && d.higherPrioSendAdvert :
            in.higherPrioSendAdvert;
        if (in.strict && Boolean.TRUE.equals(in.higherPrioSendAdvert))
        {
            kc.warnAt(in.at, n + " strict mode requires higher_prio_send_advert to be clear. resetting");
            c.higherPrioSendAdvert = false;
        }
    }

    /**
     * VRRPv2 carries whole seconds below 256, VRRPv3 centiseconds below 40.96 s: keepalived rounds or clamps
     * what does not fit, with a warning.
     */
    private static int advertCentis(final Instance in, final KeepalivedConfig kc, final long advertMs)
    {
        final String n = "(" + in.cfg.name + ")";
        if (2 == in.cfg.version)
        {
            if (advertMs >= 256_000)
            {
                kc.warnAt(in.at, String.format(Locale.ROOT, "%s VRRPv2 advertisement interval %.2fs is out of range. " +
                    "Must be less than 256s. Setting to 255s", n, advertMs / 1000.0));
                return 25_500;
            }
            if (0 != advertMs % 1000)
            {
                kc.warnAt(in.at, String.format(Locale.ROOT, "%s VRRPv2 advertisement interval %fs must be an " +
                    "integer. rounding", n, advertMs / 1000.0));
                return (int)Math.max(1, (advertMs + 500) / 1000) * 100;
            }
            return (int)(advertMs / 10);
        }
        if (advertMs >= 40_960)
        {
            kc.warnAt(in.at, String.format(Locale.ROOT, "%s VRRPv3 advertisement interval %.2fs is out of range. " +
                "Must be less than 40.96s. Setting to 40.95s", n, advertMs / 1000.0));
            return 4095;
        }
        return (int)Math.max(1, advertMs / 10);
    }

    /** keepalived's "true"/"false" and their synonyms ({@code check_true_false}). */
    private static boolean trueFalse(final Statement k, final KeepalivedConfig kc) throws ConfigException
    {
        final String w = KeepalivedConfig.word(k, 0).toLowerCase(Locale.ROOT);
        return switch (w)
        {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new ConfigException(k.argAt(0), k.keyword() + " '" + KeepalivedConfig.word(k, 0) +
                "' is not true or false");
        };
    }

    /**
     * The authentication block, and keepalived's order of reasons to turn it off: strict mode, VRRPv3, a
     * type without a password. auth_pass longer than 8 characters is truncated, as keepalived does.
     */
    private static void authentication(final Statement auth, final Instance in, final KeepalivedConfig kc)
        throws ConfigException
    {
        if (null == auth)
        {
            return;
        }
        final InstanceConfig c = in.cfg;
        final String n = "(" + c.name + ")";
        String type = null;
        String pass = null;
        for (final Statement a : children(auth))
        {
            switch (a.keyword())
            {
                case "auth_type" -> type = KeepalivedConfig.word(a, 0);
                case "auth_pass" ->
                {
                    pass = KeepalivedConfig.word(a, 0);
                    if (pass.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > VrrpPacket.AUTH_LENGTH)
                    {
                        kc.warnAt(a.at(), "Truncating auth_pass to " + VrrpPacket.AUTH_LENGTH + " characters");
                    }
                }
                default -> kc.warn(a, "unknown keyword '" + a.keyword() + "' in authentication");
            }
        }
        if ("AH".equals(type))
        {
            throw new ConfigException(auth.at(), "auth_type AH is not supported (keepalived deprecates it too)");
        }
        if (null != type && !"PASS".equals(type))
        {
            throw new ConfigException(auth.at(), "auth_type must be PASS or AH, not '" + type +
                "' (case-sensitive; keepalived would warn and run without authentication)");
        }
        if (null == type)
        {
            return;
        }
        if (in.strict)
        {
            kc.warnAt(auth.at(), n + " Strict mode does not support authentication. Ignoring.");
            return;
        }
        if (3 == c.version)
        {
            kc.warnAt(auth.at(), n + " VRRP version 3 does not support authentication. Ignoring.");
            return;
        }
        if (null == pass || pass.isEmpty())
        {
            kc.warnAt(auth.at(), n + " Authentication specified but no password given. Ignoring");
            return;
        }
        c.password(pass);
    }

    private static int weight(final Statement t) throws ConfigException
    {
        for (int i = 0; i + 1 < t.args().size(); i++)
        {
            if ("weight".equals(t.args().get(i)))
            {
                return (int)KeepalivedConfig.number(t, i + 1, -253, 253, "weight");
            }
        }
        return 0;
    }

    /**
     * The words after a virtual_ipaddress: keepalived adds the address to the kernel with them; jvs owns the
     * address itself (answers ARP for it, takes its traffic), so only {@code dev} could change what it does,
     * and each is said in a warning rather than passed over.
     */
    private static void vipOptions(final Statement a, final Instance in, final KeepalivedConfig kc)
        throws ConfigException
    {
        final InstanceConfig c = in.cfg;
        final List<String> w = a.args();
        for (int i = 0; i < w.size(); i++)
        {
            final String o = w.get(i);
            final boolean valued = Set.of("dev", "brd", "scope", "label", "peer", "track_group", "metric", "preferred_lft",
                "valid_lft").contains(o);
            final String v = valued && i + 1 < w.size() ? w.get(++i) : null;
            if ("dev".equals(o) && null != v)
            {
                // The address lives on that interface (the DIP of a two-armed director): answered there.
                if (!c.iface.equals(v))
                {
                    in.devices.put(addressOf(a), v);
                }
                continue;
            }
            kc.warnAt(a.at(), "'" + o + (null != v ? " " + v : "") + "' on virtual_ipaddress " + a.keyword() + " (" +
                c.name + ") is not acted on: " + ("dev".equals(o) ? "jvs owns the instance's addresses on its " +
                "interface " + c.iface :
                "jvs answers for the address itself instead of adding it to the kernel with options"));
        }
    }

    /** An address line: "198.19.0.80", "198.19.0.1/24", with dev/brd/label words after it. */
    private static int addressOf(final Statement a) throws ConfigException
    {
        final String w = a.keyword();
        final int slash = w.indexOf('/');
        final String addr = slash < 0 ? w : w.substring(0, slash);
        if (addr.indexOf(':') >= 0)
        {
            throw new ConfigException(a.at(), "IPv6 address " + w + " is not supported yet");
        }
        try
        {
            return Ipv4.parse(addr);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ConfigException(a.at(), "'" + w + "' is not an IPv4 address");
        }
    }

    private void script(final Statement s, final KeepalivedConfig kc) throws ConfigException
    {
        final Script sc = new Script();
        sc.name = KeepalivedConfig.word(s, 0);
        String[] user = null;
        for (final Statement k : children(s))
        {
            switch (k.keyword())
            {
                case "script" -> sc.script = kc.command("vrrp_script", KeepalivedConfig.word(k, 0), null, null, k.at());
                case "interval" -> sc.intervalMs = Math.max(10, KeepalivedConfig.seconds(k));
                case "timeout" -> sc.timeoutMs = KeepalivedConfig.seconds(k);
                case "weight" ->
                {
                    sc.weight = (int)KeepalivedConfig.number(k, 0, -253, 253, "weight");
                    sc.reverse = k.args().size() > 1 && "reverse".equals(k.args().get(1));
                }
                case "rise" -> sc.rise = (int)KeepalivedConfig.number(k, 0, 1, 1_000_000, "rise");
                case "fall" -> sc.fall = (int)KeepalivedConfig.number(k, 0, 1, 1_000_000, "fall");
                case "init_fail" -> sc.initFail = true;
                case "user" -> user = new String[] {KeepalivedConfig.word(k, 0),
                    k.args().size() > 1 ? k.args().get(1) : null};
                default -> kc.warn(k, "unknown keyword '" + k.keyword() + "' in vrrp_script");
            }
        }
        if (null != sc.script && null != user)
        {
            sc.script.user = user[0];
            sc.script.group = user[1];
        }
        if (null == sc.script)
        {
            // keepalived: "No script set for vrrp_script - removing", and tracking it is then ignored.
            kc.warn(s, "vrrp_script " + sc.name + " has no script: removed");
            return;
        }
        if (0 == sc.timeoutMs)
        {
            sc.timeoutMs = sc.intervalMs;
        }
        scripts.put(sc.name, sc);
    }

    private void trackFile(final Statement s, final KeepalivedConfig kc) throws ConfigException
    {
        final TrackFile f = new TrackFile();
        f.name = KeepalivedConfig.word(s, 0);
        for (final Statement k : children(s))
        {
            switch (k.keyword())
            {
                case "file" -> f.file = Path.of(KeepalivedConfig.word(k, 0));
                case "weight" ->
                {
                    f.weight = (int)KeepalivedConfig.number(k, 0, -2147483647, 2147483647, "weight");
                    f.reverse = k.args().size() > 1 && "reverse".equals(k.args().get(1));
                }
                case "init_file" ->
                {
                    f.initValue = k.args().isEmpty() || "overwrite".equals(k.args().get(0)) ? "0" : k.args().get(0);
                    f.overwrite = k.args().contains("overwrite");
                }
                default -> kc.warn(k, "unknown keyword '" + k.keyword() + "' in track_file");
            }
        }
        if (null == f.file)
        {
            kc.warn(s, "track_file " + f.name + " has no file: removed");
            return;
        }
        trackFiles.put(f.name, f);
    }

    /** track_file / track_process in an instance: NAME [weight W [reverse]], remembered with its position. */
    private static void tracked(final Statement k, final Instance in, final Map<String, int[]> used,
        final String kind) throws ConfigException
    {
        for (final Statement t : children(k))
        {
            used.put(t.keyword(), t.args().isEmpty() ? null :
                new int[] {weight(t), t.args().contains("reverse") ? 1 : 0});
            in.trackScriptAt.put(kind + t.keyword(), t.at());
        }
    }

    /** Warn about and forget what an instance tracks that no block defines. */
    private static void dropUnknown(final KeepalivedConfig kc, final Instance i, final Map<String, int[]> used,
        final Map<String, ?> defined, final String kind, final String keyword, final String block)
    {
        for (final String t : List.copyOf(used.keySet()))
        {
            if (!defined.containsKey(t))
            {
                final Position at = i.trackScriptAt.get(kind + t);
                kc.warnings.add(at.file() + ":" + at.line() + ": (" + i.cfg.name + ") " + keyword + " " + t +
                    " names no " + block + ", ignored");
                used.remove(t);
            }
        }
    }

    private void trackProcess(final Statement s, final KeepalivedConfig kc) throws ConfigException
    {
        final TrackProcess p = new TrackProcess();
        p.name = KeepalivedConfig.word(s, 0);
        for (final Statement k : children(s))
        {
            switch (k.keyword())
            {
                case "process" -> p.command = List.copyOf(k.args());
                case "param_match" -> p.paramMatch = KeepalivedConfig.word(k, 0);
                case "weight" ->
                {
                    p.weight = (int)KeepalivedConfig.number(k, 0, -254, 254, "weight");
                    p.reverse = k.args().size() > 1 && "reverse".equals(k.args().get(1));
                }
                case "quorum" -> p.quorum = (int)KeepalivedConfig.number(k, 0, 0, 65535, "quorum");
                case "quorum_max" -> p.quorumMax = (int)KeepalivedConfig.number(k, 0, 0, 65535, "quorum_max");
                case "fork_delay" -> p.forkDelayMs = KeepalivedConfig.seconds(k);
                case "terminate_delay" -> p.terminateDelayMs = KeepalivedConfig.seconds(k);
                case "delay" -> p.forkDelayMs = p.terminateDelayMs = KeepalivedConfig.seconds(k);
                case "full_command" -> p.fullCommand = true;
                default -> kc.warn(k, "unknown keyword '" + k.keyword() + "' in vrrp_track_process");
            }
        }
        if (p.command.isEmpty())
        {
            kc.warn(s, "vrrp_track_process " + p.name + " has no process: removed");
            return;
        }
        trackProcesses.put(p.name, p);
    }

    private void syncGroup(final Statement s, final KeepalivedConfig kc) throws ConfigException
    {
        final String name = KeepalivedConfig.word(s, 0);
        final List<String> members = new ArrayList<>();
        for (final Statement k : children(s))
        {
            if ("group".equals(k.keyword()))
            {
                for (final Statement m : children(k))
                {
                    members.add(m.keyword());
                }
            }
            else if (Set.of("notify_master", "notify_backup", "notify_fault", "notify_stop", "notify")
                .contains(k.keyword()))
            {
                groupNotify.computeIfAbsent(name, n -> new LinkedHashMap<>()).put(k.keyword(),
                    kc.command("notify", k));
            }
            else if ("sync_group_tracking_weight".equals(k.keyword()))
            {
                trackingWeightGroups.add(name);
            }
            else if ("global_tracking".equals(k.keyword()))
            {
                kc.warnAt(k.at(), "(" + name + ") global_tracking is deprecated. Use track_interface/script/file " +
                    "on the sync group");
                trackingWeightGroups.add(name);
            }
            else if (!"smtp_alert".equals(k.keyword()))
            {
                kc.warn(k, "unknown keyword '" + k.keyword() + "' in vrrp_sync_group");
            }
        }
        syncGroups.put(name, members);
        syncGroupAt.put(name, s.at());
    }

    private final Map<String, Position> syncGroupAt = new LinkedHashMap<>();
    /** Sync groups with sync_group_tracking_weight: their members keep tracking weights. */
    private final Set<String> trackingWeightGroups = new java.util.HashSet<>();

    /**
     * keepalived frees a vrrp_script its security check disabled, and every track_script naming it (the
     * instance then runs as if it were not tracked).
     *
     * @param kc for the warnings.
     */
    void dropDisabledScripts(final KeepalivedConfig kc)
    {
        for (final Script sc : List.copyOf(scripts.values()))
        {
            if (null != sc.script.disabled())
            {
                scripts.remove(sc.name);
                for (final Instance i : instances)
                {
                    if (null != i.trackScripts.remove(sc.name) || i.trackScripts.containsKey(sc.name))
                    {
                        i.trackScripts.remove(sc.name);
                    }
                }
            }
        }
    }

    /** @param instance an instance's name. @return its sync group's name, or null. */
    public String syncGroupOf(final String instance)
    {
        for (final Map.Entry<String, List<String>> g : syncGroups.entrySet())
        {
            if (g.getValue().contains(instance))
            {
                return g.getKey();
            }
        }
        return null;
    }

    /**
     * keepalived does not let tracking move the priority of a sync group member (without
     * sync_group_tracking_weight: the group must change state as one) nor of the address owner: a weighted
     * tracked interface is then tracked without weight (a sync member) or not at all (the owner), a weighted
     * script is dropped, a track_file with the default weight 1 is tracked with weight 0 and one with another
     * weight is dropped; each with keepalived's warning.
     */
    private void ignoreTrackingWeights(final Instance i, final KeepalivedConfig kc)
    {
        final String group = syncGroupOf(i.cfg.name);
        final boolean sync = null != group && !trackingWeightGroups.contains(group);
        if (!sync && 255 != i.cfg.priority)
        {
            return;
        }
        final String n = "(" + i.cfg.name + ")";
        final String why = sync ? "SYNC group" : "address_owner";
        for (final Map.Entry<String, Integer> t : List.copyOf(i.trackInterfaces.entrySet()))
        {
            if (0 != t.getValue())
            {
                kc.warnAt(i.at, n + " ignoring " + t.getKey() + " tracked interface " + (sync ? "weight " : "") +
                    "due to " + (sync ? "SYNC group" : "address owner"));
                if (sync)
                {
                    i.trackInterfaces.put(t.getKey(), 0);
                }
                else
                {
                    i.trackInterfaces.remove(t.getKey());
                }
            }
        }
        for (final Map.Entry<String, Integer> t : List.copyOf(i.trackScripts.entrySet()))
        {
            final int w = null != t.getValue() ? t.getValue() : scripts.get(t.getKey()).weight;
            if (0 != w)
            {
                kc.warnAt(i.at, n + " ignoring tracked script " + t.getKey() + " with weights due to " + why);
                i.trackScripts.remove(t.getKey());
            }
        }
        for (final Map.Entry<String, int[]> t : List.copyOf(i.trackFilesUsed.entrySet()))
        {
            final TrackFile f = trackFiles.get(t.getKey());
            final int w = null != t.getValue() ? t.getValue()[0] : f.weight;
            if (1 == w)
            {
                kc.warnAt(i.at, n + " ignoring weight from tracked file " + f.file + " due to " + why +
                    ". specify weight 0");
                i.trackFilesUsed.put(t.getKey(), new int[] {0, null != t.getValue() ? t.getValue()[1] : 0});
            }
            else if (0 != w)
            {
                kc.warnAt(i.at, n + " ignoring tracked file " + f.file + " with weight " + w + " due to " + why);
                i.trackFilesUsed.remove(t.getKey());
            }
        }
    }

    private void validate(final KeepalivedConfig kc, final Defaults d) throws ConfigException
    {
        final Set<String> names = new java.util.HashSet<>();
        instances.forEach(i -> names.add(i.cfg.name));
        final Set<String> grouped = new java.util.HashSet<>();
        for (final Map.Entry<String, List<String>> g : syncGroups.entrySet())
        {
            for (final String m : g.getValue())
            {
                if (!names.contains(m))
                {
                    throw new ConfigException(syncGroupAt.get(g.getKey()), "vrrp_sync_group " + g.getKey() +
                        " names no vrrp_instance " + m);
                }
                if (!grouped.add(m))
                {
                    throw new ConfigException(syncGroupAt.get(g.getKey()), "vrrp_instance " + m +
                        " is in two sync groups");
                }
            }
        }
        for (final Instance i : instances)
        {
            completeInstance(i, kc, d);
            dropUnknown(kc, i, i.trackProcessesUsed, trackProcesses, "process:", "track_process",
                "vrrp_track_process block");
            dropUnknown(kc, i, i.trackFilesUsed, trackFiles, "file:", "track_file", "track_file block");
            for (final String t : List.copyOf(i.trackScripts.keySet()))
            {
                if (!scripts.containsKey(t))
                {
                    final Position at = i.trackScriptAt.get(t);
                    kc.warnings.add(at.file() + ":" + at.line() + ": (" + i.cfg.name + ") track_script " + t +
                        " names no vrrp_script, ignored");
                    i.trackScripts.remove(t);
                }
            }
            ignoreTrackingWeights(i, kc);
        }
        if (null != syncDaemon && null != syncDaemon.instance && !names.contains(syncDaemon.instance))
        {
            throw new ConfigException(syncDaemon.at, "lvs_sync_daemon names no vrrp_instance " + syncDaemon.instance);
        }
    }

    private static List<Statement> children(final Statement s) throws ConfigException
    {
        if (!s.isBlock())
        {
            throw new ConfigException(s.at(), s.keyword() + " needs a { } block");
        }
        return s.children();
    }

    /**
     * @return a text that differs when anything VRRP runs by differs (instances, scripts, sync groups): a
     *         reload that leaves it equal leaves the running instances alone.
     */
    public String fingerprint()
    {
        final StringBuilder b = new StringBuilder();
        for (final Instance i : instances)
        {
            final InstanceConfig c = i.cfg;
            b.append(c.name).append('|').append(c.iface).append('|').append(c.vrid).append('|').append(c.version)
                .append('|').append(c.priority).append('|').append(c.advertCentis).append('|')
                .append(java.util.Arrays.toString(c.authPass)).append('|').append(java.util.Arrays.toString(c.addresses))
                .append('|').append(java.util.Arrays.toString(c.excludedAddresses))
                .append('|').append(c.source).append('|').append(java.util.Arrays.toString(c.unicastPeers)).append('|')
                .append(c.preempt).append('|').append(c.preemptDelayMs).append('|').append(c.garpMasterDelayMs)
                .append('|').append(c.garpMasterRepeat).append('|').append(c.garpMasterRefreshMs).append('|')
                .append(c.garpMasterRefreshRepeat).append('|').append(c.garpLowerPrioRepeat).append('|')
                .append(c.lowerPrioNoAdvert).append('|').append(c.higherPrioSendAdvert).append('|').append(i.notifyMaster).append('|').append(i.notifyBackup)
                .append('|').append(i.notifyFault).append('|').append(i.notifyStop).append('|').append(i.notify)
                .append('|').append(i.trackInterfaces).append('|').append(i.trackScripts).append('|')
                .append(i.trackFilesUsed.keySet()).append('|').append(i.trackProcessesUsed.keySet()).append('|')
                .append(i.smtpAlert).append('\n');
        }
        scripts.forEach((n, sc) -> b.append(n).append('|').append(sc.script).append('|').append(sc.intervalMs)
            .append('|').append(sc.timeoutMs).append('|').append(sc.weight).append('|').append(sc.reverse).append('|')
            .append(sc.rise).append('|').append(sc.fall).append('|').append(sc.initFail).append('\n'));
        b.append(syncGroups).append(groupNotify);
        return b.toString();
    }

    /** @param name an instance's name. @return it, or null. */
    public Instance instance(final String name)
    {
        return instances.stream().filter(i -> i.cfg.name.equals(name)).findFirst().orElse(null);
    }
}
