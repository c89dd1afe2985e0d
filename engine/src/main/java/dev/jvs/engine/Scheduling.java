package dev.jvs.engine;

import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.conn.TcpStates;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import dev.jvs.schedulers.Destinations;
import dev.jvs.schedulers.Flow;
import dev.jvs.schedulers.Scheduler;
import org.agrona.DirectBuffer;

/**
 * New connections and their end ({@code ip_vs_schedule}, {@code ip_vs_sched_persist}, {@code ip_vs_conn_new}
 * and the connection expiry of {@code ip_vs_conn.c}): a real server from the persistence template of the
 * client's network, or from the service's scheduler; the connection bound to it; at expiry, unbound (a
 * template lives on while it controls connections), and a removed real server released with its last one.
 * <p>
 * Defense against a table-filling SYN flood: when the table is full, a new connection replaces a random
 * half-open entry (never confirmed: no TCP handshake completed, no UDP reply) or a persistence template that
 * controls none and was never assured, found by probing up to 8 random slots, like IPVS's {@code drop_entry}
 * strategy ({@code ip_vs_random_dropentry}'s candidates). Established connections are never evicted.
 */
final class Scheduling implements ConnectionTable.ExpiryHandler
{
    private static final int FTP_PORT = 21;
    private static final int EVICTION_PROBES = 8;

    private final EngineConfig cfg;
    private final ServiceTable services;
    private final ConnectionTable conns;
    private final Counters counters;
    private final Packet pkt;
    private final Flow flow = new Flow();
    private int rnd = 0x2545F491;
    /** The persistence template {@link #destination} used, or -1. */
    int template;

    Scheduling(final EngineConfig cfg, final ServiceTable services, final ConnectionTable conns,
        final Counters counters, final Packet pkt)
    {
        this.cfg = cfg;
        this.services = services;
        this.conns = conns;
        this.counters = counters;
        this.pkt = pkt;
    }

    /**
     * The real server for a new connection of the packet: the persistence template's (made if needed, left in
     * {@link #template}), or the scheduler's pick.
     *
     * @return the destination, or {@link Scheduler#NO_DEST} (counted).
     */
    int destination(final VirtualService svc, final long nowMs)
    {
        template = -1;
        if (svc.persistenceTimeoutMs() > 0)
        {
            template = pkt.v6 ? persistTemplate6(svc, nowMs) : persistTemplate(svc, nowMs);
            return template < 0 ? Scheduler.NO_DEST : conns.dest(template);
        }
        final int dest = svc.scheduler().pick(flow.set(pkt.proto, pkt.saddr, pkt.sport, pkt.daddr, pkt.dport, nowMs));
        if (Scheduler.NO_DEST == dest)
        {
            counters.inc(Counter.DROP_NO_DESTINATION);
        }
        return dest;
    }

    /**
     * The connection to {@code dest}, made and bound (inactive, as ip_vs_bind_dest), under the template of
     * {@link #destination}.
     *
     * @return the entry, or -1 when the table is full (counted).
     */
    int connect(final VirtualService svc, final int dest, final int raddr, final int rport, final int method,
        final DirectBuffer in, final int off, final long nowMs)
    {
        int flags = ConnectionTable.F_INACTIVE;
        flags |= Method.NAT == method ? ConnectionTable.F_OUT_INDEXED : ConnectionTable.F_NOOUTPUT;
        final int proto = pkt.proto;
        final int timeout = Ipv4.PROTO_TCP == proto ? cfg.tcpTimeoutsMs[TcpStates.NONE] : cfg.udpTimeoutMs;
        int e = conns.insert(proto, pkt.saddr, pkt.sport, pkt.daddr, pkt.dport, raddr, rport, flags, timeout, nowMs);
        if (e < 0 && evictDroppable(nowMs))
        {
            e = conns.insert(proto, pkt.saddr, pkt.sport, pkt.daddr, pkt.dport, raddr, rport, flags, timeout, nowMs);
        }
        if (e < 0)
        {
            counters.inc(Counter.DROP_TABLE_FULL);
            return -1;
        }
        bind(svc, dest, method, e, in, off);
        return e;
    }

