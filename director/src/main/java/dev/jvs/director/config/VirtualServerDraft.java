package dev.jvs.director.config;

import dev.jvs.engine.frame.IpAddress;

import java.util.ArrayList;
import java.util.List;

/** A {@code virtual_server} as it is read, before it is completed and made a {@link VirtualServer}. */
final class VirtualServerDraft
{
    /** Where it is declared. */
    Position at;
    /** Address (null for fwmark or group). */
    IpAddress vip;
    /** keepalived's af: 4 or 6, 0 until an address, ip_family or persistence_granularity says. */
    int family;
    /** Port. */
    int port;
    /** Firewall mark or 0. */
    int fwmark;
    /** Group name or null. */
    String group;
    /** Scheduler (null until set; keepalived's default wlc is filled in with its warning). */
    String scheduler;
    /** Scheduler flags. */
    int flags;
    /** Forwarding method of its real servers (-1 until set; keepalived's default NAT comes with a warning). */
    int method = -1;
    /** Protocol: 6 or 17 (0 until set; keepalived's default is UDP, with a warning). */
    int protocol;
    /** The {@code weight} its real servers get when they set none (keepalived's default 1). */
    int defaultWeight = 1;
    /** Persistence timeout, seconds (0 none). */
    int persistenceTimeout;
    /** Persistence netmask; for IPv6 the prefix length, as the kernel keeps it in the same field. */
    int persistenceNetmask = 0xFFFFFFFF;
    /** One-packet scheduling. */
    boolean ops;
    /** Real servers in declaration order. */
    final List<RealServerDraft> realServers = new ArrayList<>();
    /** Checker interval (keepalived's default 60 s). */
    long delayLoopMs = 60_000;
    /** Start real servers down until their checks pass. */
    boolean alpha;
    /** Weight 0 instead of removal on failure. */
    boolean inhibitOnFailure;
    /** smtp_alert: mail on its real servers' transitions and quorum changes. */
    boolean smtpAlert;
    /** omega: at shutdown, run the notify_down of live real servers and quorum_down. */
    boolean omega;
    /** ha_suspend: check only while this director is active (VRRP master, or no VRRP). */
    boolean haSuspend;
    /** Sum of live weights the service needs (keepalived's default 1). */
    long quorum = 1;
    /** Hysteresis around the quorum. */
    long hysteresis;
    /** Scripts run when the quorum is gained or lost, or null. */
    Command quorumUp;
    /** See {@link #quorumUp}. */
    Command quorumDown;
    /** The sorry server's address (null: none) and port, used while the quorum is lost. */
    IpAddress sorryAddr;
    /** See {@link #sorryAddr}. */
    int sorryPort;
    /** Keep the sorry server with weight 0 instead of removing it. */
    boolean sorryInhibit;
    /** The sorry server's method, or -1 for the virtual server's. */
    int sorryMethod = -1;
    // Checker defaults at this level (null: the checker type's).
    Long warmupMs;
    Long connectTimeoutMs;
    Integer retry;
    Long delayBeforeRetryMs;
    String virtualhost;

    /** @return keepalived's {@code FMT_VS}: "[ADDR]:PROTO:PORT", "FWM N" or "[GROUP]:PORT". */
    String keepalivedName()
    {
        if (null != group)
        {
            return "[" + group + "]:" + port;
        }
        if (0 != fwmark)
        {
            return "FWM " + fwmark;
        }
        return "[" + vip + "]:" + KeepalivedConfig.protocolName(protocol) + ":" + port;
    }

    /** @return "ADDR:PORT", "fwmark N" or "group NAME". */
    String name()
    {
        if (null != group)
        {
            return "group " + group;
        }
        return 0 != fwmark ? "fwmark " + fwmark : vip.withPort(port);
    }
}
