package dev.jvs.director.config;

import java.util.List;

/**
 * What {@code global_defs} sets for the whole director (the VRRP defaults it sets are applied to each instance
 * as it is read, and are not kept here).
 *
 * @param routerId router_id, or null.
 * @param lvsTimeouts lvs_timeouts: {tcp, tcpfin, udp} seconds, 0 where not given (ipvsadm --set).
 * @param notificationEmails notification_email: where smtp_alert mails go.
 * @param notificationFrom notification_email_from, or null (keepalived's default: keepalived@HOSTNAME).
 * @param smtpServer smtp_server address, 0 for none.
 * @param smtpPort smtp_server port (default 25).
 * @param smtpConnectTimeoutMs smtp_connect_timeout (keepalived's default 30 s).
 * @param smtpHeloName smtp_helo_name, or null (the host name).
 * @param smtpAlert smtp_alert: mail on every checker and VRRP transition.
 * @param smtpAlertChecker smtp_alert_checker: mail on checker transitions.
 * @param smtpAlertVrrp smtp_alert_vrrp: mail on VRRP transitions.
 * @param scriptSecurity enable_script_security: unsafe scripts are refused instead of warned about.
 */
public record GlobalDefs(
    String routerId, List<Integer> lvsTimeouts, List<String> notificationEmails, String notificationFrom,
    int smtpServer, int smtpPort, long smtpConnectTimeoutMs, String smtpHeloName, boolean smtpAlert,
    boolean smtpAlertChecker, boolean smtpAlertVrrp, boolean scriptSecurity)
{
    /** @return keepalived's defaults (no global_defs block). */
    public static GlobalDefs defaults()
    {
        return new GlobalDefs(null, List.of(0, 0, 0), List.of(), null, 0, 25, 30_000, null, false, false, false,
            false);
    }
}
