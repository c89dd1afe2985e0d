package dev.jvs.vrrp;

/** The states of a VRRP instance (RFC 5798 6.4, plus keepalived's FAULT and STOP). */
public enum VrrpState
{
    /** Not started. */
    INIT,
    /** Listening; takes over when the master goes silent. */
    BACKUP,
    /** Owns the addresses and advertises. */
    MASTER,
    /** A tracked interface or script failed: neither owns nor competes. */
    FAULT,
    /** Shut down. */
    STOP
}
