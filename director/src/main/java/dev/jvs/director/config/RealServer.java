package dev.jvs.director.config;

import dev.jvs.engine.frame.IpAddress;

import java.util.List;

/** A real server of a {@link VirtualServer}, immutable, its defaults resolved. */
public final class RealServer
{
    private final Position at;
    private final IpAddress addr;
    private final int port;
    private final int weight;
    private final int uthreshold;
    private final int lthreshold;
    private final int method;
    private final long mac;
    private final List<Check> checks;
    private final boolean inhibitOnFailure;
    private final boolean alpha;
    private final Command notifyUp;
    private final boolean smtpAlert;
    private final Command notifyDown;
    private final VirtualServer vs;

    RealServer(final RealServerDraft d, final VirtualServer vs)
    {
        this.at = d.at;
        this.addr = d.addr;
        this.port = d.port;
        this.weight = d.weight;
        this.uthreshold = d.uthreshold;
        this.lthreshold = d.lthreshold;
        this.method = d.method;
        this.mac = d.mac;
        this.checks = d.checks.stream().map(Check::new).toList();
        this.inhibitOnFailure = d.inhibitOnFailure;
        this.alpha = d.alpha;
        this.notifyUp = d.notifyUp;
        this.smtpAlert = d.smtpAlert;
        this.notifyDown = d.notifyDown;
        this.vs = vs;
    }

    /** Where it is declared. */
    public Position at()
    {
        return at;
    }

    /** Address. */
    public IpAddress address()
    {
        return addr;
    }

    /** The IPv4 address as the engine keys it; IPv6 services never reach the engine. */
    public int addr()
    {
        return addr.v4();
    }

    /** Port (0: the client's). */
    public int port()
    {
        return port;
    }

    /** Weight (the virtual server's {@code weight}, by default 1, when none is set). */
    public int weight()
    {
        return weight;
    }

    /** Upper connection threshold. */
    public int uthreshold()
    {
        return uthreshold;
    }

    /** Lower connection threshold. */
    public int lthreshold()
    {
        return lthreshold;
    }

    /** Forwarding method, or -1 for the virtual server's. */
    public int method()
    {
        return method;
    }

    /** MAC address (jvs: for offline replay), or -1. */
    public long mac()
    {
        return mac;
    }

    /** Health checks; the server is up when all are (none: always up). */
    public List<Check> checks()
    {
        return checks;
    }

    /** Set weight 0 instead of removing it when a check fails. */
    public boolean inhibitOnFailure()
    {
        return inhibitOnFailure;
    }

    /** Start down until the checks pass (keepalived's alpha). */
    public boolean alpha()
    {
        return alpha;
    }

    /** Scripts run when the checks bring it up or take it down, or null. */
    public Command notifyUp()
    {
        return notifyUp;
    }

    /** smtp_alert: mail on its transitions. */
    public boolean smtpAlert()
    {
        return smtpAlert;
    }

    /** See {@link #notifyUp}. */
    public Command notifyDown()
    {
        return notifyDown;
    }

    /** The virtual server it belongs to. */
    public VirtualServer vs()
    {
        return vs;
    }
}
