package dev.jvs.director.config;

import dev.jvs.engine.Neighbors;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;

import java.util.ArrayList;
import java.util.List;

/** Turns the configuration model into the engine's services, as keepalived turns it into IPVS services. */
public final class ConfigLoader
{
    private ConfigLoader()
    {
    }

    /**
     * Create every virtual service and real server.
     *
     * @param c the configuration.
     * @param services the table to fill.
     * @param neighbors where configured MACs go.
     * @param methodOverride a method for every real server, or -1 to use the configuration's.
     * @param nowMs the time.
     * @return the services created, in order.
     */
    public static List<VirtualService> apply(final KeepalivedConfig c, final ServiceTable services,
        final Neighbors neighbors, final int methodOverride, final long nowMs)
    {
        for (final KeepalivedConfig.MarkRule r : c.markRules)
        {
            r.addTo(services);
        }
        final List<VirtualService> created = new ArrayList<>();
        for (final VirtualServer vs : c.virtualServers)
        {
            for (final Key k : keys(c, vs))
            {
                created.add(fill(k.add(services, vs, nowMs), vs, neighbors, methodOverride));
            }
        }
        return created;
    }

    /** What a reload changed. */
    public record Changes(int servicesAdded, int servicesRemoved, int serversAdded, int serversRemoved,
        int serversChanged)
    {
        @Override
        public String toString()
        {
            return servicesAdded + " services added, " + servicesRemoved + " removed; " + serversAdded +
                " real servers added, " + serversRemoved + " removed, " + serversChanged + " changed";
        }
    }

    /**
     * Apply a new configuration to running services: only the differences, without touching connections
     * (removed real servers and services keep serving the connections they have, as in IPVS).
     *
     * @param c the new configuration (already validated).
     * @param services the running services.
     * @param neighbors configured MACs go here.
     * @param nowMs the time.
     * @return what changed.
     */
    public static Changes reconcile(final KeepalivedConfig c, final ServiceTable services, final Neighbors neighbors,
        final long nowMs)
    {
        return reconcile(c, services, neighbors, nowMs, rs -> rs.weight());
    }

    /**
     * Apply a configuration as the health checks see it: a real server that is down is removed, or kept with
     * weight 0 under inhibit_on_failure, as keepalived does to IPVS. Its connections stay (as in IPVS).
     *
     * @param c the configuration.
     * @param services the running services.
     * @param neighbors configured MACs go here.
     * @param nowMs the time.
     * @param health each real server's weight as the checkers see it (a MISC_CHECK with misc_dynamic sets
     *     it), or -1 when they hold it down.
     * @return what changed.
     */
    public static Changes reconcile(final KeepalivedConfig c, final ServiceTable services, final Neighbors neighbors,
        final long nowMs, final Health health)
    {
        services.clearRules();
        for (final KeepalivedConfig.MarkRule r : c.markRules)
        {
            r.addTo(services);
        }
        int sa = 0;
        int ra = 0;
        int rr = 0;
        int rc = 0;
        final java.util.Set<VirtualService> wanted = java.util.Collections.newSetFromMap(
            new java.util.IdentityHashMap<>());
        for (final VirtualServer vs : c.virtualServers)
        {
            for (final Key k : keys(c, vs))
            {
                VirtualService s = k.get(services);
                if (null == s)
                {
                    s = k.add(services, vs, nowMs);
                    sa++;
                }
                else if (!s.schedulerName().equals(vs.scheduler()) || s.schedulerFlags() != vs.flags())
                {
                    s.scheduler(vs.scheduler(), vs.flags(), nowMs);
                }
                wanted.add(s);
                final int[] n = servers(s, vs, k, neighbors, health);
                ra += n[0];
                rc += n[1];
                rr += n[2];
            }
        }
        int sr = 0;
        for (final VirtualService s : List.copyOf(services.all()))
        {
            if (!s.isRemoved() && !wanted.contains(s))
            {
                rr += removeAllBut(s, java.util.Set.of());
                services.remove(s);
                sr++;
            }
        }
        return new Changes(sa, sr, ra, rr, rc);
    }

