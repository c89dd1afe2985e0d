package dev.jvs.engine;

/**
 * What happened to each frame, with stable ids and labels (the ids are the index into {@link Counters}).
 * Every frame the engine does not transmit is counted under exactly one reason.
 */
public enum Counter
{
    /** Forwarded to a real server. */
    FORWARDED_IN("forwarded to a real server", false),
    /** A NAT reply forwarded to the client. */
    FORWARDED_OUT("NAT reply forwarded to the client", false),
    /** ARP reply sent for a VIP. */
    ARP_REPLIED("ARP request for a VIP answered", false),
    /** An ICMP error sent back (time exceeded, fragmentation needed). */
    ICMP_SENT("ICMP error sent to the sender", false),
    /** An ICMP fragmentation needed about a tunnelled packet lowered a TUN real server's path MTU. */
    TUN_PMTU("path MTU to a TUN real server lowered by ICMP", false),
    /** Not for a virtual service: left to the kernel. */
    NOT_OURS("not for a virtual service", false),
    /** IPv6 frames while no IPv6 service is configured. */
    IPV6_IGNORED("IPv6, no IPv6 service", false),
    /** Shorter than an Ethernet header or its VLAN tags. */
    DROP_TRUNCATED_L2("truncated Ethernet header", true),
    /** Bad IP version, IHL or total length. */
    DROP_BAD_IP_HEADER("malformed IPv4 header", true),
    /** IP header checksum wrong. */
    DROP_BAD_IP_CHECKSUM("bad IPv4 header checksum", true),
    /** A fragment for a virtual service (jvs does not reassemble). */
    DROP_FRAGMENT("IPv4 fragment for a virtual service", true),
    /** TCP/UDP/ICMP header missing or cut. */
    DROP_TRUNCATED_L4("truncated transport header", true),
    /** TCP data offset or UDP length wrong. */
    DROP_BAD_L4_HEADER("malformed transport header", true),
    /** TTL would reach zero (an ICMP time exceeded goes back). */
    DROP_TTL_EXCEEDED("TTL exceeded", true),
    /** TCP segment other than SYN for a virtual service, with no connection. */
    DROP_NO_CONNECTION("TCP segment without connection", true),
    /** The scheduler found no real server. */
    DROP_NO_DESTINATION("no real server available", true),
    /** Connection table full: new connection refused. */
    DROP_TABLE_FULL("connection table full", true),
    /** The real server's MAC address is not known. */
    DROP_NO_NEIGHBOR("real server MAC unknown", true),
    /** Too big for the path with DF set (an ICMP fragmentation needed goes back). */
    DROP_FRAG_NEEDED("too big with DF set", true),
    /** The connection's real server was removed and expire_nodest_conn is on. */
    DROP_NODEST_EXPIRED("real server removed (expire_nodest_conn)", true),
    /** The output frame would not fit the transmit buffer. */
    DROP_NO_ROOM("output frame larger than the transmit slot", true),
    /** An ICMP error whose quoted packet is cut or unrelated to a connection. */
    DROP_BAD_ICMP("ICMP error quoting no known connection", true),
    /** Frame bigger than the interface MTU (merged by GRO/LRO, or jumbo). */
    DROP_OVERSIZE("frame larger than the MTU", true),
    /** Traffic for a virtual service reached a director that is a VRRP backup. */
    DROP_STANDBY("virtual service traffic while VRRP backup", true),
    /** A tunnelled packet without DF too big for the path, sent in IP fragments as Linux's ip_fragment does. */
    TUN_FRAGMENTED("tunnelled packet sent in fragments", false),
    /** No route of the director leads to the real server (or the client). */
    DROP_NO_ROUTE("no route to the destination", true),
    /**
     * Frames the kernel dropped because the receive ring was full (PACKET_STATISTICS' tp_drops): the worker
     * fell behind. They never reach the engine; the worker adds the kernel's count on its timer.
     */
    DROP_RING_FULL("receive ring full (dropped by the kernel)", true),
    /**
     * Transmit calls the kernel refused (ENOBUFS, a full device queue): from the TX ring the frames are
     * requested again and go with the next kick; from sendmmsg the frame is lost.
     */
    TX_REFUSED("transmit refused by the kernel (device queue full)", false),
    /** A neighbour solicitation for an IPv6 VIP answered (ARP's part for IPv6). */
    ND_ANSWERED("IPv6 neighbour solicitation for a VIP answered", false),
    /** A malformed IPv6 header or extension header chain. */
    DROP_BAD_IP6_HEADER("malformed IPv6 header", true),
    /** An IPv6 fragment for a virtual service (jvs does not reassemble). */
    DROP_FRAGMENT6("IPv6 fragment for a virtual service", true),
    /** An ip6ip6 tunnel needs the director's own IPv6 address on the port as its source, and there is none. */
    DROP_NO_SOURCE6("no IPv6 address of the director's own on the port (ip6ip6 source)", true);

    private final String label;
    private final boolean drop;

    Counter(final String label, final boolean drop)
    {
        this.label = label;
        this.drop = drop;
    }

    /** @return a short human-readable label. */
    public String label()
    {
        return label;
    }

    /** @return true when frames counted here are dropped. */
    public boolean isDrop()
    {
        return drop;
    }
}
