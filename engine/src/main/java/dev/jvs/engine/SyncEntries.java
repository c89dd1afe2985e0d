package dev.jvs.engine;

import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.conn.Ipv6Connections;
import dev.jvs.engine.conn.TcpStates;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import dev.jvs.schedulers.Destinations;
import org.agrona.DirectBuffer;

/**
 * The connection table's side of connection sync ({@code ip_vs_sync.c}): which entries a master sends, and when
 * ({@code ip_vs_sync_conn_needed}), and how a backup installs what it receives ({@code ip_vs_proc_conn}).
 */
final class SyncEntries
{
    /** TCP states in which IPVS sends a connection (ip_vs_sync_conn_needed). */
    private static final int SYNC_STATES = 1 << TcpStates.ESTABLISHED | 1 << TcpStates.FIN_WAIT |
        1 << TcpStates.CLOSE | 1 << TcpStates.CLOSE_WAIT | 1 << TcpStates.TIME_WAIT;

    private final ServiceTable services;
    private final ConnectionTable conns;
    private final Counters counters;
    private final Packet pkt;
    private SyncSink sink;
    /** Set once an entry was installed: its client's MAC is learnt from its first frame here. */
    private boolean learnMacs;

    SyncEntries(final ServiceTable services, final ConnectionTable conns, final Counters counters, final Packet pkt)
    {
        this.services = services;
        this.conns = conns;
        this.counters = counters;
        this.pkt = pkt;
    }

    void sink(final SyncSink s)
    {
        sink = s;
    }

    /**
     * After a client's packet moved connection {@code e} from state {@code before}: send it when IPVS would.
     */
    private void afterPacket(final int e, final int before)
    {
        int pkts = conns.syncCount(e) + 1;
        if (pkts >= Forwarder.SYNC_PERIOD)
        {
            pkts = 0;
        }
        conns.syncCount(e, pkts);
        final boolean send;
        if (Ipv4.PROTO_TCP == pkt.proto)
        {
            final int state = conns.state(e);
            if (0 == (SYNC_STATES & (1 << state)))
            {
                send = false;
            }
            else
            {
                send = (state != before && TcpStates.ESTABLISHED != state) || Forwarder.SYNC_THRESHOLD == pkts;
            }
        }
        else
        {
            send = Forwarder.SYNC_THRESHOLD == pkts;
        }
        if (send)
        {
            sink.onSync(conns, e);
            final int t = conns.control(e);
            if (t >= 0)
            {
                sink.onSync(conns, t);
            }
        }
    }

    /**
     * A client's packet of connection {@code e}, either family: a synced entry learns its client's MAC, the
     * state moves, and a master sends the entry when IPVS would.
     */
    void clientPacket(final int e, final VirtualService svc, final Transitions transitions, final DirectBuffer in,
        final int off, final long nowMs)
    {
        if (learnMacs)
        {
            learnMac(e, in, off);
        }
        if (null != sink)
        {
            final int before = conns.state(e);
            transitions.onPacket(e, svc, TcpStates.DIR_INPUT, nowMs);
            afterPacket(e, before);
        }
        else
        {
            transitions.onPacket(e, svc, TcpStates.DIR_INPUT, nowMs);
        }
    }

    /** A synced entry learns where its NAT replies go from the client's first frame through this director. */
    private void learnMac(final int e, final DirectBuffer in, final int off)
    {
        final int f = conns.flags(e);
        if (0 != (f & ConnectionTable.F_SYNCED))
        {
            conns.mac(e, Forwarder.withPort(Ethernet.mac(in, off + Ethernet.SRC_OFFSET), pkt.inPort));
            conns.flags(e, f & ~ConnectionTable.F_SYNCED);
        }
    }

    /** See {@link Forwarder#installSynced}. */
    int install(final int proto, final int caddr, final int cport, final int vaddr, final int vport,
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
        final int dest = destinationOf(s.dests(), daddr, dport);
        if (dest < 0)
        {
            return -1;
        }
        if (template)
        {
            return installTemplate(s, dest, proto, caddr, vaddr, vport, daddr, dport, state, timeoutMs, nowMs);
        }
        int e = conns.lookupIn(proto, caddr, cport, vaddr, vport);
        if (e < 0)
        {
            e = installNew(s, dest, proto, caddr, cport, vaddr, vport, daddr, dport, inactive, timeoutMs, nowMs);
            if (e < 0)
            {
                return -1;
            }
        }
        else if (0 == (conns.flags(e) & ConnectionTable.F_TEMPLATE))
        {
            update(s.dests(), e, dest, inactive);
        }
        conns.state(e, Ipv4.PROTO_TCP == proto ? state : 1);
        conns.touch(e, timeoutMs, nowMs);
        return e;
    }