    /**
     * Bring one engine service's real servers to what the configuration and the checks say: its own family's
     * servers, or with the quorum lost the sorry server alone (keepalived's perform_quorum_state).
     *
     * @return {added, changed, removed}.
     */
    private static int[] servers(final VirtualService s, final VirtualServer vs, final Key k, final Neighbors neighbors,
        final Health health)
    {
        int added = 0;
        int changed = 0;
        s.persistence(vs.persistenceTimeout() * 1000, netmask(s, vs));
        s.onePacket(vs.ops());
        final java.util.Set<Server> keep = new java.util.HashSet<>();
        // keepalived: with the quorum lost, the sorry server serves alone (perform_quorum_state).
        final IpAddress sorryAddr = null != vs.sorry() && vs.sorry().v6() == k.v6() ? vs.sorry() : null;
        final boolean sorry = null != sorryAddr && !health.quorumUp(vs);
        if (null != sorryAddr && (sorry || vs.sorryInhibit()))
        {
            final int method = vs.sorryMethod() >= 0 ? vs.sorryMethod() : vs.method();
            final int port = 0 != vs.sorryPort() ? vs.sorryPort() : vs.port();
            final int weight = sorry ? 1 : 0;
            keep.add(new Server(sorryAddr, port));
            final int id = s.findRealServer(sorryAddr, port);
            if (id < 0)
            {
                s.addRealServer(sorryAddr, port, method, weight, 0, 0);
                added++;
            }
            else if (s.dests().weight(id) != weight)
            {
                s.editRealServer(id, method, weight, 0, 0);
                changed++;
            }
        }
        for (final RealServer rs : vs.realServers())
        {
            if (rs.address().v6() != k.v6())
            {
                continue;
            }
            if (null != sorryAddr && (sorry || vs.sorryInhibit()) && rs.address().equals(sorryAddr) &&
                rs.port() == (0 != vs.sorryPort() ? vs.sorryPort() : vs.port()))
            {
                continue;
            }
            final int healthWeight = sorry ? -1 : health.weight(rs);
            if (healthWeight < 0 && !rs.inhibitOnFailure())
            {
                continue;
            }
            final int weight = Math.max(0, healthWeight);
            final int method = rs.method() >= 0 ? rs.method() : vs.method();
            keep.add(new Server(rs.address(), rs.port()));
            final int id = s.findRealServer(rs.address(), rs.port());
            if (id < 0)
            {
                s.addRealServer(rs.address(), rs.port(), method, weight, rs.uthreshold(), rs.lthreshold());
                added++;
            }
            else if (s.dests().weight(id) != weight || s.dests().upperThreshold(id) != rs.uthreshold() ||
                s.dests().lowerThreshold(id) != rs.lthreshold() || s.method(id) != method)
            {
                s.editRealServer(id, method, weight, rs.uthreshold(), rs.lthreshold());
                changed++;
            }
            if (rs.mac() >= 0)
            {
                mac(neighbors, rs);
            }
        }
        return new int[] {added, changed, removeAllBut(s, keep)};
    }

    /**
     * Apply one real server's health change, in every service its virtual server stands for: the cost of a
     * health event is one lookup per service, not a pass over the whole configuration.
     *
     * @param c the running configuration.
     * @param services the running services.
     * @param rs the real server that changed.
     * @param health what the checks say.
     * @return what changed.
     */
    public static Changes applyHealth(final KeepalivedConfig c, final ServiceTable services,
        final RealServer rs, final Health health)
    {
        final VirtualServer vs = rs.vs();
        if (null != vs.sorry() && !health.quorumUp(vs))
        {
            return new Changes(0, 0, 0, 0, 0);
        }
        int ra = 0;
        int rr = 0;
        int rc = 0;
        final int w = health.weight(rs);
        final int method = rs.method() >= 0 ? rs.method() : vs.method();
        for (final Key k : keys(c, vs))
        {
            final VirtualService s = k.get(services);
            if (null == s || rs.address().v6() != k.v6())
            {
                continue;
            }
            final int id = s.findRealServer(rs.address(), rs.port());
            if (w < 0 && !rs.inhibitOnFailure())
            {
                if (id >= 0)
                {
                    s.removeRealServer(id);
                    rr++;
                }
                continue;
            }
            final int weight = Math.max(0, w);
            if (id < 0)
            {
                s.addRealServer(rs.address(), rs.port(), method, weight, rs.uthreshold(), rs.lthreshold());
                ra++;
            }
            else if (s.dests().weight(id) != weight)
            {
                s.editRealServer(id, method, weight, rs.uthreshold(), rs.lthreshold());
                rc++;
            }
        }
        return new Changes(0, 0, ra, rr, rc);
    }

