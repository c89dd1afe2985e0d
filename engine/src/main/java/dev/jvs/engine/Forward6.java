package dev.jvs.engine;

import dev.jvs.engine.conn.ConnectionEntries;
import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.conn.TcpStates;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.frame.Ipv6;
import dev.jvs.engine.frame.Tcp;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import dev.jvs.schedulers.Destinations;
import dev.jvs.schedulers.Scheduler;
import org.agrona.DirectBuffer;

/**
 * {@link Forwarder}'s path for IPv6 frames, IPVS's {@code ip_vs_in}/{@code ip_vs_out} for {@code AF_INET6}:
 * neighbour discovery for the VIPs, then a NAT reply, a packet of a known connection, or the first of a new
 * one, scheduled as IPv4's are (the hashing schedulers see the folded addresses, as the kernel's do) and sent
 * by DR or NAT. Apart from the IPv4 path, which it leaves as it was: IPv4 frames never come here.
 * <p>
 * ICMPv6 errors about a connection follow it ({@link Icmp6Handler}). VRRP gates the IPv6 VIPs as it gates
 * IPv4's ({@link Owned6}); VRRPv3 adverts over IPv6 go to the control tap. With several workers, the fanout
 * program gives each a client's IPv6 frames by the fold of its address.
 */
final class Forward6
{
    /** VRRP's next header (RFC 5798), handed to the control tap. */
    private static final int NH_VRRP = 112;

    private final EngineConfig cfg;
    private final ServiceTable services;
    private final ConnectionTable conns;
    private final Neighbors neighbors;
    private final Counters counters;
    private final Packet pkt;
    private final Scheduling scheduling;
    private final Transitions transitions;
    private final Transmit6 xmit;
    private final NeighborDiscovery nd;
    private final Icmp6Handler icmp;
    private final SyncEntries sync;
    private final Owned6 owned = new Owned6();
    private ControlTap tap;

    Forward6(final EngineConfig cfg, final ServiceTable services, final ConnectionTable conns,
        final Neighbors neighbors, final Counters counters, final Packet pkt, final Scheduling scheduling,
        final Transitions transitions, final Transmit xmit, final SyncEntries sync)
    {
        this.sync = sync;
        this.cfg = cfg;
        this.services = services;
        this.conns = conns;
        this.neighbors = neighbors;
        this.counters = counters;
        this.pkt = pkt;
        this.scheduling = scheduling;
        this.transitions = transitions;
        this.xmit = new Transmit6(xmit, cfg, counters, pkt);
        this.icmp = new Icmp6Handler(cfg, services, conns, neighbors, counters, pkt, xmit, this.xmit);
        this.nd = new NeighborDiscovery(cfg, services, neighbors, counters, pkt, owned);
    }

    /** @param t the control tap (VRRP adverts over IPv6), or null. */
    void tap(final ControlTap t)
    {
        tap = t;
    }

    /** @param nowMs the time: forget the path MTUs learnt longer ago than Linux keeps them. */
    void expire(final long nowMs)
    {
        xmit.expirePathMtus(nowMs);
    }

    /** @param o what VRRP says this director owns. */
    void own(final Ownership o)
    {
        owned.own(o);
    }

    /** @return the neighbour discovery of this path (the worker resolves IPv6 real servers with it). */
    NeighborDiscovery nd()
    {
        return nd;
    }

