/**
 * The forwarding engine: a frame from a receive ring to a transmit ring, as IPVS forwards it.
 * {@link dev.jvs.engine.Forwarder} is the entry; docs/ARCHITECTURE.md walks one frame through it.
 * <p>
 * What IPVS does and so does this:
 * <ul>
 * <li>TTL: every forwarded packet, in either direction and by every method, has its TTL decremented
 * ({@code decrement_ttl}); at TTL 1 an ICMP time exceeded goes back instead. IPIP's outer header copies
 * the inner TOS, DF and (decremented) TTL.</li>
 * <li>PMTU: a DF packet that would not fit once encapsulated gets an ICMP fragmentation needed with
 * MTU - 20 as next-hop MTU; one that does not fit the interface at all is dropped.</li>
 * <li>TCP connections are created by a SYN (any segment with {@code sloppyTcp}); a SYN for a connection in
 * TIME_WAIT or CLOSE replaces it ({@code conn_reuse_mode} 1).</li>
 * <li>Persistence: a template per client network (netmask granularity) and service keeps new connections on
 * the template's real server while it is available; port-zero and firewall-mark services use port-0
 * templates.</li>
 * <li>ICMP errors (unreachable, source quench, time exceeded) quoting a connection's packet follow the
 * connection; for NAT the outer and the quoted headers are translated.</li>
 * </ul>
 * Frames whose L4 checksum is only partial (a local stack on veth: "checksum not ready") get a full checksum
 * computed in software after the rewrite; complete checksums are updated incrementally (RFC 1624).
 * <p>
 * Defense against a table-filling SYN flood: when the table is full, a new connection replaces a random
 * half-open entry (never confirmed: no TCP handshake completed, no UDP reply) or a persistence template that
 * controls none and was never assured, found by probing up to 8 random slots, like IPVS's {@code drop_entry}
 * strategy. Established connections are never evicted; half-open ones are cheap to lose (the client
 * retransmits its SYN).
 */
package dev.jvs.engine;
