package dev.jvs.director.config;

import dev.jvs.engine.frame.IpAddress;

import java.util.List;

/**
 * A virtual server as read and completed (keepalived's defaults filled in), immutable: made once the whole file
 * is read from a {@link VirtualServerDraft}; its real servers point back at it. Compared by identity (two real
 * servers of a TCP and a UDP service may be alike in every field and are still two servers to check).
 */
public final class VirtualServer
{
    private final Position at;
    private final IpAddress vip;
    private final boolean ipv6;
    private final int port;
    private final int fwmark;
    private final String group;
    private final String scheduler;
    private final int flags;
    private final int method;
    private final int protocol;
    private final int defaultWeight;
    private final int persistenceTimeout;
    private final int persistenceNetmask;
    private final boolean ops;
    private final List<RealServer> realServers;
    private final long delayLoopMs;
    private final boolean alpha;
    private final boolean inhibitOnFailure;
    private final boolean smtpAlert;
    private final boolean omega;
    private final boolean haSuspend;
    private final long quorum;
    private final long hysteresis;
    private final Command quorumUp;
    private final Command quorumDown;
    private final IpAddress sorryAddr;
    private final int sorryPort;
    private final boolean sorryInhibit;
    private final int sorryMethod;

    VirtualServer(final VirtualServerDraft d)
    {
        this.at = d.at;
        this.vip = d.vip;
        this.ipv6 = 6 == d.family;
        this.port = d.port;
        this.fwmark = d.fwmark;
        this.group = d.group;
        this.scheduler = d.scheduler;
        this.flags = d.flags;
        this.method = d.method;
        this.protocol = d.protocol;
        this.defaultWeight = d.defaultWeight;
        this.persistenceTimeout = d.persistenceTimeout;
        this.persistenceNetmask = d.persistenceNetmask;
        this.ops = d.ops;
        // Each real server points back at this one: made last, with every other field set.
        this.delayLoopMs = d.delayLoopMs;
        this.alpha = d.alpha;
        this.inhibitOnFailure = d.inhibitOnFailure;
        this.smtpAlert = d.smtpAlert;
        this.omega = d.omega;
        this.haSuspend = d.haSuspend;
        this.quorum = d.quorum;
        this.hysteresis = d.hysteresis;
        this.quorumUp = d.quorumUp;
        this.quorumDown = d.quorumDown;
        this.sorryAddr = d.sorryAddr;
        this.sorryPort = d.sorryPort;
        this.sorryInhibit = d.sorryInhibit;
        this.sorryMethod = d.sorryMethod;
        this.realServers = d.realServers.stream().map(r -> new RealServer(r, this)).toList();
    }

    /** Where it is declared. */
    public Position at()
    {
        return at;
    }

    /** Address (null for fwmark or group). */
    public IpAddress address()
    {
        return vip;
    }

    /** The IPv4 address as the engine keys it (0 for fwmark or group); IPv6 services never reach the engine. */
    public int vip()
    {
        return null == vip ? 0 : vip.v4();
    }

    /** The family is IPv6 (keepalived's {@code af}: from the address, {@code ip_family} or the real servers). */
    public boolean ipv6()
    {
        return ipv6;
    }

    /** Port. */
    public int port()
    {
        return port;
    }

    /** Firewall mark or 0. */
    public int fwmark()
    {
        return fwmark;
    }

    /** Group name or null. */
    public String group()
    {
        return group;
    }

    /** Scheduler (keepalived's default wlc filled in with its warning when none is set). */
    public String scheduler()
    {
        return scheduler;
    }

    /** Scheduler flags. */
    public int flags()
    {
        return flags;
    }

    /** Forwarding method of its real servers (keepalived's default NAT, with a warning, when none is set). */
    public int method()
    {
        return method;
    }

    /** Protocol: 6 or 17 (keepalived's default UDP, with a warning, when none is set); 0 for marks only. */
    public int protocol()
    {
        return protocol;
    }

    /** The {@code weight} its real servers get when they set none (keepalived's default 1). */
    public int defaultWeight()
    {
        return defaultWeight;
    }

    /** Persistence timeout, seconds (0 none). */
    public int persistenceTimeout()
    {
        return persistenceTimeout;
    }

    /** Persistence netmask. */
    public int persistenceNetmask()
    {
        return persistenceNetmask;
    }

    /** One-packet scheduling. */
    public boolean ops()
    {
        return ops;
    }

    /** Real servers in declaration order. */
    public List<RealServer> realServers()
    {
        return realServers;
    }

    /** Checker interval (keepalived's default 60 s). */
    public long delayLoopMs()
    {
        return delayLoopMs;
    }

    /** Start real servers down until their checks pass. */
    public boolean alpha()
    {
        return alpha;
    }

    /** Weight 0 instead of removal on failure. */
    public boolean inhibitOnFailure()
    {
        return inhibitOnFailure;
    }

    /** smtp_alert: mail on its real servers' transitions and quorum changes. */
    public boolean smtpAlert()
    {
        return smtpAlert;
    }

    /** omega: at shutdown, run the notify_down of live real servers and quorum_down. */
    public boolean omega()
    {
        return omega;
    }

    /** ha_suspend: check only while this director is active (VRRP master, or no VRRP). */
    public boolean haSuspend()
    {
        return haSuspend;
    }

    /** Sum of live weights the service needs (keepalived's default 1). */
    public long quorum()
    {
        return quorum;
    }

    /** Hysteresis around the quorum. */
    public long hysteresis()
    {
        return hysteresis;
    }

    /** Scripts run when the quorum is gained or lost, or null. */
    public Command quorumUp()
    {
        return quorumUp;
    }

    /** See {@link #quorumUp}. */
    public Command quorumDown()
    {
        return quorumDown;
    }

    /** The sorry server's address (null: none), used while the quorum is lost. */
    public IpAddress sorry()
    {
        return sorryAddr;
    }

    /** {@link #sorry()} as the engine keys it (0: none, or an IPv6 one, which the engine does not carry yet). */
    public int sorryAddr()
    {
        return null == sorryAddr || sorryAddr.v6() ? 0 : sorryAddr.v4();
    }

    /** See {@link #sorryAddr}. */
    public int sorryPort()
    {
        return sorryPort;
    }

    /** Keep the sorry server with weight 0 instead of removing it. */
    public boolean sorryInhibit()
    {
        return sorryInhibit;
    }

    /** The sorry server's method, or -1 for the virtual server's. */
    public int sorryMethod()
    {
        return sorryMethod;
    }

    /** @return keepalived's {@code FMT_VS}: "[ADDR]:PROTO:PORT", "FWM N" or "[GROUP]:PORT". */
    public String keepalivedName()
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
    public String name()
    {
        if (null != group)
        {
            return "group " + group;
        }
        return 0 != fwmark ? "fwmark " + fwmark : vip.withPort(port);
    }
}
