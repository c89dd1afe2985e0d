package dev.jvs.director.config;

import dev.jvs.engine.frame.IpAddress;

import java.util.ArrayList;
import java.util.List;

/** A {@code real_server} as it is read, before it is completed and made a {@link RealServer}. */
final class RealServerDraft
{
    /** Where it is declared. */
    Position at;
    /** Address. */
    IpAddress addr;
    /** Port (0: the client's). */
    int port;
    /** Weight (-1 until set: then the virtual server's {@code weight}, by default 1). */
    int weight = -1;
    /** Upper connection threshold. */
    int uthreshold;
    /** Lower connection threshold. */
    int lthreshold;
    /** Forwarding method, or -1 for the virtual server's. */
    int method = -1;
    /** MAC address (jvs: for offline replay), or -1. */
    long mac = -1;
    /** Health checks; the server is up when all are (none: always up). */
    final List<CheckDraft> checks = new ArrayList<>();
    /** Set weight 0 instead of removing it when a check fails. */
    boolean inhibitOnFailure;
    /** Start down until the checks pass (keepalived's alpha). */
    boolean alpha;
    /** Scripts run when the checks bring it up or take it down, or null. */
    Command notifyUp;
    /** smtp_alert: mail on its transitions. */
    boolean smtpAlert;
    /** See {@link #notifyUp}. */
    Command notifyDown;
    /** The virtual server it belongs to. */
    VirtualServerDraft vs;
    // Checker defaults set at this level (null: inherit the virtual server's).
    Long warmupMs;
    Long delayLoopMs;
    Long connectTimeoutMs;
    Integer retry;
    Long delayBeforeRetryMs;
    String virtualhost;
}
