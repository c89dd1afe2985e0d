package dev.jvs.engine;

/**
 * The received frame being processed, as {@link Forwarder#process} parsed it once: where its headers are and
 * what they say. One instance per forwarder, refilled for every frame and read by every part of the forwarding
 * (scheduling, state transitions, transmission, ICMP): no object per frame, and no part re-parses.
 * <pre>
 *   off        l2Len        ip            ipHl           l4            l4Len
 *   | Ethernet [VLAN tags] | IPv4 header [options] | TCP/UDP/ICMP header and payload |
 *                          |&lt;-------------------- ipTotal -------------------------&gt;|
 * </pre>
 */
final class Packet
{
    /** Ethernet header length, VLAN tags included. */
    int l2Len;
    /** Offset of the IPv4 header in the received buffer. */
    int ip;
    /** IPv4 header length. */
    int ipHl;
    /** IPv4 total length. */
    int ipTotal;
    /** Offset of the transport header. */
    int l4;
    /** Transport header and payload length. */
    int l4Len;
    /** IP protocol. */
    int proto;
    /** Source and destination addresses. */
    int saddr;
    int daddr;
    /** Source and destination ports (TCP, UDP). */
    int sport;
    int dport;
    /** TCP flags, 0 for UDP. */
    int tcpFlags;
    /** The L4 checksum holds only the pseudo-header sum (TP_STATUS_CSUMNOTREADY). */
    boolean csumNotReady;
    /** The port (interface) the frame came in by: replies to its sender (ARP, ICMP) leave by it. */
    int inPort;
    /** Where the frame to send is written: the slot of the port opened last. */
    Egress egress;
}
