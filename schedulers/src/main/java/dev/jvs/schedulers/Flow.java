package dev.jvs.schedulers;

/**
 * What a scheduler may look at of the packet that opens a connection: a mutable holder the caller fills
 * and reuses, so {@link Scheduler#pick(Flow)} allocates nothing.
 * <p>
 * Addresses are IPv4 in host order. For IPv6 the kernel's hash schedulers use the XOR fold of the four
 * 32-bit words ({@code addr_fold}); callers put that fold here.
 */
public final class Flow
{
    /** IP protocol number of TCP. */
    public static final int TCP = 6;
    /** IP protocol number of UDP. */
    public static final int UDP = 17;
    /** IP protocol number of SCTP. */
    public static final int SCTP = 132;

    /** IP protocol number. */
    public int protocol;
    /** Source (client) address. */
    public int saddr;
    /** Destination (virtual) address. */
    public int daddr;
    /** Source port, 0 where the protocol has none. */
    public int sport;
    /** Destination port, 0 where the protocol has none. */
    public int dport;
    /** Time of the packet, milliseconds on the caller's clock (lblc/lblcr age their maps with it). */
    public long nowMs;

    /**
     * Fill every field at once.
     *
     * @param protocol IP protocol number.
     * @param saddr source address.
     * @param sport source port.
     * @param daddr destination address.
     * @param dport destination port.
     * @param nowMs time.
     * @return this.
     */
    public Flow set(final int protocol, final int saddr, final int sport, final int daddr, final int dport,
        final long nowMs)
    {
        this.protocol = protocol;
        this.saddr = saddr;
        this.sport = sport;
        this.daddr = daddr;
        this.dport = dport;
        this.nowMs = nowMs;
        return this;
    }

    /** @return true for the protocols whose first 4 bytes are ports (TCP, UDP, SCTP). */
    public boolean hasPorts()
    {
        return TCP == protocol || UDP == protocol || SCTP == protocol;
    }
}