    /**
     * An IPv6 connection to {@code dest}, made and bound as {@link #connect} makes an IPv4 one.
     *
     * @return the entry, or -1 when the table is full (counted).
     */
    int connect6(final VirtualService svc, final int dest, final int rport, final int method, final DirectBuffer in,
        final int off, final long nowMs)
    {
        int flags = ConnectionTable.F_INACTIVE;
        flags |= Method.NAT == method ? ConnectionTable.F_OUT_INDEXED : ConnectionTable.F_NOOUTPUT;
        final Packet p = pkt;
        final int timeout = Ipv4.PROTO_TCP == p.proto ? cfg.tcpTimeoutsMs[TcpStates.NONE] : cfg.udpTimeoutMs;
        final dev.jvs.engine.frame.IpAddress r = svc.realServer(dest);
        int e = conns.ipv6().insert(p.proto, p.shi, p.slo, p.sport, p.dhi, p.dlo, p.dport, r.hi(), r.lo(), rport, flags,
            timeout, nowMs);
        if (e < 0 && evictDroppable(nowMs))
        {
            e = conns.ipv6().insert(p.proto, p.shi, p.slo, p.sport, p.dhi, p.dlo, p.dport, r.hi(), r.lo(), rport, flags,
                timeout, nowMs);
        }
        if (e < 0)
        {
            counters.inc(Counter.DROP_TABLE_FULL);
            return -1;
        }
        bind(svc, dest, method, e, in, off);
        return e;
    }

    private void bind(final VirtualService svc, final int dest, final int method, final int e, final DirectBuffer in,
        final int off)
    {
        conns.dest(e, dest);
        conns.service(e, svc.index());
        conns.fwd(e, method);
        conns.mac(e, Forwarder.withPort(Ethernet.mac(in, off + Ethernet.SRC_OFFSET), pkt.inPort));
        svc.dests().bind(dest, Destinations.CONN_INACTIVE);
        svc.countNew(dest);
        if (template >= 0)
        {
            conns.control(e, template);
            conns.nControl(template, conns.nControl(template) + 1);
        }
    }

    /**
     * {@code ip_vs_sched_persist} for IPv6: the client network is the address cut to the granularity's prefix
     * length (the kernel's {@code ipv6_addr_prefix}), the rest as {@link #persistTemplate}.
     *
     * @return the template entry, or -1 (counted).
     */
    private int persistTemplate6(final VirtualService svc, final long nowMs)
    {
        final Packet p = pkt;
        final int prefix = svc.persistenceNetmask();
        final long shi = prefix >= 64 ? p.shi : 0 == prefix ? 0 : p.shi & -1L << (64 - prefix);
        final long slo = prefix >= 128 ? p.slo : prefix <= 64 ? 0 : p.slo & -1L << (128 - prefix);
        final boolean mark = 0 != svc.fwmark();
        final int tproto = mark ? 0 : p.proto;
        // A firewall-mark template's address is the mark in the first word, as the kernel's
        // nf_inet_addr { .ip = htonl(fwmark) } lays it out (what connection sync carries).
        final long tvhi = mark ? (long)svc.fwmark() << 32 : p.dhi;
        final long tvlo = mark ? 0 : p.dlo;
        final int tvport = p.dport == svc.vport() && !mark ? (FTP_PORT != svc.vport() ? p.dport : 0) : 0;
        final Destinations d = svc.dests();
        int t = conns.ipv6().lookupTemplate(tproto, shi, slo, tvhi, tvlo, tvport);
        if (t >= 0 && keeps(t, svc, nowMs))
        {
            return t;
        }
        final int dest = svc.scheduler().pick(flow.set(p.proto, p.saddr, p.sport, p.daddr, p.dport, nowMs));
        if (Scheduler.NO_DEST == dest)
        {
            counters.inc(Counter.DROP_NO_DESTINATION);
            return -1;
        }
        final int tdport = p.dport == svc.vport() && FTP_PORT != svc.vport() && !mark ? d.port(dest) : 0;
        final dev.jvs.engine.frame.IpAddress r = svc.realServer(dest);
        t = conns.ipv6().insertTemplate(tproto, shi, slo, tvhi, tvlo, tvport, r.hi(), r.lo(), tdport,
            svc.persistenceTimeoutMs(), nowMs);
        if (t < 0 && evictDroppable(nowMs))
        {
            t = conns.ipv6().insertTemplate(tproto, shi, slo, tvhi, tvlo, tvport, r.hi(), r.lo(), tdport,
                svc.persistenceTimeoutMs(), nowMs);
        }
        if (t < 0)
        {
            counters.inc(Counter.DROP_TABLE_FULL);
            return -1;
        }
        conns.dest(t, dest);
        conns.service(t, svc.index());
        // ip_vs_bind_dest gives a template its real server's forwarding method too (sync sends it).
        conns.fwd(t, svc.method(dest));
        d.bind(dest, Destinations.CONN_TEMPLATE);
        return t;
    }

