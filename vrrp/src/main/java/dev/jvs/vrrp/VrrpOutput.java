package dev.jvs.vrrp;

/**
 * What a {@link VrrpInstance} asks of the world: the packet channel and the VIP owner. Called on the
 * instance's own thread; implementations must not block (a notify script is started, not waited for).
 */
public interface VrrpOutput
{
    /**
     * Send an advertisement now (to the group, or to each unicast peer).
     *
     * @param instance who sends; {@link VrrpInstance#nextIpId()} gives the IP identification.
     * @param priority the priority to advertise (0 when giving up mastership).
     */
    void advertise(VrrpInstance instance, int priority);

    /**
     * Send one gratuitous ARP for each of the instance's IPv4 addresses, and one unsolicited Neighbor
     * Advertisement for each IPv6 one.
     *
     * @param instance the master.
     */
    void gratuitousArp(VrrpInstance instance);

    /**
     * The instance changed state: take the addresses on MASTER, give them up on leaving it.
     *
     * @param instance the instance.
     * @param from the old state.
     * @param to the new state.
     * @param why a few words for the log.
     */
    void stateChanged(VrrpInstance instance, VrrpState from, VrrpState to, String why);

    /**
     * An advert's source address as text, for the log (IPv4 dotted here; the director writes IPv6 as inet_ntop).
     *
     * @param b buffer.
     * @param ip the IP header.
     * @return the text.
     */
    default String sourceText(final org.agrona.DirectBuffer b, final int ip)
    {
        return VrrpPacket.isIpv6(b, ip) ? "an IPv6 router" : VrrpInstance.dotted(b.getInt(ip + 12,
            java.nio.ByteOrder.BIG_ENDIAN));
    }
}
