package dev.jvs.engine;

import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.conn.TcpStates;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.frame.Tcp;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import dev.jvs.schedulers.Destinations;
import dev.jvs.schedulers.Scheduler;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Everything a director does to one frame, as IPVS's {@code ip_vs_core.c} directs it: classify the frame,
 * find or create its connection, move its state, and hand it to be written on the wire. The parts follow
 * IPVS's own seams: {@link Packet} (the frame parsed once), {@link Scheduling} (new connections and expiry,
 * {@code ip_vs_schedule}), {@link Transitions} ({@code ip_vs_set_state}), {@link Transmit}
 * ({@code ip_vs_xmit.c}), {@link IcmpHandler} ({@code ip_vs_in_icmp}), {@link IcmpSender}
 * ({@code icmp_send}), {@link SyncEntries} ({@code ip_vs_sync.c}'s table side) and {@link ArpResponder}.
 * <p>
 * {@link #process} reads a received frame and writes at most one frame to transmit into a separate buffer
 * (the TX slot): the only copy on the path. It never allocates, throws or logs for any input; every frame it
 * does not transmit is counted under one {@link Counter}.
 * <p>
 * What IPVS does to a frame and so does this (TTL, PMTU, connection reuse, persistence, ICMP errors, the
 * defense against a SYN flood) is listed in the package's documentation.
 */
public final class Forwarder implements ConnectionTable.ExpiryHandler
{
    /** Frame flag: the L4 checksum holds only the pseudo-header sum (TP_STATUS_CSUMNOTREADY). */
    public static final int CSUM_NOT_READY = 0x1;
    /** Returned by {@link #process} when nothing is to be transmitted. */
    public static final int NOTHING = 0;
    /** Most frames in a prefetch group ({@link #prefetch}): their misses fit the CPU's reorder window. */
    public static final int GROUP = 16;
    /**
     * Below this many connections the table's lines stay in the caches and prefetching only costs time
     * (measured at 1024 flows: 5 ns a DR frame, 13 ns a NAT frame; see bench/RESULTS.md).
     */
    static final int PREFETCH_MIN_CONNECTIONS = 1 << 14;

    /** VRRP gate: forward for every service (no VRRP, or master of every instance). */
    public static final int GATE_OPEN = 0;
    /** VRRP gate: forward and answer ARP only for the {@link #ownedAddresses()}. */
    public static final int GATE_OWNED = 1;
    /** IPVS's sync_threshold and sync_period defaults: a connection is sent on its 3rd, 53rd, ... packet. */
    public static final int SYNC_THRESHOLD = 3;
    /** See {@link #SYNC_THRESHOLD}. */
    public static final int SYNC_PERIOD = 50;

    private final EngineConfig cfg;
    private final ServiceTable services;
    private final ConnectionTable conns;
    private final Neighbors neighbors;
    private final Counters counters;
    private final Packet pkt = new Packet();
    private final ArpResponder arp;
    private final IcmpSender icmpSender;
    private final Transmit xmit;
    private final IcmpHandler icmp;
    private final Transitions transitions;
    private final Scheduling scheduling;
    private final SyncEntries sync;
    private final Prefetch prefetch;
    private final Forward6 v6;
    private ControlTap tap;
    private Ownership ownership;
    private final Egress fixed = Egress.fixed();
    private Routes routes = Routes.NONE;

    /**
     * @param cfg the director's parameters.
     * @param services virtual services.
     * @param conns this worker's connection table.
     * @param neighbors real servers' MACs.
     * @param counters this worker's counters.
     */
    public Forwarder(final EngineConfig cfg, final ServiceTable services, final ConnectionTable conns,
        final Neighbors neighbors, final Counters counters)
    {
        this.cfg = cfg;
        this.services = services;
        this.conns = conns;
        this.neighbors = neighbors;
        this.counters = counters;
        this.arp = new ArpResponder(cfg, services, neighbors, counters);
        this.icmpSender = new IcmpSender(cfg, counters, pkt);
        this.xmit = new Transmit(cfg, neighbors, counters, pkt, icmpSender);
        this.icmp = new IcmpHandler(cfg, services, conns, neighbors, counters, pkt, xmit, icmpSender);
        this.transitions = new Transitions(cfg, conns, pkt);
        this.scheduling = new Scheduling(cfg, services, conns, counters, pkt);
        this.sync = new SyncEntries(services, conns, counters, pkt);
        this.prefetch = new Prefetch(services, conns);
        this.v6 = new Forward6(cfg, services, conns, neighbors, counters, pkt, scheduling, transitions, xmit, sync);
    }

    /** @return the counters. */
    public Counters counters()
    {
        return counters;
    }

    /** @return the connection table. */
    public ConnectionTable connections()
    {
        return conns;
    }

    /** @return the services. */
    public ServiceTable services()
    {
        return services;
    }

    /** @return the engine configuration (timeouts, flags); change it on this thread only. */
    public EngineConfig config()
    {
        return cfg;
    }

    /**
     * Write an ARP request for an address (real server resolution).
     *
     * @param target the address to resolve.
     * @param out where the frame goes.
     * @param outOff offset.
     * @return the frame length.
     */
    public int arpRequest(final int target, final MutableDirectBuffer out, final int outOff)
    {
        return arp.request(target, 0, out, outOff);
    }

    /**
     * Write a Neighbor Solicitation for an IPv6 real server, from the link-local address of the port's MAC.
     *
     * @param target the address to resolve.
     * @param port the port it is asked on.
     * @param out where the frame goes.
     * @param outOff offset.
     * @return the frame length.
     */
    public int neighborSolicit(final dev.jvs.engine.frame.IpAddress target, final int port,
        final MutableDirectBuffer out, final int outOff)
    {
        return v6.nd().solicit(target, port, out, outOff);
    }

    /**
     * Write an ARP request for an address, from the director's address on a port.
     *
     * @param target the address to resolve.
     * @param port the port it is asked on.
     * @param out where the frame goes.
     * @param outOff offset.
     * @return the frame length.
     */
    public int arpRequest(final int target, final int port, final MutableDirectBuffer out, final int outOff)
    {
        return arp.request(target, port, out, outOff);
    }

    /**
     * Periodic work: expire connections (bounded) and run schedulers' timers.
     *
     * @param nowMs the time.
     * @param limit most connection entries to visit.
     * @return entries freed.
     */
    public int onTimer(final long nowMs, final int limit)
    {
        for (int i = 0, n = services.size(); i < n; i++)
        {
            services.get(i).scheduler().onTimer(nowMs);
        }
        services.refreshCounts();
        xmit.expirePathMtus(nowMs);
        v6.expire(nowMs);
        return conns.expire(nowMs, limit, this);
    }

    /**
     * First step over a group of received frames (see {@link Prefetch#prefetch}).
     *
     * @param slot the frame's place in the group, 0 to {@link #GROUP} - 1.
     * @param in buffer.
     * @param off frame offset.
     * @param len frame length.
     */
    public void prefetch(final int slot, final DirectBuffer in, final int off, final int len)
    {
        prefetch.prefetch(slot, in, off, len);
    }

    /** @param count frames in the group: load their entries together (see {@link Prefetch#entries}). */
    public void prefetchEntries(final int count)
    {
        prefetch.entries(count);
    }

    /**
     * Process one received frame.
     *
     * @param in the received frame's buffer.
     * @param off frame offset.
     * @param len frame length.
     * @param frameFlags {@link #CSUM_NOT_READY} or 0.
     * @param out where a frame to transmit is written.
     * @param outOff offset in {@code out}.
     * @param outCap room in {@code out}.
     * @param nowMs the time (read once per batch by the caller).
     * @return bytes written to {@code out}, or {@link #NOTHING}.
     */
    public int process(final DirectBuffer in, final int off, final int len, final int frameFlags,
        final MutableDirectBuffer out, final int outOff, final int outCap, final long nowMs)
    {
        return process(in, off, len, frameFlags, 0, fixed.slot(out, outOff, outCap), nowMs);
    }

    /**
     * Process one frame received on a port; the frame to send goes into a slot of the port it leaves by.
     *
     * @param in the received frame's buffer.
     * @param off frame offset.
     * @param len frame length.
     * @param frameFlags {@link #CSUM_NOT_READY} or 0.
     * @param inPort the port it came in by.
     * @param egress where the frame to send is written: commit the length returned on {@link Egress#port()}.
     * @param nowMs the time (read once per batch by the caller).
     * @return bytes written to the egress slot, or {@link #NOTHING}.
     */
    public int process(final DirectBuffer in, final int off, final int len, final int frameFlags, final int inPort,
        final Egress egress, final long nowMs)
    {
        pkt.inPort = inPort;
        pkt.egress = egress;
        final Egress eg = egress.open(inPort);
        xmit.resetFragments();
        if (len < Ethernet.HEADER_LENGTH)
        {
            return count(Counter.DROP_TRUNCATED_L2);
        }
        int type = Ethernet.type(in, off);
        int l2 = Ethernet.HEADER_LENGTH;
        for (int tags = 0; (Ethernet.TYPE_VLAN == type || Ethernet.TYPE_QINQ == type) && tags < 2; tags++)
        {
            if (l2 + Ethernet.VLAN_TAG_LENGTH > len)
            {
                return count(Counter.DROP_TRUNCATED_L2);
            }
            type = in.getShort(off + l2 + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            l2 += Ethernet.VLAN_TAG_LENGTH;
        }
        final Packet p = pkt;
        p.l2Len = l2;
        if (Ethernet.TYPE_ARP == type)
        {
            return arp.onArp(in, off, len, l2, inPort, eg.buffer, eg.offset, eg.capacity);
        }
        if (Ethernet.TYPE_IPV6 == type)
        {
            p.csumNotReady = 0 != (frameFlags & CSUM_NOT_READY);
            return v6.process(in, off, len, nowMs);
        }
        if (Ethernet.TYPE_IPV4 != type)
        {
            return count(Counter.NOT_OURS);
        }
        p.csumNotReady = 0 != (frameFlags & CSUM_NOT_READY);
        final Counter bad = p.parseIp(in, off + l2, len - l2, services);
        if (null != bad)
        {
            counters.inc(bad);
            return NOTHING;
        }
        switch (p.proto)
        {
            case Ipv4.PROTO_TCP, Ipv4.PROTO_UDP:
                break;
            case Ipv4.PROTO_ICMP:
                return arp.forwards(p.daddr) ? icmp.onIcmp(in, off, nowMs) :
                    count(Counter.NOT_OURS);
            default:
                return null != tap && tap.onFrame(p.inPort, in, p.ip, p.ipTotal, p.proto, nowMs) ? NOTHING :
                    count(Counter.NOT_OURS);
        }
        if (!arp.forwards(p.daddr))
        {
            return gated(in, off, nowMs);
        }
        return dispatch(in, off, nowMs);
    }

    /**
     * A TCP or UDP packet for this director to forward: a NAT reply, a packet of a known connection, or the
     * first of a new one.
     */
    private int dispatch(final DirectBuffer in, final int off, final long nowMs)
    {
        final Packet p = pkt;
        final int proto = p.proto;
        // A packet from a NAT real server is most likely a reply: try the out-index first, and spare every
        // other packet (clients, new connections) a second random memory access.
        if (services.isNatServer(p.saddr))
        {
            final int r = conns.lookupOut(proto, p.saddr, p.sport, p.daddr, p.dport);
            if (r >= 0)
            {
                return forwardOut(r, in, off, nowMs);
            }
        }
        final int e = conns.lookupIn(proto, p.saddr, p.sport, p.daddr, p.dport);
        if (e >= 0)
        {
            if (Ipv4.PROTO_TCP != proto || 0 == (p.tcpFlags & Tcp.SYN) || !scheduling.isReusable(e))
            {
                return forwardIn(e, in, off, nowMs);
            }
            scheduling.expireNow(e, nowMs);
        }
        return newConnection(in, off, nowMs);
    }

    /**
     * No connection: the first packet of one for a virtual service, or not ours. Apart from {@link #dispatch}
     * so that the path of established connections stays small enough for the JIT to inline into process.
     */
    private int newConnection(final DirectBuffer in, final int off, final long nowMs)
    {
        final Packet p = pkt;
        final int proto = p.proto;
        final VirtualService svc = services.find(services.classify(proto, p.daddr, p.dport), proto, p.daddr, p.dport);
        if (null == svc)
        {
            return Ipv4.PROTO_UDP == proto && null != tap && tap.onFrame(p.inPort, in, p.ip, p.ipTotal, proto, nowMs) ?
                NOTHING : count(Counter.NOT_OURS);
        }
        if (Ipv4.PROTO_TCP == proto &&
            ((0 == (p.tcpFlags & Tcp.SYN) && !cfg.sloppyTcp) || 0 != (p.tcpFlags & Tcp.RST)))
        {
            return count(Counter.DROP_NO_CONNECTION);
        }
        return schedule(svc, in, off, nowMs);
    }

    /**
     * VRRP gates forwarding to the addresses this director owns: a NAT reply of an owned VIP's connection still
     * goes out; UDP may be connection sync for the tap; the rest is counted.
     */
    private int gated(final DirectBuffer in, final int off, final long nowMs)
    {
        final Packet p = pkt;
        if (services.isNatServer(p.saddr))
        {
            final int r = conns.lookupOut(p.proto, p.saddr, p.sport, p.daddr, p.dport);
            if (r >= 0 && arp.owned().contains(conns.vaddr(r)))
            {
                return forwardOut(r, in, off, nowMs);
            }
        }
        if (Ipv4.PROTO_UDP == p.proto && null != tap && tap.onFrame(p.inPort, in, p.ip, p.ipTotal, p.proto, nowMs))
        {
            return NOTHING;
        }
        return count(services.isVip(p.daddr) || services.isNatServer(p.saddr) ? Counter.DROP_STANDBY :
            Counter.NOT_OURS);
    }

    /** A new connection: its real server, then the connection (or one-packet scheduling's single datagram). */
    private int schedule(final VirtualService svc, final DirectBuffer in, final int off, final long nowMs)
    {
        final int dest = scheduling.destination(svc, nowMs);
        if (Scheduler.NO_DEST == dest)
        {
            return NOTHING;
        }
        final Destinations d = svc.dests();
        final int dport = pkt.dport;
        final int raddr = d.address(dest);
        final int rport = 0 != d.port(dest) && (dport == svc.vport() || 0 != svc.fwmark()) ? d.port(dest) : dport;
        final int method = svc.method(dest);
        if (svc.onePacket() && Ipv4.PROTO_UDP == pkt.proto && scheduling.template < 0)
        {
            // One-packet scheduling: the connection lives for this datagram only.
            d.bind(dest, Destinations.CONN_INACTIVE);
            svc.countNew(dest);
            final Egress eg = pkt.egress.to(svc.port(dest, neighbors, routes));
            final int n = xmit.toRealServer(svc, dest, method, raddr, rport, in, off, eg.buffer, eg.offset,
                eg.capacity, routes);
            if (n > 0)
            {
                svc.countIn(dest, pkt.ipTotal);
            }
            d.unbind(dest, Destinations.CONN_INACTIVE);
            return n;
        }
        final int e = scheduling.connect(svc, dest, raddr, rport, method, in, off, nowMs);
        return e < 0 ? NOTHING : forwardIn(e, in, off, nowMs);
    }

    /** A client's packet of connection {@code e}, to its real server. */
    private int forwardIn(final int e, final DirectBuffer in, final int off, final long nowMs)
    {
        final VirtualService svc = services.get(conns.service(e));
        final int dest = conns.dest(e);
        final int method = conns.fwd(e);
        final int raddr = conns.daddr(e);
        final int rport = conns.dport(e);
        if (cfg.expireNodestConn && !svc.dests().isListed(dest))
        {
            scheduling.expireNow(e, nowMs);
            return count(Counter.DROP_NODEST_EXPIRED);
        }
        sync.clientPacket(e, svc, transitions, in, off, nowMs);
        final Egress eg = pkt.egress.to(svc.port(dest, neighbors, routes));
        final int n = xmit.toRealServer(svc, dest, method, raddr, rport, in, off, eg.buffer, eg.offset, eg.capacity,
            routes);
        if (n > 0)
        {
            svc.countIn(dest, pkt.ipTotal);
        }
        return n;
    }

    /** A NAT real server's reply of connection {@code e}, to the client. */
    private int forwardOut(final int e, final DirectBuffer in, final int off, final long nowMs)
    {
        final VirtualService svc = services.get(conns.service(e));
        transitions.onPacket(e, svc, TcpStates.DIR_OUTPUT, nowMs);
        if (Ipv4.ttl(in, pkt.ip) <= 1)
        {
            final Egress eg = pkt.egress;
            return icmpSender.timeExceeded(in, off, eg.buffer, eg.offset, eg.capacity, cfg.ip(pkt.inPort));
        }
        long mac = conns.mac(e);
        if (0 == macOf(mac))
        {
            // A synced entry whose client has not spoken through this director yet: its next hop's MAC by ARP.
            final long r = routes.lookup(conns.caddr(e));
            final int port = r < 0 ? pkt.inPort : (int)(r >>> 32);
            final int hop = r < 0 ? conns.caddr(e) : (int)r;
            mac = neighbors.get(hop);
            if (Neighbors.UNKNOWN == mac)
            {
                counters.inc(Counter.DROP_NO_NEIGHBOR);
                final Egress eg = pkt.egress.to(port);
                return arp.request(hop, port, eg.buffer, eg.offset);
            }
            mac = withPort(mac, port);
            conns.mac(e, mac);
        }
        final Egress eg = pkt.egress.to(portOf(mac));
        final int n = xmit.toClient(in, off, eg.buffer, eg.offset, eg.capacity, macOf(mac), conns.vaddr(e),
            conns.vport(e));
        if (n > 0)
        {
            svc.countOut(conns.dest(e), pkt.ipTotal);
        }
        return n;
    }

    /** @return whether the last {@link #process} left frames to send: call {@link #nextFrame} until false. */
    public boolean hasMoreFrames()
    {
        return xmit.hasMoreFrames();
    }

    /**
     * The next of the frames the last {@link #process} left (the IP fragments of a tunnelled packet too big for
     * its path). Call it right after that {@link #process}, until {@link #hasMoreFrames} is false: the next
     * frame received replaces them.
     *
     * @param out where the frame is written.
     * @param outOff offset in {@code out}.
     * @param outCap room in {@code out}.
     * @return its length, or {@link #NOTHING} when none is left or it does not fit (then none is left).
     */
    public int nextFrame(final MutableDirectBuffer out, final int outOff, final int outCap)
    {
        return xmit.nextFrame(out, outOff, outCap);
    }

    @Override
    public boolean onExpired(final ConnectionTable table, final int e, final long nowMs)
    {
        return scheduling.onExpired(table, e, nowMs);
    }

    /** The frame leaves by this port: its slot is the one written from here on. */

    /** A client's MAC as a connection keeps it: the port it is behind in bits 48 to 55. */
    static long withPort(final long mac, final int port)
    {
        return mac & 0xFFFFFFFFFFFFL | (long)port << 48;
    }

    /** @param v a MAC with its port (a neighbour entry). @return the MAC of a {@link #withPort} value. */
    public static long macOf(final long v)
    {
        return v & 0xFFFFFFFFFFFFL;
    }

    /** @return the port of a {@link #withPort} value. */
    static int portOf(final long v)
    {
        return (int)(v >>> 48) & 0xFF;
    }

    /**
     * The director's routes: which port and next hop lead to a real server or a client.
     *
     * @param r the new snapshot (on this worker's thread).
     */
    public void routes(final Routes r)
    {
        routes = r;
        icmp.routes(r);
    }

    /** @return the routes this worker forwards by. */
    public Routes routes()
    {
        return routes;
    }

    // ------------------------------------------------------------------------------------------------ sync

    /**
     * Connection sync master: entries go to the sink by IPVS's rule (ip_vs_sync_conn_needed with the default
     * sysctls): TCP when it enters FIN_WAIT, CLOSE, CLOSE_WAIT or TIME_WAIT, and on the 3rd (then every 50th)
     * packet from the client while ESTABLISHED; UDP on the 3rd, 53rd... packet; a persistence template
     * with each connection it controls.
     *
     * @param sink the sink, or null to stop.
     */
    public void syncSink(final SyncSink sink)
    {
        sync.sink(sink);
    }

    /**
     * Connection sync backup: install or update an entry as IPVS's ip_vs_proc_conn does. The service and real
     * server must exist here (the backup runs the same configuration); the entry counts at its real server
     * as active or inactive like a scheduled one, and expires by its own timer, with the timeout sent.
     *
     * @param proto IP protocol (0 for a firewall-mark template).
     * @param caddr client address (a template: the client network).
     * @param cport client port.
     * @param vaddr virtual address (a firewall-mark template: the mark).
     * @param vport virtual port.
     * @param daddr real server.
     * @param dport real server port.
     * @param fwmark the service's firewall mark, 0 for none.
     * @param template whether this is a persistence template.
     * @param inactive IPVS's IP_VS_CONN_F_INACTIVE.
     * @param state IPVS state (TCP states are the kernel's numbers, as here).
     * @param timeoutMs the connection's timeout.
     * @param nowMs the time.
     * @return the entry, or -1 when no such service or real server is configured or the table is full.
     */
    public int installSynced(final int proto, final int caddr, final int cport, final int vaddr, final int vport,
        final int daddr, final int dport, final int fwmark, final boolean template, final boolean inactive,
        final int state, final int timeoutMs, final long nowMs)
    {
        return sync.install(proto, caddr, cport, vaddr, vport, daddr, dport, fwmark, template, inactive, state,
            timeoutMs, nowMs);
    }

    /**
     * {@link #installSynced} for an IPv6 entry.
     *
     * @param proto IP protocol (0 for a firewall-mark template).
     * @param a caddr, vaddr and daddr, the two 64-bit halves of each (a template: the client network; a
     *          firewall-mark template's vaddr: the mark).
     * @param ports cport, vport and dport.
     * @param fwmark the service's firewall mark, 0 for none.
     * @param template whether this is a persistence template.
     * @param inactive IPVS's IP_VS_CONN_F_INACTIVE.
     * @param state IPVS state.
     * @param timeoutMs the connection's timeout.
     * @param nowMs the time.
     * @return the entry, or -1 when no such service or real server is configured or the table is full.
     */
    public int installSynced6(final int proto, final long[] a, final int[] ports, final int fwmark,
        final boolean template, final boolean inactive, final int state, final int timeoutMs, final long nowMs)
    {
        return sync.install6(proto, a, ports, fwmark, template, inactive, state, timeoutMs, nowMs);
    }

    // ------------------------------------------------------------------------------------------------ control

    /**
     * Set the control tap (VRRP, connection sync).
     *
     * @param tap the tap, or null.
     */
    public void tap(final ControlTap tap)
    {
        this.tap = tap;
        v6.tap(tap);
    }

    /**
     * VRRP: {@link #GATE_OPEN}, or {@link #GATE_OWNED} to forward only the flows of the addresses this director
     * owns (a backup owns none; a director master of one instance of two owns that one's). Connections of
     * other addresses stay in the table (connection sync keeps filling it), ready for a takeover.
     *
     * @param mode the gate.
     */
    public void gate(final int mode)
    {
        arp.gate(mode);
    }

    /**
     * Take what VRRP says this director owns: its master addresses and their ARP MACs, plus the service VIPs no
     * instance manages, and the gate. Kept, so that {@link #reown()} applies it again to changed services.
     *
     * @param o the ownership.
     */
    public void own(final Ownership o)
    {
        ownership = o;
        reown();
    }

    /** The services changed (a reload, an edit): own their unmanaged VIPs by the last ownership, if any. */
    public void reown()
    {
        if (null != ownership)
        {
            arp.own(ownership);
            v6.own(ownership);
        }
    }

    /** @return whether forwarding is gated by VRRP. */
    public boolean isStandby()
    {
        return arp.isGated();
    }

    /**
     * @param address an address.
     * @return whether this director owns it now (VRRP master of it, or a service VIP no instance manages).
     */
    public boolean owns(final int address)
    {
        return arp.owned().contains(address);
    }

    private int count(final Counter c)
    {
        counters.inc(c);
        return NOTHING;
    }
}