    /**
     * {@code ip_vs_sched_persist}: find (or make) the client network's template and return it.
     *
     * @return the template entry, or -1 (counted).
     */
    private int persistTemplate(final VirtualService svc, final long nowMs)
    {
        final int proto = pkt.proto;
        final int daddr = pkt.daddr;
        final int dport = pkt.dport;
        final int snet = pkt.saddr & svc.persistenceNetmask();
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
        if (t >= 0 && keeps(t, svc, nowMs))
        {
            return t;
        }
        final int dest = svc.scheduler().pick(flow.set(proto, pkt.saddr, pkt.sport, daddr, dport, nowMs));
        if (Scheduler.NO_DEST == dest)
        {
            counters.inc(Counter.DROP_NO_DESTINATION);
            return -1;
        }
        final int tdport = dport == svc.vport() && FTP_PORT != svc.vport() && 0 == svc.fwmark() ? d.port(dest) : 0;
        t = conns.insertTemplate(tproto, snet, tvaddr, tvport, d.address(dest), tdport, svc.persistenceTimeoutMs(),
            nowMs);
        if (t < 0 && evictDroppable(nowMs))
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
        // ip_vs_bind_dest gives a template its real server's forwarding method too (sync sends it).
        conns.fwd(t, svc.method(dest));
        d.bind(dest, Destinations.CONN_TEMPLATE);
        return t;
    }

    /**
     * A template found for a new connection: kept (its timer renewed) while its real server is listed and, with
     * expire_quiescent_template, has weight; otherwise taken out of the index to live out its connections.
     */
    private boolean keeps(final int t, final VirtualService svc, final long nowMs)
    {
        final Destinations d = svc.dests();
        final int dest = conns.dest(t);
        if (!d.isListed(dest) || (cfg.expireQuiescentTemplate && 0 == d.weight(dest)))
        {
            conns.unindex(t);
            return false;
        }
        conns.touch(t, svc.persistenceTimeoutMs(), nowMs);
        return true;
    }

    /** Drop one of {@link ConnectionTable#isDroppable}'s entries, never the template this packet goes under. */
    private boolean evictDroppable(final long nowMs)
    {
        final int cap = conns.capacity();
        for (int i = 0; i < EVICTION_PROBES; i++)
        {
            rnd ^= rnd << 13;
            rnd ^= rnd >>> 17;
            rnd ^= rnd << 5;
            final int e = (int)((rnd & 0xFFFFFFFFL) % cap);
            if (e != template && conns.isDroppable(e))
            {
                expireNow(e, nowMs);
                return true;
            }
        }
        return false;
    }

    /** @return whether a SYN may replace this connection ({@code conn_reuse_mode} 1: TIME_WAIT or CLOSE). */
    boolean isReusable(final int e)
    {
        final int state = conns.state(e);
        return conns.control(e) < 0 && (TcpStates.TIME_WAIT == state || TcpStates.CLOSE == state);
    }

    /** Expire a connection at once (unbind it as its timer would) and free it. */
    void expireNow(final int e, final long nowMs)
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
}