    /** An IPv6 frame, its Ethernet header (and tags) {@link Packet#l2Len} long. */
    int process(final DirectBuffer in, final int off, final int len, final long nowMs)
    {
        final Packet p = pkt;
        if (!services.hasIpv6())
        {
            // VRRP over IPv6 needs no IPv6 service; nothing else here is the director's.
            final int ip = off + p.l2Len;
            return len - p.l2Len >= Ipv6.HEADER_LENGTH && NH_VRRP == (in.getByte(ip + 6) & 0xFF) ?
                toTap(in, ip, len - p.l2Len, nowMs) : count(Counter.IPV6_IGNORED);
        }
        final Counter bad = p.parseIp6(in, off + p.l2Len, len - p.l2Len, services);
        if (null != bad)
        {
            return count(bad);
        }
        switch (p.proto)
        {
            case Ipv4.PROTO_TCP, Ipv4.PROTO_UDP:
                break;
            case Ipv6.NH_ICMPV6:
            {
                if (Icmp6Handler.isError(in.getByte(p.l4) & 0xFF))
                {
                    return icmp.onError(in, off, nowMs);
                }
                final Egress eg = p.egress;
                return nd.onIcmp6(in, off, eg.buffer, eg.offset, eg.capacity);
            }
            case NH_VRRP:
                // Adverts come without extension headers (keepalived's, and jvs's own).
                return p.l4 == p.ip + Ipv6.HEADER_LENGTH ? toTap(in, p.ip, p.ipTotal, nowMs) :
                    count(Counter.NOT_OURS);
            default:
                return count(Counter.NOT_OURS);
        }
        if (!owned.forwards(p.dhi, p.dlo, services))
        {
            return gated(in, off, nowMs);
        }
        final int proto = p.proto;
        // Only a frame from a NAT real server may be a reply: the one-word filter spares the others a lookup.
        if (services.isNatServer6(p.shi, p.slo))
        {
            final int r = conns.ipv6().lookupOut(proto, p.shi, p.slo, p.sport, p.dhi, p.dlo, p.dport);
            if (r >= 0)
            {
                return forwardOut(r, in, off, nowMs);
            }
        }
        final int e = conns.ipv6().lookupIn(proto, p.shi, p.slo, p.sport, p.dhi, p.dlo, p.dport);
        if (e >= 0)
        {
            if (Ipv4.PROTO_TCP != proto || 0 == (p.tcpFlags & Tcp.SYN) || !scheduling.isReusable(e))
            {
                return forwardIn(e, in, off, nowMs);
            }
            scheduling.expireNow(e, nowMs);
        }
        // ip_vs_service_find: a marked packet's firewall-mark service first, then the address's.
        final int mark = services.classify6(proto, p.dhi, p.dlo, p.dport);
        final VirtualService marked = 0 != mark ? services.getFwmark(mark, true) : null;
        final VirtualService svc = null != marked ? marked : services.find6(proto, p.dhi, p.dlo, p.dport);
        if (null == svc)
        {
            return count(Counter.NOT_OURS);
        }
        if (Ipv4.PROTO_TCP == proto &&
            ((0 == (p.tcpFlags & Tcp.SYN) && !cfg.sloppyTcp) || 0 != (p.tcpFlags & Tcp.RST)))
        {
            return count(Counter.DROP_NO_CONNECTION);
        }
        return schedule(svc, in, off, nowMs);
    }

    /** A VRRP advert for the control tap: the IPv6 packet, its length from the header (checked there). */
    private int toTap(final DirectBuffer in, final int ip, final int avail, final long nowMs)
    {
        final int total = Math.min(avail, Ipv6.HEADER_LENGTH + Ipv6.payloadLength(in, ip));
        return null != tap && tap.onFrame(pkt.inPort, in, ip, total, NH_VRRP, nowMs) ? Forwarder.NOTHING :
            count(Counter.NOT_OURS);
    }

    /**
     * VRRP gates this destination (a backup, or master of other instances only): a NAT reply of a connection
     * whose VIP this director owns still goes out; the rest is counted, as {@code Forwarder}'s IPv4 gate does.
     */
    private int gated(final DirectBuffer in, final int off, final long nowMs)
    {
        final Packet p = pkt;
        if (services.isNatServer6(p.shi, p.slo))
        {
            final int r = conns.ipv6().lookupOut(p.proto, p.shi, p.slo, p.sport, p.dhi, p.dlo, p.dport);
            if (r >= 0 && owned.forwards(conns.address6(r, ConnectionEntries.EXT_VADDR),
                conns.address6(r, ConnectionEntries.EXT_VADDR + 8), services))
            {
                return forwardOut(r, in, off, nowMs);
            }
        }
        return count(services.isVip6(p.dhi, p.dlo) || services.isNatServer6(p.shi, p.slo) ? Counter.DROP_STANDBY :
            Counter.NOT_OURS);
    }