    /** See {@link Forwarder#installSynced6}. */
    int install6(final int proto, final long[] a, final int[] ports, final int fwmark, final boolean template,
        final boolean inactive, final int state, final int timeoutMs, final long nowMs)
    {
        final int vport = ports[1];
        final VirtualService svc = 0 != fwmark ? services.getFwmark(fwmark, true) :
            template && 0 == proto ? services.getFwmark((int)(a[2] >>> 32), true) :
            services.find6(proto, a[2], a[3], vport);
        if (null == svc)
        {
            return -1;
        }
        int dest = -1;
        for (int p = 0, n = svc.dests().count(); p < n && dest < 0; p++)
        {
            final int id = svc.dests().idAt(p);
            final int dp = svc.dests().port(id);
            final dev.jvs.engine.frame.IpAddress r = svc.realServer(id);
            if (r.hi() == a[4] && r.lo() == a[5] && (dp == ports[2] || 0 == ports[2] || 0 == dp))
            {
                dest = id;
            }
        }
        if (dest < 0)
        {
            return -1;
        }
        final Ipv6Connections v6 = conns.ipv6();
        if (template)
        {
            int t = v6.lookupTemplate(proto, a[0], a[1], a[2], a[3], vport);
            if (t < 0)
            {
                t = v6.insertTemplate(proto, a[0], a[1], a[2], a[3], vport, a[4], a[5], ports[2], timeoutMs, nowMs);
                if (t < 0)
                {
                    return -1;
                }
                conns.dest(t, dest);
                conns.service(t, svc.index());
                conns.fwd(t, svc.method(dest));
                svc.dests().bind(dest, Destinations.CONN_TEMPLATE);
            }
            conns.state(t, Math.min(state, 0xFF));
            conns.touch(t, timeoutMs, nowMs);
            return t;
        }
        int e = v6.lookupIn(proto, a[0], a[1], ports[0], a[2], a[3], vport);
        if (e < 0)
        {
            e = v6.insert(proto, a[0], a[1], ports[0], a[2], a[3], vport, a[4], a[5], ports[2],
                syncedFlags(svc.method(dest), inactive), timeoutMs, nowMs);
            if (e < 0)
            {
                counters.inc(Counter.DROP_TABLE_FULL);
                return -1;
            }
            bindSynced(svc, dest, e, inactive);
        }
        else if (0 == (conns.flags(e) & ConnectionTable.F_TEMPLATE))
        {
            update(svc.dests(), e, dest, inactive);
        }
        conns.state(e, Ipv4.PROTO_TCP == proto ? state : 1);
        conns.touch(e, timeoutMs, nowMs);
        return e;
    }

    private static int syncedFlags(final int method, final boolean inactive)
    {
        int flags = ConnectionTable.F_SYNCED | (inactive ? ConnectionTable.F_INACTIVE : 0);
        flags |= Method.NAT == method ? ConnectionTable.F_OUT_INDEXED : ConnectionTable.F_NOOUTPUT;
        return inactive ? flags : flags | ConnectionTable.F_CONFIRMED;
    }

    private void bindSynced(final VirtualService s, final int dest, final int e, final boolean inactive)
    {
        conns.dest(e, dest);
        conns.service(e, s.index());
        conns.fwd(e, s.method(dest));
        conns.mac(e, 0L);
        s.dests().bind(dest, inactive ? Destinations.CONN_INACTIVE : Destinations.CONN_ACTIVE);
        learnMacs = true;
    }

    private static int destinationOf(final Destinations d, final int daddr, final int dport)
    {
        for (int p = 0, n = d.count(); p < n; p++)
        {
            final int id = d.idAt(p);
            if (d.address(id) == daddr && (d.port(id) == dport || 0 == dport || 0 == d.port(id)))
            {
                return id;
            }
        }
        return -1;
    }

    private int installTemplate(final VirtualService s, final int dest, final int proto, final int caddr,
        final int vaddr, final int vport, final int daddr, final int dport, final int state, final int timeoutMs,
        final long nowMs)
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
            conns.fwd(t, s.method(dest));
            s.dests().bind(dest, Destinations.CONN_TEMPLATE);
        }
        // ip_vs_proc_conn: cp->state = state, a template's NONE or ASSURED.
        conns.state(t, Math.min(state, 0xFF));
        conns.touch(t, timeoutMs, nowMs);
        return t;
    }

    private int installNew(final VirtualService s, final int dest, final int proto, final int caddr, final int cport,
        final int vaddr, final int vport, final int daddr, final int dport, final boolean inactive,
        final int timeoutMs, final long nowMs)
    {
        final int e = conns.insert(proto, caddr, cport, vaddr, vport, daddr, dport,
            syncedFlags(s.method(dest), inactive), timeoutMs, nowMs);
        if (e < 0)
        {
            counters.inc(Counter.DROP_TABLE_FULL);
            return -1;
        }
        bindSynced(s, dest, e, inactive);
        return e;
    }

    /** An entry already here: its active/inactive state as the master says. */
    private void update(final Destinations d, final int e, final int dest, final boolean inactive)
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
}