    /** The granularity for one engine service: an IPv6 member of an IPv4-family group is whole at 128. */
    private static int netmask(final VirtualService s, final VirtualServer vs)
    {
        return s.ipv6() && 0xFFFFFFFF == vs.persistenceNetmask() ? 128 : vs.persistenceNetmask();
    }

    /** A real server's configured MAC (jvs's {@code mac}, for offline replay), for either family. */
    private static void mac(final Neighbors neighbors, final RealServer rs)
    {
        if (rs.address().v6())
        {
            neighbors.put6(rs.address(), rs.mac());
        }
        else
        {
            neighbors.put(rs.addr(), rs.mac());
        }
    }

    /** A real server in a service: its address and port. */
    private record Server(IpAddress addr, int port)
    {
    }

    /** The engine's key of a service: (protocol, VIP, port) or a firewall mark, and the family. */
    private record Key(int protocol, IpAddress vip, int port, int fwmark, boolean v6)
    {
        VirtualService get(final ServiceTable services)
        {
            return 0 != fwmark ? services.getFwmark(fwmark, v6) : services.get(protocol, vip, port);
        }

        VirtualService add(final ServiceTable services, final VirtualServer vs, final long nowMs)
        {
            return 0 != fwmark ? services.addFwmark(fwmark, v6, vs.scheduler(), vs.flags(), nowMs) :
                services.add(protocol, vip, port, vs.scheduler(), vs.flags(), nowMs);
        }
    }

    private static int removeAllBut(final VirtualService s, final java.util.Set<Server> keep)
    {
        int n = 0;
        for (int p = s.dests().count() - 1; p >= 0; p--)
        {
            final int id = s.dests().idAt(p);
            if (!keep.contains(new Server(s.realServer(id), s.dests().port(id))))
            {
                s.removeRealServer(id);
                n++;
            }
        }
        return n;
    }

    /**
     * The engine keys a virtual_server stands for, of either family: a group's members each (an IPv4 range
     * address by address, an IPv6 one along its last group; a mark without a family takes the service's).
     */
    private static List<Key> keys(final KeepalivedConfig c, final VirtualServer vs)
    {
        final List<Key> k = new ArrayList<>();
        if (null != vs.group())
        {
            for (final KeepalivedConfig.GroupMember m : c.groups.get(vs.group()))
            {
                if (0 != m.fwmark())
                {
                    k.add(new Key(0, null, 0, m.fwmark(), m.ipv6() || vs.ipv6()));
                    continue;
                }
                if (m.first().v6())
                {
                    for (int g = m.first().group(7); g <= m.last().group(7); g++)
                    {
                        k.add(new Key(vs.protocol(), m.first().withLast16(g), m.port(), 0, true));
                    }
                    continue;
                }
                for (long a = m.first().v4() & 0xFFFFFFFFL; a <= (m.last().v4() & 0xFFFFFFFFL); a++)
                {
                    k.add(new Key(vs.protocol(), IpAddress.ofV4((int)a), m.port(), 0, false));
                }
            }
        }
        else if (0 != vs.fwmark())
        {
            k.add(new Key(0, null, 0, vs.fwmark(), vs.ipv6()));
        }
        else
        {
            k.add(new Key(vs.protocol(), vs.address(), vs.port(), 0, vs.ipv6()));
        }
        return k;
    }

    private static VirtualService fill(final VirtualService s, final VirtualServer vs,
        final Neighbors neighbors, final int methodOverride)
    {
        s.persistence(vs.persistenceTimeout() * 1000, netmask(s, vs));
        s.onePacket(vs.ops());
        for (final RealServer rs : vs.realServers())
        {
            if (rs.address().v6() != s.ipv6())
            {
                continue;
            }
            final int method = methodOverride >= 0 ? methodOverride : rs.method() >= 0 ? rs.method() : vs.method();
            s.addRealServer(rs.address(), rs.port(), method, rs.weight(), rs.uthreshold(), rs.lthreshold());
            if (rs.mac() >= 0)
            {
                mac(neighbors, rs);
            }
        }
        return s;
    }
}