    /** A new connection: its real server, then the connection (or one-packet scheduling's single datagram). */
    private int schedule(final VirtualService svc, final DirectBuffer in, final int off, final long nowMs)
    {
        final int dest = scheduling.destination(svc, nowMs);
        if (Scheduler.NO_DEST == dest)
        {
            return Forwarder.NOTHING;
        }
        final Destinations d = svc.dests();
        final int dport = pkt.dport;
        final int rport = 0 != d.port(dest) && (dport == svc.vport() || 0 != svc.fwmark()) ? d.port(dest) : dport;
        final int method = svc.method(dest);
        if (svc.onePacket() && Ipv4.PROTO_UDP == pkt.proto && scheduling.template < 0)
        {
            d.bind(dest, Destinations.CONN_INACTIVE);
            svc.countNew(dest);
            final int n = toRealServer(svc, dest, method, rport, in, off);
            d.unbind(dest, Destinations.CONN_INACTIVE);
            return n;
        }
        final int e = scheduling.connect6(svc, dest, rport, method, in, off, nowMs);
        return e < 0 ? Forwarder.NOTHING : forwardIn(e, in, off, nowMs);
    }

    /** A client's packet of connection {@code e}, to its real server. */
    private int forwardIn(final int e, final DirectBuffer in, final int off, final long nowMs)
    {
        final VirtualService svc = services.get(conns.service(e));
        final int dest = conns.dest(e);
        if (cfg.expireNodestConn && !svc.dests().isListed(dest))
        {
            scheduling.expireNow(e, nowMs);
            return count(Counter.DROP_NODEST_EXPIRED);
        }
        sync.clientPacket(e, svc, transitions, in, off, nowMs);
        return toRealServer(svc, dest, conns.fwd(e), conns.dport(e), in, off);
    }

    private int toRealServer(final VirtualService svc, final int dest, final int method, final int rport,
        final DirectBuffer in, final int off)
    {
        final IpAddress r = svc.realServer(dest);
        final long mac = svc.mac6(dest, neighbors);
        if (Neighbors.UNKNOWN == mac)
        {
            return count(Counter.DROP_NO_NEIGHBOR);
        }
        final Egress eg = pkt.egress.to(Forwarder.portOf(mac));
        final int n = xmit.toRealServer(method, r.hi(), r.lo(), rport, in, off, eg.buffer, eg.offset, eg.capacity,
            Forwarder.macOf(mac));
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
        final long mac = conns.mac(e);
        if (0 == Forwarder.macOf(mac))
        {
            // A synced entry whose client has not spoken through this director yet: its MAC comes with the
            // client's next packet (IPv4 asks the route's next hop; jvs reads no IPv6 routes yet).
            return count(Counter.DROP_NO_NEIGHBOR);
        }
        final Egress eg = pkt.egress.to(Forwarder.portOf(mac));
        final int n = xmit.toClient(in, off, eg.buffer, eg.offset, eg.capacity, Forwarder.macOf(mac),
            conns.address6(e, ConnectionEntries.EXT_VADDR), conns.address6(e, ConnectionEntries.EXT_VADDR + 8),
            conns.vport(e));
        if (n > 0)
        {
            svc.countOut(conns.dest(e), pkt.ipTotal);
        }
        return n;
    }


    private int count(final Counter c)
    {
        counters.inc(c);
        return Forwarder.NOTHING;
    }
}
