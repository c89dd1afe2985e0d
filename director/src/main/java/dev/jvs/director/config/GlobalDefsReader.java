package dev.jvs.director.config;

import dev.jvs.engine.frame.IpAddress;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Reads {@code global_defs}: what it sets for the whole director, and the defaults of every vrrp_instance. */
final class GlobalDefsReader
{
    /** enable_script_security: unsafe scripts are refused instead of warned about. */
    boolean scriptSecurity;
    /** script_user USER [GROUP], or null; and where it is written. */
    String[] scriptUser;
    Position scriptUserAt;
    /** global_defs router_id, or null. */
    String routerId;
    /** global_defs lvs_timeouts: {tcp, tcpfin, udp} seconds, 0 where not given (ipvsadm --set). */
    private final int[] lvsTimeouts = new int[3];
    /** notification_email: where smtp_alert mails go. */
    final List<String> notificationEmails = new ArrayList<>();
    /** notification_email_from (keepalived's default: keepalived@HOSTNAME). */
    String notificationFrom;
    /** smtp_server address, 0 for none. */
    int smtpServer;
    /** smtp_server port (default 25). */
    int smtpPort = 25;
    /** smtp_connect_timeout in ms (keepalived's default 30 s). */
    long smtpConnectTimeoutMs = 30_000;
    /** smtp_helo_name (default: the host name). */
    String smtpHeloName;
    /** global smtp_alert: mail on every checker and VRRP transition. */
    boolean smtpAlert;
    /** smtp_alert_checker (global): mail on checker transitions. */
    boolean smtpAlertChecker;
    /** smtp_alert_vrrp (global): mail on VRRP transitions. */
    boolean smtpAlertVrrp;

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

    /**
     * Read a global_defs block: its own settings here, the instances' defaults into {@code d}, lvs_sync_daemon
     * into {@code vr}.
     *
     * @param s the block.
     * @param kc for warnings.
     * @param vr the VRRP part being read.
     * @param d the instances' defaults.
     * @throws ConfigException at a bad value.
     */
    void read(final Statement s, final KeepalivedConfig kc, final VrrpReader vr, final VrrpReader.Defaults d) throws ConfigException
    {
        for (final Statement k : VrrpReader.children(s))
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
                case "vrrp_lower_prio_no_advert" -> d.lowerPrioNoAdvert = InstanceReader.trueFalse(k, kc);
                case "vrrp_higher_prio_send_advert" -> d.higherPrioSendAdvert = InstanceReader.trueFalse(k, kc);
                case "vrrp_garp_lower_prio_repeat" -> d.garpLowerPrioRepeat =
                    (int)KeepalivedConfig.number(k, 0, 0, 255, "vrrp_garp_lower_prio_repeat");
                case "vrrp_notify_priority_changes" ->
                    kc.warn(k, "'vrrp_notify_priority_changes' is not acted on: priority changes go to keepalived's " +
                        "notify FIFO, which jvs does not have");
                case "notification_email" ->
                {
                    for (final Statement m : VrrpReader.children(k))
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
                case "vrrp_mcast_group4", "vrrp_mcast_group6" -> mcastGroup(k, kc);
                case "lvs_sync_daemon" -> vr.syncDaemon(k);
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

    /** @return global_defs as read. */
    GlobalDefs build()
    {
        return new GlobalDefs(routerId, List.of(lvsTimeouts[0], lvsTimeouts[1], lvsTimeouts[2]),
            List.copyOf(notificationEmails), notificationFrom, smtpServer, smtpPort, smtpConnectTimeoutMs,
            smtpHeloName, smtpAlert, smtpAlertChecker, smtpAlertVrrp, scriptSecurity);
    }

    /** vrrp_mcast_group4/6: jvs speaks to the standard groups only, and says so of any other. */
    private static void mcastGroup(final Statement k, final KeepalivedConfig kc) throws ConfigException
    {
        final boolean v6 = "vrrp_mcast_group6".equals(k.keyword());
        final IpAddress standard = IpAddress.parse(v6 ? "ff02::12" : "224.0.0.18");
        if (!standard.equals(KeepalivedConfig.ipAddress(k, 0, k.keyword())))
        {
            kc.warn(k, k.keyword() + " other than " + standard + " (jvs uses the standard group)");
        }
    }
}
