package dev.jvs.engine;

import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.conn.TcpStates;
import dev.jvs.engine.frame.Arp;
import dev.jvs.engine.frame.Checksums;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.frame.Icmp;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.frame.Tcp;
import dev.jvs.engine.frame.Udp;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import dev.jvs.schedulers.Destinations;
import dev.jvs.schedulers.Flow;
import dev.jvs.schedulers.Scheduler;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Everything a director does to one frame: classify it, find or create its connection, run the protocol
 * state machine, and write what goes on the wire (IPVS's {@code ip_vs_in}, {@code ip_vs_out},
 * {@code ip_vs_in_icmp} and the {@code ip_vs_*_xmit} functions, for IPv4).
 * <p>
 * {@link #process} reads a received frame and writes at most one frame to transmit into a separate buffer
 * (the TX slot): the only copy on the path. It never allocates, throws or logs for any input; every frame it
 * does not transmit is counted under one {@link Counter}.
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
 * half-open entry (never confirmed: no TCP handshake completed, no UDP reply), found by probing up to 8
 * random slots, like IPVS's {@code drop_entry} strategy. Established connections are never evicted; half-open
 * ones are cheap to lose (the client retransmits its SYN).
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
    private static final long GROUP_IN = 1L << 32;
    private static final long GROUP_OUT = 1L << 33;

    private static final int ICMP_QUOTE_MAX = 548;
    private static final int FTP_PORT = 21;
    private static final int EVICTION_PROBES = 8;

    private final EngineConfig cfg;
    private final ServiceTable services;
    private final ConnectionTable conns;
    private final Neighbors neighbors;
    private final Counters counters;
    private final Flow flow = new Flow();
    private int ipId;
    /** Per frame of a prefetch group: GROUP_IN or GROUP_OUT and the key's hash; 0 for none. */
    private final long[] group = new long[GROUP];
    /** The prefetch loads folded together: stored to a field, they cannot be eliminated. */
    private long sink;
    private int rnd = 0x2545F491;

    // Per-frame parse results, filled by process(); fields to keep the hot path free of objects.
    private int l2Len;
    private int ipOff;
    private int ipHl;
    private int ipTotal;
    private int l4Off;
    private int l4Len;
    private int proto;
    private int saddr;
    private int daddr;
    private int sport;
    private int dport;
    private int tcpFlags;
    private boolean csumNotReady;
    private ControlTap tap;
    private SyncSink syncSink;
    private boolean learnSyncedMacs;
    private int gate = GATE_OPEN;
    private final org.agrona.collections.IntHashSet owned = new org.agrona.collections.IntHashSet();
    private final org.agrona.collections.Long2LongHashMap arpMacs = new org.agrona.collections.Long2LongHashMap(-1L);
    /**
     * Path MTUs to TUN real servers learnt from ICMP fragmentation needed about our tunnelled packets: real
     * server address to (expiry ms &lt;&lt; 16 | MTU), for 10 minutes as Linux keeps a PMTU (ip_rt_mtu_expires).
     */
    private final org.agrona.collections.Long2LongHashMap tunnelMtu = new org.agrona.collections.Long2LongHashMap(-1L);
    /** A tunnelled packet too big for its path, whole, while {@link #nextFrame} cuts it (no allocation). */
    private final UnsafeBuffer fragScratch = new UnsafeBuffer(new byte[2 * Ethernet.VLAN_TAG_LENGTH +
        Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + 65_535]);
    private int fragPayload;
    private int fragSent;
    private int fragLeft;
    private int fragL2;
    private static final long PMTU_EXPIRES_MS = 600_000;

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
        Ethernet.mac(out, outOff + Ethernet.DST_OFFSET, 0xFFFFFFFFFFFFL);
        Ethernet.mac(out, outOff + Ethernet.SRC_OFFSET, cfg.localMac);
        out.putShort(outOff + Ethernet.TYPE_OFFSET, (short)Ethernet.TYPE_ARP, ByteOrder.BIG_ENDIAN);
        Arp.write(out, outOff + Ethernet.HEADER_LENGTH, Arp.OP_REQUEST, cfg.localMac, cfg.localIp, 0L, target);
        return Ethernet.HEADER_LENGTH + Arp.LENGTH;
    }

    /** @return the services. */
    public ServiceTable services()
    {
        return services;
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
        if (!tunnelMtu.isEmpty())
        {
            // The map's iterators are reused: no garbage on the worker thread (a capturing lambda would be).
            final org.agrona.collections.Long2LongHashMap.EntryIterator it = tunnelMtu.entrySet().iterator();
            while (it.hasNext())
            {
                it.next();
                if ((it.getLongValue() >>> 16) <= nowMs)
                {
                    it.remove();
                }
            }
        }
        return conns.expire(nowMs, limit, this);
    }

    /**
     * First step over a group of at most {@link #GROUP} received frames: note frame {@code slot}'s connection
     * key (its hash, and whether to look in the reply index: a frame from a NAT real server). Then
     * {@link #prefetchEntries}, then {@link #process} each frame. Any frame is safe here: what is not an
     * untagged IPv4 TCP/UDP frame is skipped, and nothing is counted or changed. While the table holds too few
     * connections to miss the caches, nothing is done: the pass would only cost time.
     *
     * @param slot the frame's place in the group, 0 to {@link #GROUP} - 1.
     * @param in buffer.
     * @param off frame offset.
     * @param len frame length.
     */
    public void prefetch(final int slot, final DirectBuffer in, final int off, final int len)
    {
        group[slot] = 0;
        if (conns.size() < PREFETCH_MIN_CONNECTIONS || len < 38 || Ethernet.TYPE_IPV4 != Ethernet.type(in, off))
        {
            return;
        }
        final int ip = off + Ethernet.HEADER_LENGTH;
        final int hl = Ipv4.headerLength(in, ip);
        final int p = Ipv4.protocol(in, ip);
        if (hl < Ipv4.MIN_HEADER_LENGTH || Ethernet.HEADER_LENGTH + hl + 4 > len ||
            (Ipv4.PROTO_TCP != p && Ipv4.PROTO_UDP != p))
        {
            return;
        }
        final int ports = in.getInt(ip + hl, ByteOrder.BIG_ENDIAN);
        final int src = Ipv4.src(in, ip);
        final boolean out = services.isNatServer(src);
        final int h = out ? conns.hashOut(p, src, ports >>> 16, Ipv4.dst(in, ip), ports & 0xFFFF) :
            conns.hashIn(p, src, ports >>> 16, Ipv4.dst(in, ip), ports & 0xFFFF);
        group[slot] = (out ? GROUP_OUT : GROUP_IN) | (h & 0xFFFFFFFFL);
    }

    /**
     * Second step over a group: load each noted key's index slot and the entry it names, in one short loop, so
     * that the group's misses are in flight together (see {@link ConnectionTable#touchEntry}).
     *
     * @param count frames in the group.
     */
    public void prefetchEntries(final int count)
    {
        long x = sink;
        for (int i = 0; i < count; i++)
        {
            final long g = group[i];
            if (0 != g)
            {
                x ^= conns.touchEntry(GROUP_OUT == (g & GROUP_OUT), (int)g);
            }
        }
        sink = x;
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
        fragLeft = 0;
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
        l2Len = l2;
        if (Ethernet.TYPE_ARP == type)
        {
            return arp(in, off, len, out, outOff, outCap);
        }
        if (Ethernet.TYPE_IPV6 == type)
        {
            return count(Counter.IPV6_IGNORED);
        }
        if (Ethernet.TYPE_IPV4 != type)
        {
            return count(Counter.NOT_OURS);
        }
        csumNotReady = 0 != (frameFlags & CSUM_NOT_READY);
        final int ip = off + l2;
        ipOff = ip;
        final int avail = len - l2;
        if (avail < Ipv4.MIN_HEADER_LENGTH || 4 != Ipv4.version(in, ip))
        {
            return count(Counter.DROP_BAD_IP_HEADER);
        }
        final int hl = Ipv4.headerLength(in, ip);
        final int total = Ipv4.totalLength(in, ip);
        if (hl < Ipv4.MIN_HEADER_LENGTH || hl > avail || total < hl || total > avail)
        {
            return count(Counter.DROP_BAD_IP_HEADER);
        }
        if (!Checksums.ipHeaderValid(in, ip, hl))
        {
            return count(Counter.DROP_BAD_IP_CHECKSUM);
        }
        ipHl = hl;
        ipTotal = total;
        proto = Ipv4.protocol(in, ip);
        saddr = Ipv4.src(in, ip);
        daddr = Ipv4.dst(in, ip);
        final int frag = Ipv4.fragField(in, ip);
        if (0 != (frag & (Ipv4.FLAG_MF | Ipv4.FRAG_OFFSET_MASK)))
        {
            return count(services.isVip(daddr) ? Counter.DROP_FRAGMENT : Counter.NOT_OURS);
        }
        l4Off = ip + hl;
        l4Len = total - hl;
        switch (proto)
        {
            case Ipv4.PROTO_TCP:
                if (l4Len < Tcp.MIN_HEADER_LENGTH)
                {
                    return count(services.isVip(daddr) ? Counter.DROP_TRUNCATED_L4 : Counter.NOT_OURS);
                }
                final int doff = Tcp.headerLength(in, l4Off);
                if (doff < Tcp.MIN_HEADER_LENGTH || doff > l4Len)
                {
                    return count(services.isVip(daddr) ? Counter.DROP_BAD_L4_HEADER : Counter.NOT_OURS);
                }
                tcpFlags = Tcp.flags(in, l4Off);
                break;
            case Ipv4.PROTO_UDP:
                if (l4Len < Udp.HEADER_LENGTH)
                {
                    return count(services.isVip(daddr) ? Counter.DROP_TRUNCATED_L4 : Counter.NOT_OURS);
                }
                final int ulen = Udp.length(in, l4Off);
                if (ulen < Udp.HEADER_LENGTH || ulen > l4Len)
                {
                    return count(services.isVip(daddr) ? Counter.DROP_BAD_L4_HEADER : Counter.NOT_OURS);
                }
                tcpFlags = 0;
                break;
            case Ipv4.PROTO_ICMP:
                if (l4Len < Icmp.HEADER_LENGTH)
                {
                    return count(services.isVip(daddr) ? Counter.DROP_TRUNCATED_L4 : Counter.NOT_OURS);
                }
                return GATE_OPEN != gate && !owned.contains(daddr) ? count(Counter.NOT_OURS) :
                    icmp(in, off, out, outOff, outCap, nowMs);
            default:
                return null != tap && tap.onFrame(in, ip, total, proto, nowMs) ? NOTHING : count(Counter.NOT_OURS);
        }
        sport = in.getShort(l4Off, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        dport = in.getShort(l4Off + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (GATE_OPEN != gate && !owned.contains(daddr))
        {
            // VRRP: this director forwards only for the addresses it owns (a NAT reply: its connection's VIP).
            if (services.isNatServer(saddr))
            {
                final int r = conns.lookupOut(proto, saddr, sport, daddr, dport);
                if (r >= 0 && owned.contains(conns.vaddr(r)))
                {
                    return forwardOut(r, in, off, out, outOff, outCap, nowMs);
                }
            }
            return notForwarded(in, ip, total, nowMs);
        }

        // A packet from a NAT real server is most likely a reply: try the out-index first, and spare every
        // other packet (clients, new connections) a second random memory access.
        final boolean fromServer = services.isNatServer(saddr);
        if (fromServer)
        {
            final int r = conns.lookupOut(proto, saddr, sport, daddr, dport);
            if (r >= 0)
            {
                return forwardOut(r, in, off, out, outOff, outCap, nowMs);
            }
        }
        int e = conns.lookupIn(proto, saddr, sport, daddr, dport);
        if (e >= 0)
        {
            if (Ipv4.PROTO_TCP == proto && 0 != (tcpFlags & Tcp.SYN) && isReusable(e))
            {
                expireNow(e, nowMs);
                e = -1;
            }
            else
            {
                return forwardIn(e, in, off, out, outOff, outCap, nowMs);
            }
        }
        final VirtualService svc = services.find(services.classify(proto, daddr, dport), proto, daddr, dport);
        if (null == svc)
        {
            return Ipv4.PROTO_UDP == proto && null != tap && tap.onFrame(in, ip, total, proto, nowMs) ? NOTHING :
                count(Counter.NOT_OURS);
        }
        if (Ipv4.PROTO_TCP == proto &&
            ((0 == (tcpFlags & Tcp.SYN) && !cfg.sloppyTcp) || 0 != (tcpFlags & Tcp.RST)))
        {
            return count(Counter.DROP_NO_CONNECTION);
        }
        return schedule(svc, in, off, out, outOff, outCap, nowMs);
    }

    /** A VRRP backup forwards nothing: UDP may be connection sync for the tap; the rest is counted. */
    private int notForwarded(final DirectBuffer in, final int ip, final int total, final long nowMs)
    {
        if (Ipv4.PROTO_UDP == proto && null != tap && tap.onFrame(in, ip, total, proto, nowMs))
        {
            return NOTHING;
        }
        return count(services.isVip(daddr) || services.isNatServer(saddr) ? Counter.DROP_STANDBY : Counter.NOT_OURS);
    }

    /** Where a master's connection sync takes the entries to send. */
    @FunctionalInterface
    public interface SyncSink
    {
        /**
         * An entry to send to the backup now (IPVS's ip_vs_sync_conn).
         *
         * @param table the table.
         * @param e the entry (a connection or a persistence template).
         */
        void onSync(ConnectionTable table, int e);
    }

    /** IPVS's sync_threshold and sync_period defaults: a connection is sent on its 3rd, 53rd, ... packet. */
    public static final int SYNC_THRESHOLD = 3;
    /** See {@link #SYNC_THRESHOLD}. */
    public static final int SYNC_PERIOD = 50;
    /** TCP states in which IPVS sends a connection (ip_vs_sync_conn_needed). */
    private static final int SYNC_STATES = 1 << TcpStates.ESTABLISHED | 1 << TcpStates.FIN_WAIT |
        1 << TcpStates.CLOSE | 1 << TcpStates.CLOSE_WAIT | 1 << TcpStates.TIME_WAIT;

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
        this.syncSink = sink;
    }

    private void syncIfNeeded(final int e, final int before)
    {
        int pkts = conns.syncCount(e) + 1;
        if (pkts >= SYNC_PERIOD)
        {
            pkts = 0;
        }
        conns.syncCount(e, pkts);
        final boolean send;
        if (Ipv4.PROTO_TCP == proto)
        {
            final int state = conns.state(e);
            if (0 == (SYNC_STATES & (1 << state)))
            {
                send = false;
            }
            else
            {
                send = (state != before && TcpStates.ESTABLISHED != state) || SYNC_THRESHOLD == pkts;
            }
        }
        else
        {
            send = SYNC_THRESHOLD == pkts;
        }
        if (send)
        {
            syncSink.onSync(conns, e);
            final int t = conns.control(e);
            if (t >= 0)
            {
                syncSink.onSync(conns, t);
            }
        }
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
        final VirtualService svc = 0 != fwmark ? services.getFwmark(fwmark) :
            template && 0 == proto ? services.getFwmark(vaddr) : services.get(proto, vaddr, vport);
        final VirtualService s = null != svc ? svc : template ? services.get(proto, vaddr, 0) : null;
        if (null == s)
        {
            return -1;
        }
        final Destinations d = s.dests();
        int dest = -1;
        for (int p = 0, n = d.count(); p < n; p++)
        {
            final int id = d.idAt(p);
            if (d.address(id) == daddr && (d.port(id) == dport || 0 == dport || 0 == d.port(id)))
            {
                dest = id;
                break;
            }
        }
        if (dest < 0)
        {
            return -1;
        }
        if (template)
        {
            int t = conns.lookupTemplate(proto, caddr, vaddr, vport);
            if (t < 0)
            {
                t = conns.insertTemplate(proto, caddr, vaddr, vport, daddr, dport, timeoutMs, nowMs);
                if (t < 0)
                {
                    return -1;
                }
                conns.dest(t, dest);
                conns.service(t, s.index());
                d.bind(dest, Destinations.CONN_TEMPLATE);
            }
            conns.touch(t, timeoutMs, nowMs);
            return t;
        }
        final int method = s.method(dest);
        int e = conns.lookupIn(proto, caddr, cport, vaddr, vport);
        if (e < 0)
        {
            int flags = ConnectionTable.F_SYNCED | (inactive ? ConnectionTable.F_INACTIVE : 0);
            flags |= Method.NAT == method ? ConnectionTable.F_OUT_INDEXED : ConnectionTable.F_NOOUTPUT;
            if (!inactive)
            {
                flags |= ConnectionTable.F_CONFIRMED;
            }
            e = conns.insert(proto, caddr, cport, vaddr, vport, daddr, dport, flags, timeoutMs, nowMs);
            if (e < 0)
            {
                counters.inc(Counter.DROP_TABLE_FULL);
                return -1;
            }
            conns.dest(e, dest);
            conns.service(e, s.index());
            conns.fwd(e, method);
            conns.mac(e, 0L);
            d.bind(dest, inactive ? Destinations.CONN_INACTIVE : Destinations.CONN_ACTIVE);
            learnSyncedMacs = true;
        }
        else if (0 == (conns.flags(e) & ConnectionTable.F_TEMPLATE))
        {
            final int f = conns.flags(e);
            if (inactive != (0 != (f & ConnectionTable.F_INACTIVE)) && conns.dest(e) == dest)
            {
                if (inactive)
                {
                    d.deactivate(dest);
                    conns.flags(e, f | ConnectionTable.F_INACTIVE);
                }
                else
                {
                    d.activate(dest);
                    conns.flags(e, (f & ~ConnectionTable.F_INACTIVE) | ConnectionTable.F_CONFIRMED);
                }
            }
        }
        conns.state(e, Ipv4.PROTO_TCP == proto ? state : 1);
        conns.touch(e, timeoutMs, nowMs);
        return e;
    }

    /** @return the engine configuration (timeouts, flags); change it on this thread only. */
    public EngineConfig config()
    {
        return cfg;
    }

    /**
     * Set the control tap (VRRP, connection sync).
     *
     * @param tap the tap, or null.
     */
    public void tap(final ControlTap tap)
    {
        this.tap = tap;
    }

    /** VRRP gate: forward for every service (no VRRP, or master of every instance). */
    public static final int GATE_OPEN = 0;
    /** VRRP gate: forward and answer ARP only for the {@link #ownedAddresses()}. */
    public static final int GATE_OWNED = 1;

    /**
     * VRRP: {@link #GATE_OPEN}, or {@link #GATE_OWNED} to forward only the flows of the addresses this director
     * owns (a backup owns none; a director master of one instance of two owns that one's). Connections of
     * other addresses stay in the table (connection sync keeps filling it), ready for a takeover.
     *
     * @param mode the gate.
     */
    public void gate(final int mode)
    {
        this.gate = mode;
    }

    /** @return whether forwarding is gated by VRRP. */
    public boolean isStandby()
    {
        return GATE_OPEN != gate;
    }

    /**
     * Addresses the engine answers ARP for besides the service VIPs: the virtual_ipaddress of VRRP instances
     * this director is master of (a NAT gateway address, say). The caller owns the set; change it on this
     * thread only.
     *
     * @return the set.
     */
    public org.agrona.collections.IntHashSet ownedAddresses()
    {
        return owned;
    }

    /**
     * The MAC an owned address answers ARP from when it is not the interface's (VRRP use_vmac: the virtual
     * router MAC). Change it on this thread only.
     *
     * @return address (as an unsigned int) to MAC; absent means the interface's.
     */
    public org.agrona.collections.Long2LongHashMap arpMacs()
    {
        return arpMacs;
    }

    /**
     * Copy the received frame into the TX slot, from the director's MAC to {@code dstMac}, or count why not.
     *
     * @return the frame length, or {@link #NOTHING}.
     */
    private int copyOut(final DirectBuffer in, final int off, final MutableDirectBuffer out, final int outOff,
        final int outCap, final long dstMac)
    {
        if (ipTotal > cfg.mtu)
        {
            return count(Counter.DROP_OVERSIZE);
        }
        final int n = l2Len + ipTotal;
        if (n > outCap)
        {
            return count(Counter.DROP_NO_ROOM);
        }
        copy(in, off, out, outOff, n);
        Ethernet.macs(out, outOff, dstMac, cfg.localMac);
        return n;
    }

    /** Copy a frame into the TX buffer: the one copy on the path (a manual 8-byte loop measured slower). */
    private static void copy(final DirectBuffer in, final int from, final MutableDirectBuffer out, final int to,
        final int n)
    {
        out.putBytes(to, in, from, n);
    }

    private int count(final Counter c)
    {
        counters.inc(c);
        return NOTHING;
    }

    // ------------------------------------------------------------------------------------------------ ARP

    private int arp(final DirectBuffer in, final int off, final int len, final MutableDirectBuffer out,
        final int outOff, final int outCap)
    {
        final int a = off + l2Len;
        if (len - l2Len < Arp.LENGTH || !Arp.isEthernetIpv4(in, a))
        {
            return count(Counter.NOT_OURS);
        }
        // Learn real servers' MACs from anything they say in ARP (replies to our requests, their own requests).
        final int sender = Arp.senderIp(in, a);
        if (services.isRealServer(sender) || Arp.OP_REPLY == Arp.oper(in, a) && Arp.targetIp(in, a) == cfg.localIp)
        {
            neighbors.put(sender, Arp.senderMac(in, a));
        }
        final int target = Arp.targetIp(in, a);
        if (Arp.OP_REQUEST != Arp.oper(in, a) || !cfg.answerArp ||
            !(services.isVip(target) && GATE_OPEN == gate || owned.contains(target)))
        {
            return count(Counter.NOT_OURS);
        }
        final int n = l2Len + Arp.LENGTH;
        if (n > outCap)
        {
            return count(Counter.DROP_NO_ROOM);
        }
        final long vmac = arpMacs.isEmpty() ? -1L : arpMacs.get(target & 0xFFFFFFFFL);
        final long mac = -1L == vmac ? cfg.localMac : vmac;
        out.putBytes(outOff, in, off, l2Len);
        Ethernet.mac(out, outOff + Ethernet.DST_OFFSET, Ethernet.mac(in, off + Ethernet.SRC_OFFSET));
        Ethernet.mac(out, outOff + Ethernet.SRC_OFFSET, mac);
        Arp.write(out, outOff + l2Len, Arp.OP_REPLY, mac, Arp.targetIp(in, a), Arp.senderMac(in, a),
            Arp.senderIp(in, a));
        counters.inc(Counter.ARP_REPLIED);
        return n;
    }

    // ------------------------------------------------------------------------------------------------ new

    private int schedule(final VirtualService svc, final DirectBuffer in, final int off,
        final MutableDirectBuffer out, final int outOff, final int outCap, final long nowMs)
    {
        final Destinations d = svc.dests();
        int template = -1;
        final int dest;
        if (svc.persistenceTimeoutMs() > 0)
        {
            template = persistTemplate(svc, nowMs);
            if (template < 0)
            {
                return NOTHING;
            }
            dest = conns.dest(template);
        }
        else
        {
            dest = svc.scheduler().pick(flow.set(proto, saddr, sport, daddr, dport, nowMs));
            if (Scheduler.NO_DEST == dest)
            {
                return count(Counter.DROP_NO_DESTINATION);
            }
        }
        final int raddr = d.address(dest);
        final int rport = 0 != d.port(dest) && (dport == svc.vport() || 0 != svc.fwmark()) ? d.port(dest) : dport;
        final int method = svc.method(dest);

        if (svc.onePacket() && Ipv4.PROTO_UDP == proto && template < 0)
        {
            // One-packet scheduling: the connection lives for this datagram only.
            d.bind(dest, Destinations.CONN_INACTIVE);
            svc.countNew(dest);
            final int n = transmitIn(svc, dest, method, raddr, rport, in, off, out, outOff, outCap);
            if (n > 0)
            {
                svc.countIn(dest, ipTotal);
            }
            d.unbind(dest, Destinations.CONN_INACTIVE);
            return n;
        }

        int flags = ConnectionTable.F_INACTIVE;
        flags |= Method.NAT == method ? ConnectionTable.F_OUT_INDEXED : ConnectionTable.F_NOOUTPUT;
        final int timeout = Ipv4.PROTO_TCP == proto ? cfg.tcpTimeoutsMs[TcpStates.NONE] : cfg.udpTimeoutMs;
        int e = conns.insert(proto, saddr, sport, daddr, dport, raddr, rport, flags, timeout, nowMs);
        if (e < 0 && evictEmbryonic(nowMs))
        {
            e = conns.insert(proto, saddr, sport, daddr, dport, raddr, rport, flags, timeout, nowMs);
        }
        if (e < 0)
        {
            return count(Counter.DROP_TABLE_FULL);
        }
        conns.dest(e, dest);
        conns.service(e, svc.index());
        conns.fwd(e, method);
        conns.mac(e, Ethernet.mac(in, off + Ethernet.SRC_OFFSET));
        d.bind(dest, Destinations.CONN_INACTIVE);
        svc.countNew(dest);
        if (template >= 0)
        {
            conns.control(e, template);
            conns.nControl(template, conns.nControl(template) + 1);
        }
        return forwardIn(e, in, off, out, outOff, outCap, nowMs);
    }

    /**
     * {@code ip_vs_sched_persist}: find (or make) the client network's template and return it.
     *
     * @return the template entry, or -1 (counted).
     */
    private int persistTemplate(final VirtualService svc, final long nowMs)
    {
        final int snet = saddr & svc.persistenceNetmask();
        final int tproto;
        final int tvaddr;
        final int tvport;
        if (dport == svc.vport() && 0 == svc.fwmark())
        {
            tproto = proto;
            tvaddr = daddr;
            tvport = FTP_PORT != svc.vport() ? dport : 0;
        }
        else if (0 != svc.fwmark())
        {
            tproto = 0;
            tvaddr = svc.fwmark();
            tvport = 0;
        }
        else
        {
            tproto = proto;
            tvaddr = daddr;
            tvport = 0;
        }
        final Destinations d = svc.dests();
        int t = conns.lookupTemplate(tproto, snet, tvaddr, tvport);
        if (t >= 0)
        {
            final int dest = conns.dest(t);
            if (!d.isListed(dest) || (cfg.expireQuiescentTemplate && 0 == d.weight(dest)))
            {
                conns.unindex(t);
                t = -1;
            }
            else
            {
                conns.touch(t, svc.persistenceTimeoutMs(), nowMs);
                return t;
            }
        }
        final int dest = svc.scheduler().pick(flow.set(proto, saddr, sport, daddr, dport, nowMs));
        if (Scheduler.NO_DEST == dest)
        {
            counters.inc(Counter.DROP_NO_DESTINATION);
            return -1;
        }
        final int tdport = dport == svc.vport() && FTP_PORT != svc.vport() && 0 == svc.fwmark() ? d.port(dest) : 0;
        t = conns.insertTemplate(tproto, snet, tvaddr, tvport, d.address(dest), tdport, svc.persistenceTimeoutMs(),
            nowMs);
        if (t < 0 && evictEmbryonic(nowMs))
        {
            t = conns.insertTemplate(tproto, snet, tvaddr, tvport, d.address(dest), tdport,
                svc.persistenceTimeoutMs(), nowMs);
        }
        if (t < 0)
        {
            counters.inc(Counter.DROP_TABLE_FULL);
            return -1;
        }
        conns.dest(t, dest);
        conns.service(t, svc.index());
        d.bind(dest, Destinations.CONN_TEMPLATE);
        return t;
    }

    private boolean evictEmbryonic(final long nowMs)
    {
        final int cap = conns.capacity();
        for (int i = 0; i < EVICTION_PROBES; i++)
        {
            rnd ^= rnd << 13;
            rnd ^= rnd >>> 17;
            rnd ^= rnd << 5;
            final int e = (int)((rnd & 0xFFFFFFFFL) % cap);
            if (conns.isEmbryonic(e))
            {
                expireNow(e, nowMs);
                return true;
            }
        }
        return false;
    }

    private boolean isReusable(final int e)
    {
        final int state = conns.state(e);
        return conns.control(e) < 0 && (TcpStates.TIME_WAIT == state || TcpStates.CLOSE == state);
    }

    /** Expire a connection at once (unbind it as its timer would) and free it. */
    private void expireNow(final int e, final long nowMs)
    {
        onExpired(conns, e, nowMs);
        conns.remove(e);
    }

    @Override
    public boolean onExpired(final ConnectionTable table, final int e, final long nowMs)
    {
        final VirtualService svc = services.get(table.service(e));
        final Destinations d = svc.dests();
        final int dest = table.dest(e);
        final int flags = table.flags(e);
        if (0 != (flags & ConnectionTable.F_TEMPLATE))
        {
            if (table.nControl(e) > 0 && nowMs >= table.expires(e))
            {
                // Still controls connections: live on (ip_vs_conn_expire's expire_later).
                table.touch(e, table.timeout(e), nowMs);
                return false;
            }
            d.unbind(dest, Destinations.CONN_TEMPLATE);
        }
        else
        {
            d.unbind(dest, 0 != (flags & ConnectionTable.F_INACTIVE) ?
                Destinations.CONN_INACTIVE : Destinations.CONN_ACTIVE);
            final int t = table.control(e);
            if (t >= 0)
            {
                table.nControl(t, table.nControl(t) - 1);
            }
        }
        if (d.inTrash(dest) && 0 == d.totalConns(dest) && 0 == d.persistentConns(dest))
        {
            d.release(dest);
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------------ in

    private int forwardIn(final int e, final DirectBuffer in, final int off, final MutableDirectBuffer out,
        final int outOff, final int outCap, final long nowMs)
    {
        final VirtualService svc = services.get(conns.service(e));
        final int dest = conns.dest(e);
        final int method = conns.fwd(e);
        final int raddr = conns.daddr(e);
        final int rport = conns.dport(e);
        if (cfg.expireNodestConn && !svc.dests().isListed(dest))
        {
            expireNow(e, nowMs);
            return count(Counter.DROP_NODEST_EXPIRED);
        }
        if (learnSyncedMacs)
        {
            learnSyncedMac(e, in, off);
        }
        if (null == syncSink)
        {
            stateTransition(e, svc, TcpStates.DIR_INPUT, nowMs);
        }
        else
        {
            final int before = conns.state(e);
            stateTransition(e, svc, TcpStates.DIR_INPUT, nowMs);
            syncIfNeeded(e, before);
        }
        final int n = transmitIn(svc, dest, method, raddr, rport, in, off, out, outOff, outCap);
        if (n > 0)
        {
            svc.countIn(dest, ipTotal);
        }
        return n;
    }

    /** A synced entry learns where its NAT replies go from the client's first frame through this director. */
    private void learnSyncedMac(final int e, final DirectBuffer in, final int off)
    {
        final int f = conns.flags(e);
        if (0 != (f & ConnectionTable.F_SYNCED))
        {
            conns.mac(e, Ethernet.mac(in, off + Ethernet.SRC_OFFSET));
            conns.flags(e, f & ~ConnectionTable.F_SYNCED);
        }
    }

    private void stateTransition(final int e, final VirtualService svc, final int direction, final long nowMs)
    {
        if (Ipv4.PROTO_TCP == proto && TcpStates.ESTABLISHED == conns.state(e) &&
            Tcp.ACK == (tcpFlags & (Tcp.SYN | Tcp.FIN | Tcp.RST | Tcp.ACK)) && (TcpStates.DIR_OUTPUT != direction ||
            0 == (conns.flags(e) & ConnectionTable.F_NOOUTPUT)))
        {
            // The data path: every table keeps ESTABLISHED on a plain ACK; only the timer moves. Kept small
            // so that the JIT inlines it; the rest is a call.
            conns.touch(e, cfg.tcpTimeoutsMs[TcpStates.ESTABLISHED], nowMs);
            return;
        }
        stateChange(e, svc, direction, nowMs);
    }

    private void stateChange(final int e, final VirtualService svc, final int direction, final long nowMs)
    {
        if (Ipv4.PROTO_TCP != proto)
        {
            int f = conns.flags(e);
            if (TcpStates.DIR_OUTPUT == direction && 0 == (f & ConnectionTable.F_CONFIRMED))
            {
                conns.flags(e, f | ConnectionTable.F_CONFIRMED);
            }
            else if (0 == (f & ConnectionTable.F_CONFIRMED) && conns.state(e) > 0)
            {
                // A second UDP datagram from the client also confirms it (DR/TUN never see replies).
                conns.flags(e, f | ConnectionTable.F_CONFIRMED);
            }
            conns.state(e, 1);
            conns.touch(e, cfg.udpTimeoutMs, nowMs);
            return;
        }
        final int old = conns.state(e);
        int flags = conns.flags(e);
        int dir = direction;
        if (0 != (flags & ConnectionTable.F_NOOUTPUT))
        {
            if (TcpStates.DIR_OUTPUT == dir)
            {
                flags &= ~ConnectionTable.F_NOOUTPUT;
            }
            else
            {
                dir = TcpStates.DIR_INPUT_ONLY;
            }
        }
        final int next = TcpStates.next(cfg.secureTcp ? TcpStates.DOS : TcpStates.NORMAL, dir, old, tcpFlags);
        if (next != old)
        {
            final Destinations d = svc.dests();
            final int dest = conns.dest(e);
            if (0 == (flags & ConnectionTable.F_INACTIVE) && TcpStates.ESTABLISHED != next)
            {
                d.deactivate(dest);
                flags |= ConnectionTable.F_INACTIVE;
            }
            else if (0 != (flags & ConnectionTable.F_INACTIVE) && TcpStates.ESTABLISHED == next)
            {
                d.activate(dest);
                flags &= ~ConnectionTable.F_INACTIVE;
                flags |= ConnectionTable.F_CONFIRMED;
            }
            conns.state(e, next);
        }
        conns.flags(e, flags);
        conns.touch(e, cfg.tcpTimeoutsMs[next], nowMs);
    }

    /**
     * Write the frame for a real server by its method. The IP datagram is taken as received; on success the
     * TTL has been decremented and checksums made right.
     */
    private int transmitIn(final VirtualService svc, final int dest, final int method, final int raddr,
        final int rport, final DirectBuffer in, final int off, final MutableDirectBuffer out, final int outOff,
        final int outCap)
    {
        if (Ipv4.ttl(in, ipOff) <= 1)
        {
            return timeExceeded(in, off, out, outOff, outCap, daddr);
        }
        final long mac = svc.mac(dest, neighbors);
        if (Neighbors.UNKNOWN == mac)
        {
            return count(Counter.DROP_NO_NEIGHBOR);
        }
        if (Method.TUN == method)
        {
            return tunnel(raddr, mac, in, off, out, outOff, outCap);
        }
        final int n = copyOut(in, off, out, outOff, outCap, mac);
        if (NOTHING == n)
        {
            return NOTHING;
        }
        final int ip = outOff + l2Len;
        final int l4 = ip + ipHl;
        decrementTtl(in, ipOff, out, ip);
        if (Method.NAT == method)
        {
            rewriteDestination(in, out, ip, l4, raddr, rport);
        }
        else if (csumNotReady)
        {
            completeL4(out, ip, l4);
        }
        counters.inc(Counter.FORWARDED_IN);
        return n;
    }

    // The rewrites below read the received frame and write the copy: a narrow load from the copy may have to
    // wait for the copy's wide stores (store-to-load forwarding). No difference showed in ForwardBenchmark.

    /** The copy's TTL one less and its header checksum updated (ip_decrease_ttl, RFC 1141). */
    private static void decrementTtl(final DirectBuffer in, final int inIp, final MutableDirectBuffer out,
        final int ip)
    {
        // TTL is the high byte of a 16-bit word, so the sum gains 0x0100.
        out.putByte(ip + Ipv4.TTL_OFFSET, (byte)(in.getByte(inIp + Ipv4.TTL_OFFSET) - 1));
        int check = Ipv4.checksum(in, inIp) + 0x0100;
        check += check >>> 16;
        Ipv4.checksum(out, ip, check & 0xFFFF);
    }

    /** NAT in, after {@link #decrementTtl}: destination address and port become the real server's. */
    private void rewriteDestination(final DirectBuffer in, final MutableDirectBuffer out, final int ip,
        final int l4, final int raddr, final int rport)
    {
        Ipv4.dst(out, ip, raddr);
        Ipv4.checksum(out, ip, Checksums.update32(Ipv4.checksum(out, ip), daddr, raddr));
        out.putShort(l4 + 2, (short)rport, ByteOrder.BIG_ENDIAN);
        patchL4(in, out, ip, l4, daddr, raddr, dport, rport);
    }

    /** NAT out, after {@link #decrementTtl}: source address and port become the VIP's. */
    private void rewriteSource(final DirectBuffer in, final MutableDirectBuffer out, final int ip, final int l4,
        final int vaddr, final int vport)
    {
        Ipv4.src(out, ip, vaddr);
        Ipv4.checksum(out, ip, Checksums.update32(Ipv4.checksum(out, ip), saddr, vaddr));
        out.putShort(l4, (short)vport, ByteOrder.BIG_ENDIAN);
        patchL4(in, out, ip, l4, saddr, vaddr, sport, vport);
    }

    private void patchL4(final DirectBuffer in, final MutableDirectBuffer b, final int ip, final int l4,
        final int oldAddr, final int newAddr, final int oldPort, final int newPort)
    {
        if (csumNotReady)
        {
            completeL4(b, ip, l4);
            return;
        }
        final int field = Ipv4.PROTO_TCP == proto ? Tcp.CHECKSUM_OFFSET : Udp.CHECKSUM_OFFSET;
        final int check = in.getShort(l4Off + field, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        if (Ipv4.PROTO_UDP == proto && 0 == check)
        {
            return; // UDP without checksum stays without.
        }
        int c = Checksums.update32(check, oldAddr, newAddr);
        c = Checksums.update16(c, oldPort, newPort);
        if (Ipv4.PROTO_UDP == proto && 0 == c)
        {
            c = 0xFFFF;
        }
        b.putShort(l4 + field, (short)c, ByteOrder.BIG_ENDIAN);
    }

    private void completeL4(final MutableDirectBuffer b, final int ip, final int l4)
    {
        if (Ipv4.PROTO_TCP == proto)
        {
            Checksums.fillL4(b, ip, l4, l4Len, Tcp.CHECKSUM_OFFSET, false);
        }
        else if (Ipv4.PROTO_UDP == proto)
        {
            Checksums.fillL4(b, ip, l4, l4Len, Udp.CHECKSUM_OFFSET, true);
        }
    }

    /**
     * IPIP ({@code ip_vs_tunnel_xmit}): the datagram (TTL decremented) behind a new outer header from the
     * director to the real server, DF copied from the inner header when pmtu_disc is on (cleared otherwise), the
     * DS field copied with ECN encapsulated as {@code INET_ECN_encapsulate} does. Too big for the path: with DF,
     * an ICMP fragmentation needed goes back; without, the outer packet leaves in fragments, as ip_fragment
     * cuts it (see {@link #nextFrame}).
     */
    private int tunnel(final int raddr, final long mac, final DirectBuffer in, final int off,
        final MutableDirectBuffer out, final int outOff, final int outCap)
    {
        if (ipTotal > cfg.mtu)
        {
            return count(Counter.DROP_OVERSIZE);
        }
        final int df = cfg.pmtuDisc ? Ipv4.fragField(in, ipOff) & Ipv4.FLAG_DF : 0;
        final long learnt = tunnelMtu.isEmpty() ? -1L : tunnelMtu.get(raddr & 0xFFFFFFFFL);
        final int mtu = -1L == learnt ? cfg.mtu : Math.min(cfg.mtu, (int)(learnt & 0xFFFF));
        if (ipTotal + Ipv4.MIN_HEADER_LENGTH > mtu)
        {
            if (0 != df)
            {
                return fragNeeded(in, off, out, outOff, outCap, mtu - Ipv4.MIN_HEADER_LENGTH);
            }
            final int whole = encapsulate(raddr, mac, df, in, off, fragScratch, 0);
            fragPayload = mtu - Ipv4.MIN_HEADER_LENGTH;
            fragSent = 0;
            fragLeft = whole - l2Len - Ipv4.MIN_HEADER_LENGTH;
            fragL2 = l2Len;
            counters.inc(Counter.FORWARDED_IN);
            counters.inc(Counter.TUN_FRAGMENTED);
            return nextFrame(out, outOff, outCap);
        }
        final int n = l2Len + Ipv4.MIN_HEADER_LENGTH + ipTotal;
        if (n > outCap)
        {
            return count(Counter.DROP_NO_ROOM);
        }
        encapsulate(raddr, mac, df, in, off, out, outOff);
        counters.inc(Counter.FORWARDED_IN);
        return n;
    }

    /** Write the frame {@link #tunnel} sends: Ethernet, the outer header, the inner datagram. @return its length. */
    private int encapsulate(final int raddr, final long mac, final int df, final DirectBuffer in, final int off,
        final MutableDirectBuffer out, final int outOff)
    {
        out.putBytes(outOff, in, off, l2Len);
        final int outer = outOff + l2Len;
        final int inner = outer + Ipv4.MIN_HEADER_LENGTH;
        copy(in, ipOff, out, inner, ipTotal);
        if (csumNotReady)
        {
            completeL4(out, inner, inner + ipHl);
        }
        decrementTtl(in, ipOff, out, inner);
        Ethernet.macs(out, outOff, mac, cfg.localMac);
        out.putShort(outOff + l2Len - 2, (short)Ethernet.TYPE_IPV4, ByteOrder.BIG_ENDIAN);
        out.putByte(outer, (byte)0x45);
        final int tos = Ipv4.tos(in, ipOff);
        // INET_ECN_encapsulate: the inner ECN bits, but CE becomes ECT(0) outside.
        out.putByte(outer + Ipv4.TOS_OFFSET, (byte)(3 == (tos & 3) ? (tos & ~3) | 2 : tos));
        Ipv4.totalLength(out, outer, Ipv4.MIN_HEADER_LENGTH + ipTotal);
        out.putShort(outer + Ipv4.ID_OFFSET, (short)nextIpId(), ByteOrder.BIG_ENDIAN);
        out.putShort(outer + Ipv4.FRAG_OFFSET, (short)df, ByteOrder.BIG_ENDIAN);
        out.putByte(outer + Ipv4.TTL_OFFSET, out.getByte(inner + Ipv4.TTL_OFFSET));
        out.putByte(outer + Ipv4.PROTOCOL_OFFSET, (byte)Ipv4.PROTO_IPIP);
        Ipv4.src(out, outer, cfg.localIp);
        Ipv4.dst(out, outer, raddr);
        Ipv4.fillChecksum(out, outer);
        return l2Len + Ipv4.MIN_HEADER_LENGTH + ipTotal;
    }

    /** @return whether the last {@link #process} left frames to send: call {@link #nextFrame} until false. */
    public boolean hasMoreFrames()
    {
        return fragLeft > 0;
    }

    /**
     * The next fragment of a tunnelled packet too big for its path ({@code ip_do_fragment}'s slow path): each
     * carries the outer header with the packet's IP id, a payload of the path MTU less the header rounded down
     * to 8 bytes (the last one the rest), its offset, and MF on all but the last. Call it right after the
     * {@link #process} that started the packet, until {@link #hasMoreFrames} is false: the next frame
     * received replaces it.
     *
     * @param out where the fragment is written.
     * @param outOff offset in {@code out}.
     * @param outCap room in {@code out}.
     * @return its length, or {@link #NOTHING} when none is left or it does not fit (then none is left).
     */
    public int nextFrame(final MutableDirectBuffer out, final int outOff, final int outCap)
    {
        final int left = fragLeft;
        if (left <= 0)
        {
            return NOTHING;
        }
        // ip_do_fragment: the rest when it fits, else as much as fits, rounded down to 8 bytes.
        final int len = left <= fragPayload ? left : fragPayload & ~7;
        final int hdr = fragL2 + Ipv4.MIN_HEADER_LENGTH;
        if (hdr + len > outCap)
        {
            fragLeft = 0;
            return count(Counter.DROP_NO_ROOM);
        }
        final UnsafeBuffer whole = fragScratch;
        out.putBytes(outOff, whole, 0, hdr);
        out.putBytes(outOff + hdr, whole, hdr + fragSent, len);
        final int ip = outOff + fragL2;
        Ipv4.totalLength(out, ip, Ipv4.MIN_HEADER_LENGTH + len);
        out.putShort(ip + Ipv4.FRAG_OFFSET, (short)((fragSent >>> 3) | (len < left ? Ipv4.FLAG_MF : 0)),
            ByteOrder.BIG_ENDIAN);
        Ipv4.fillChecksum(out, ip);
        fragSent += len;
        fragLeft = left - len;
        return hdr + len;
    }

    private int nextIpId()
    {
        ipId = (ipId + 1) & 0xFFFF;
        return ipId;
    }

    // ------------------------------------------------------------------------------------------------ out

    private int forwardOut(final int e, final DirectBuffer in, final int off, final MutableDirectBuffer out,
        final int outOff, final int outCap, final long nowMs)
    {
        final VirtualService svc = services.get(conns.service(e));
        stateTransition(e, svc, TcpStates.DIR_OUTPUT, nowMs);
        if (Ipv4.ttl(in, ipOff) <= 1)
        {
            return timeExceeded(in, off, out, outOff, outCap, cfg.localIp);
        }
        long mac = conns.mac(e);
        if (0 == mac)
        {
            // A synced entry whose client has not spoken through this director yet: its MAC by ARP.
            mac = neighbors.get(conns.caddr(e));
            if (Neighbors.UNKNOWN == mac)
            {
                counters.inc(Counter.DROP_NO_NEIGHBOR);
                return arpRequest(conns.caddr(e), out, outOff);
            }
            conns.mac(e, mac);
        }
        final int n = copyOut(in, off, out, outOff, outCap, mac);
        if (NOTHING == n)
        {
            return NOTHING;
        }
        final int ip = outOff + l2Len;
        decrementTtl(in, ipOff, out, ip);
        rewriteSource(in, out, ip, ip + ipHl, conns.vaddr(e), conns.vport(e));
        svc.countOut(conns.dest(e), ipTotal);
        counters.inc(Counter.FORWARDED_OUT);
        return n;
    }

    // ------------------------------------------------------------------------------------------------ ICMP

    private int icmp(final DirectBuffer in, final int off, final MutableDirectBuffer out, final int outOff,
        final int outCap, final long nowMs)
    {
        final int type = Icmp.type(in, l4Off);
        if (Icmp.DEST_UNREACH != type && Icmp.SOURCE_QUENCH != type && Icmp.TIME_EXCEEDED != type)
        {
            return count(Counter.NOT_OURS);
        }
        final int q = l4Off + Icmp.QUOTED_OFFSET;
        final int qAvail = l4Len - Icmp.QUOTED_OFFSET;
        if (qAvail < Ipv4.MIN_HEADER_LENGTH || 4 != Ipv4.version(in, q))
        {
            return count(services.isVip(daddr) ? Counter.DROP_BAD_ICMP : Counter.NOT_OURS);
        }
        final int qhl = Ipv4.headerLength(in, q);
        final int qproto = Ipv4.protocol(in, q);
        if (Ipv4.PROTO_IPIP == qproto && Icmp.DEST_UNREACH == type && Icmp.CODE_FRAG_NEEDED == Icmp.code(in, l4Off) &&
            qhl >= Ipv4.MIN_HEADER_LENGTH && Ipv4.src(in, q) == cfg.localIp)
        {
            return tunnelFragNeeded(in, off, q, qhl, qAvail, out, outOff, outCap, nowMs);
        }
        if (qhl < Ipv4.MIN_HEADER_LENGTH || qAvail < qhl + 8 ||
            (Ipv4.PROTO_TCP != qproto && Ipv4.PROTO_UDP != qproto))
        {
            return count(services.isVip(daddr) ? Counter.DROP_BAD_ICMP : Counter.NOT_OURS);
        }
        final int qsrc = Ipv4.src(in, q);
        final int qdst = Ipv4.dst(in, q);
        final int qsport = in.getShort(q + qhl, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        final int qdport = in.getShort(q + qhl + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;

        // About a packet that went VIP -> client: the error travels towards the VIP, like the client's packets.
        int e = conns.lookupIn(qproto, qdst, qdport, qsrc, qsport);
        if (e >= 0)
        {
            final int method = conns.fwd(e);
            final VirtualService svc = services.get(conns.service(e));
            if (Method.NAT != method)
            {
                final int n = transmitIcmpAsIs(svc, conns.dest(e), method, conns.daddr(e), in, off, out, outOff,
                    outCap);
                if (n > 0)
                {
                    svc.countIn(conns.dest(e), ipTotal);
                }
                return n;
            }
            return natIcmp(e, false, q - ipOff, qhl, in, off, out, outOff, outCap, svc);
        }
        // NAT: about a packet that went client -> real server, coming back from the real server's side.
        e = conns.lookupOut(qproto, qdst, qdport, qsrc, qsport);
        if (e >= 0)
        {
            return natIcmp(e, true, q - ipOff, qhl, in, off, out, outOff, outCap, services.get(conns.service(e)));
        }
        return count(Counter.NOT_OURS);
    }

    /**
     * {@code ip_vs_in_icmp} for our tunnel: a router between the director and a TUN real server says the IPIP
     * packet was too big. The real server's path MTU is lowered (so later packets get a fragmentation needed
     * from the director at once), and the client, if it set DF, gets one now for its packet, quoted from inside
     * the tunnel, with that MTU less the outer header.
     */
    private int tunnelFragNeeded(final DirectBuffer in, final int off, final int q, final int qhl, final int qAvail,
        final MutableDirectBuffer out, final int outOff, final int outCap, final long nowMs)
    {
        final int inner = q + qhl;
        final int innerAvail = qAvail - qhl;
        if (innerAvail < Ipv4.MIN_HEADER_LENGTH + 4 || 4 != Ipv4.version(in, inner))
        {
            return count(Counter.DROP_BAD_ICMP);
        }
        final int ihl = Ipv4.headerLength(in, inner);
        final int iproto = Ipv4.protocol(in, inner);
        if (ihl < Ipv4.MIN_HEADER_LENGTH || innerAvail < ihl + 4 ||
            (Ipv4.PROTO_TCP != iproto && Ipv4.PROTO_UDP != iproto))
        {
            return count(Counter.DROP_BAD_ICMP);
        }
        final int client = Ipv4.src(in, inner);
        final int e = conns.lookupIn(iproto, client, in.getShort(inner + ihl, ByteOrder.BIG_ENDIAN) & 0xFFFF,
            Ipv4.dst(in, inner), in.getShort(inner + ihl + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF);
        if (e < 0 || Method.TUN != conns.fwd(e) || conns.daddr(e) != Ipv4.dst(in, q))
        {
            return count(Counter.DROP_BAD_ICMP);
        }
        final int reported = in.getShort(l4Off + Icmp.MTU_OFFSET, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        // Linux ignores a PMTU under 552 (min_pmtu) and one not below the current.
        final int mtu = Math.max(552, reported);
        if (mtu < cfg.mtu)
        {
            tunnelMtu.put(conns.daddr(e) & 0xFFFFFFFFL, (nowMs + PMTU_EXPIRES_MS) << 16 | mtu);
            counters.inc(Counter.TUN_PMTU);
        }
        if (0 == (Ipv4.fragField(in, inner) & Ipv4.FLAG_DF) || !cfg.pmtuDisc || 0 == conns.mac(e) ||
            l2Len + Ipv4.MIN_HEADER_LENGTH > outCap)
        {
            return NOTHING;
        }
        counters.inc(Counter.DROP_FRAG_NEEDED);
        out.putBytes(outOff, in, off, l2Len);
        return icmpErrorTo(out, outOff, outCap, Icmp.DEST_UNREACH, Icmp.CODE_FRAG_NEEDED,
            Math.min(mtu, cfg.mtu) - Ipv4.MIN_HEADER_LENGTH, Ipv4.dst(in, inner), client, conns.mac(e), in, inner,
            Math.min(innerAvail, Math.min(Ipv4.totalLength(in, inner), ICMP_QUOTE_MAX)));
    }

    private int transmitIcmpAsIs(final VirtualService svc, final int dest, final int method, final int raddr,
        final DirectBuffer in, final int off, final MutableDirectBuffer out, final int outOff, final int outCap)
    {
        final boolean partial = csumNotReady;
        csumNotReady = false;
        final int p = proto;
        proto = Ipv4.PROTO_ICMP;
        final int n = transmitIn(svc, dest, method, raddr, 0, in, off, out, outOff, outCap);
        proto = p;
        csumNotReady = partial;
        return n;
    }

    /**
     * {@code ip_vs_nat_icmp}: translate an ICMP error for a NAT connection.
     *
     * @param outbound true for an error from the real server's side going to the client.
     * @param qRel offset of the quoted IP header from the outer IP header.
     */
    private int natIcmp(final int e, final boolean outbound, final int qRel, final int qhl, final DirectBuffer in,
        final int off, final MutableDirectBuffer out, final int outOff, final int outCap, final VirtualService svc)
    {
        if (Ipv4.ttl(in, ipOff) <= 1)
        {
            return timeExceeded(in, off, out, outOff, outCap, outbound ? cfg.localIp : daddr);
        }
        final long mac = outbound ? conns.mac(e) : neighbors.get(conns.daddr(e));
        if (Neighbors.UNKNOWN == mac)
        {
            return count(Counter.DROP_NO_NEIGHBOR);
        }
        final int n = copyOut(in, off, out, outOff, outCap, mac);
        if (NOTHING == n)
        {
            return NOTHING;
        }
        final int ip = outOff + l2Len;
        final int q = ip + qRel;
        final int ports = q + qhl;
        final int qproto = Ipv4.protocol(out, q);
        final int oldAddr;
        final int newAddr;
        final int oldPort;
        final int newPort;
        if (outbound)
        {
            Ipv4.src(out, ip, conns.vaddr(e));
            oldAddr = Ipv4.dst(out, q);
            newAddr = conns.vaddr(e);
            Ipv4.dst(out, q, newAddr);
            oldPort = out.getShort(ports + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            newPort = conns.vport(e);
            out.putShort(ports + 2, (short)newPort, ByteOrder.BIG_ENDIAN);
        }
        else
        {
            Ipv4.dst(out, ip, conns.daddr(e));
            oldAddr = Ipv4.src(out, q);
            newAddr = conns.daddr(e);
            Ipv4.src(out, q, newAddr);
            oldPort = out.getShort(ports, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            newPort = conns.dport(e);
            out.putShort(ports, (short)newPort, ByteOrder.BIG_ENDIAN);
        }
        Ipv4.fillChecksum(out, q);
        // The kernel leaves the quoted L4 checksum stale; when the quote holds it, keep it right.
        final int field = Ipv4.PROTO_TCP == qproto ? Tcp.CHECKSUM_OFFSET : Udp.CHECKSUM_OFFSET;
        if (ports + field + 2 <= ip + ipTotal)
        {
            final int check = out.getShort(ports + field, ByteOrder.BIG_ENDIAN) & 0xFFFF;
            if (Ipv4.PROTO_TCP == qproto || 0 != check)
            {
                final int c = Checksums.update16(Checksums.update32(check, oldAddr, newAddr), oldPort, newPort);
                out.putShort(ports + field, (short)c, ByteOrder.BIG_ENDIAN);
            }
        }
        out.putByte(ip + Ipv4.TTL_OFFSET, (byte)(Ipv4.ttl(out, ip) - 1));
        Ipv4.fillChecksum(out, ip);
        final int icmp = ip + ipHl;
        out.putShort(icmp + Icmp.CHECKSUM_OFFSET, (short)0, ByteOrder.BIG_ENDIAN);
        out.putShort(icmp + Icmp.CHECKSUM_OFFSET, (short)Checksums.finish(Checksums.sum(out, icmp, l4Len, 0)),
            ByteOrder.BIG_ENDIAN);
        if (outbound)
        {
            svc.countOut(conns.dest(e), ipTotal);
            counters.inc(Counter.FORWARDED_OUT);
        }
        else
        {
            svc.countIn(conns.dest(e), ipTotal);
            counters.inc(Counter.FORWARDED_IN);
        }
        return n;
    }

    private int timeExceeded(final DirectBuffer in, final int off, final MutableDirectBuffer out, final int outOff,
        final int outCap, final int source)
    {
        counters.inc(Counter.DROP_TTL_EXCEEDED);
        return icmpError(in, off, out, outOff, outCap, Icmp.TIME_EXCEEDED, 0, 0, source);
    }

    private int fragNeeded(final DirectBuffer in, final int off, final MutableDirectBuffer out, final int outOff,
        final int outCap, final int mtu)
    {
        counters.inc(Counter.DROP_FRAG_NEEDED);
        return icmpError(in, off, out, outOff, outCap, Icmp.DEST_UNREACH, Icmp.CODE_FRAG_NEEDED, mtu, daddr);
    }

    /** Build an ICMP error back to the frame's sender, quoting its datagram as Linux's icmp_send does. */
    private int icmpError(final DirectBuffer in, final int off, final MutableDirectBuffer out, final int outOff,
        final int outCap, final int type, final int code, final int mtu, final int source)
    {
        if (l2Len + Ipv4.MIN_HEADER_LENGTH > outCap)
        {
            return NOTHING;
        }
        // The frame's own L2 header (VLAN tags included), turned round.
        out.putBytes(outOff, in, off, l2Len);
        return icmpErrorTo(out, outOff, outCap, type, code, mtu, source, saddr,
            Ethernet.mac(in, off + Ethernet.SRC_OFFSET), in, ipOff, Math.min(ipTotal, ICMP_QUOTE_MAX));
    }

    /**
     * An ICMP error to {@code dest} at {@code destMac} quoting {@code quote} bytes of the datagram at
     * {@code quoted}; the L2 header at {@code outOff} (l2Len bytes) is already in place but for its MACs.
     */
    private int icmpErrorTo(final MutableDirectBuffer out, final int outOff, final int outCap, final int type,
        final int code, final int mtu, final int source, final int dest, final long destMac, final DirectBuffer in,
        final int quoted, final int quote)
    {
        final int ipLen = Ipv4.MIN_HEADER_LENGTH + Icmp.HEADER_LENGTH + quote;
        final int n = l2Len + ipLen;
        if (n > outCap || 0 == source)
        {
            return NOTHING;
        }
        Ethernet.mac(out, outOff + Ethernet.DST_OFFSET, destMac);
        Ethernet.mac(out, outOff + Ethernet.SRC_OFFSET, cfg.localMac);
        final int ip = outOff + l2Len;
        out.putByte(ip, (byte)0x45);
        out.putByte(ip + Ipv4.TOS_OFFSET, (byte)((Ipv4.tos(in, quoted) & 0x1E) | 0xC0));
        Ipv4.totalLength(out, ip, ipLen);
        out.putShort(ip + Ipv4.ID_OFFSET, (short)nextIpId(), ByteOrder.BIG_ENDIAN);
        out.putShort(ip + Ipv4.FRAG_OFFSET, (short)0, ByteOrder.BIG_ENDIAN);
        out.putByte(ip + Ipv4.TTL_OFFSET, (byte)64);
        out.putByte(ip + Ipv4.PROTOCOL_OFFSET, (byte)Ipv4.PROTO_ICMP);
        Ipv4.src(out, ip, source);
        Ipv4.dst(out, ip, dest);
        Ipv4.fillChecksum(out, ip);
        final int icmp = ip + Ipv4.MIN_HEADER_LENGTH;
        out.putByte(icmp, (byte)type);
        out.putByte(icmp + 1, (byte)code);
        out.putShort(icmp + Icmp.CHECKSUM_OFFSET, (short)0, ByteOrder.BIG_ENDIAN);
        out.putShort(icmp + 4, (short)0, ByteOrder.BIG_ENDIAN);
        out.putShort(icmp + Icmp.MTU_OFFSET, (short)mtu, ByteOrder.BIG_ENDIAN);
        out.putBytes(icmp + Icmp.QUOTED_OFFSET, in, quoted, quote);
        out.putShort(icmp + Icmp.CHECKSUM_OFFSET,
            (short)Checksums.finish(Checksums.sum(out, icmp, Icmp.HEADER_LENGTH + quote, 0)), ByteOrder.BIG_ENDIAN);
        counters.inc(Counter.ICMP_SENT);
        return n;
    }
}
