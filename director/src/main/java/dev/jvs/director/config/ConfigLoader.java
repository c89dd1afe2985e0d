package dev.jvs.director.config;

import dev.jvs.engine.Neighbors;
import dev.jvs.engine.service.FwmarkRule;
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
            services.addRule(new FwmarkRule(r.protocol(), r.addr(), r.prefix(), r.portLow(), r.portHigh(), r.mark()));
        }
        final List<VirtualService> created = new ArrayList<>();
        for (final VirtualServer vs : c.virtualServers)
        {
            for (final long[] k : keys(c, vs))
            {
                created.add(fill(0 != k[3] ? services.addFwmark((int)k[3], vs.scheduler(), vs.flags(), nowMs) :
                    services.add((int)k[0], (int)k[1], (int)k[2], vs.scheduler(), vs.flags(), nowMs), vs, neighbors,
                    methodOverride));
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
            services.addRule(new FwmarkRule(r.protocol(), r.addr(), r.prefix(), r.portLow(), r.portHigh(), r.mark()));
        }
        int sa = 0;
        int ra = 0;
        int rr = 0;
        int rc = 0;
        final java.util.Set<VirtualService> wanted = java.util.Collections.newSetFromMap(
            new java.util.IdentityHashMap<>());
        for (final VirtualServer vs : c.virtualServers)
        {
            for (final long[] k : keys(c, vs))
            {
                VirtualService s = 0 != k[3] ? services.getFwmark((int)k[3]) :
                    services.get((int)k[0], (int)k[1], (int)k[2]);
                if (null == s)
                {
                    s = 0 != k[3] ? services.addFwmark((int)k[3], vs.scheduler(), vs.flags(), nowMs) :
                        services.add((int)k[0], (int)k[1], (int)k[2], vs.scheduler(), vs.flags(), nowMs);
                    sa++;
                }
                else if (!s.schedulerName().equals(vs.scheduler()) || s.schedulerFlags() != vs.flags())
                {
                    s.scheduler(vs.scheduler(), vs.flags(), nowMs);
                }
                wanted.add(s);
                s.persistence(vs.persistenceTimeout() * 1000, vs.persistenceNetmask());
                s.onePacket(vs.ops());
                final java.util.Set<Long> keep = new java.util.HashSet<>();
                // keepalived: with the quorum lost, the sorry server serves alone (perform_quorum_state).
                final boolean sorry = 0 != vs.sorryAddr() && !health.quorumUp(vs);
                if (0 != vs.sorryAddr() && (sorry || vs.sorryInhibit()))
                {
                    final int method = vs.sorryMethod() >= 0 ? vs.sorryMethod() : vs.method();
                    final int port = 0 != vs.sorryPort() ? vs.sorryPort() : vs.port();
                    final int weight = sorry ? 1 : 0;
                    keep.add(((long)vs.sorryAddr() << 16) | port);
                    final int id = s.findRealServer(vs.sorryAddr(), port);
                    if (id < 0)
                    {
                        s.addRealServer(vs.sorryAddr(), port, method, weight, 0, 0);
                        ra++;
                    }
                    else if (s.dests().weight(id) != weight)
                    {
                        s.editRealServer(id, method, weight, 0, 0);
                        rc++;
                    }
                }
                for (final RealServer rs : ipv4(vs))
                {
                    if (0 != vs.sorryAddr() && (sorry || vs.sorryInhibit()) && rs.addr() == vs.sorryAddr() &&
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
                    keep.add(((long)rs.addr() << 16) | rs.port());
                    final int id = s.findRealServer(rs.addr(), rs.port());
                    if (id < 0)
                    {
                        s.addRealServer(rs.addr(), rs.port(), method, weight, rs.uthreshold(), rs.lthreshold());
                        ra++;
                    }
                    else if (s.dests().weight(id) != weight || s.dests().upperThreshold(id) != rs.uthreshold() ||
                        s.dests().lowerThreshold(id) != rs.lthreshold() || s.method(id) != method)
                    {
                        s.editRealServer(id, method, weight, rs.uthreshold(), rs.lthreshold());
                        rc++;
                    }
                    if (rs.mac() >= 0)
                    {
                        neighbors.put(rs.addr(), rs.mac());
                    }
                }
                rr += removeAllBut(s, keep);
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
        if (rs.address().v6() || 0 != vs.sorryAddr() && !health.quorumUp(vs))
        {
            return new Changes(0, 0, 0, 0, 0);
        }
        int ra = 0;
        int rr = 0;
        int rc = 0;
        final int w = health.weight(rs);
        final int method = rs.method() >= 0 ? rs.method() : vs.method();
        for (final long[] k : keys(c, vs))
        {
            final VirtualService s = 0 != k[3] ? services.getFwmark((int)k[3]) :
                services.get((int)k[0], (int)k[1], (int)k[2]);
            if (null == s)
            {
                continue;
            }
            final int id = s.findRealServer(rs.addr(), rs.port());
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
                s.addRealServer(rs.addr(), rs.port(), method, weight, rs.uthreshold(), rs.lthreshold());
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

    /** The real servers the engine can carry: an IPv4 service may tunnel to IPv6 servers, not yet carried. */
    private static List<RealServer> ipv4(final VirtualServer vs)
    {
        return vs.realServers().stream().filter(rs -> !rs.address().v6()).toList();
    }

    private static int removeAllBut(final VirtualService s, final java.util.Set<Long> keep)
    {
        int n = 0;
        for (int p = s.dests().count() - 1; p >= 0; p--)
        {
            final int id = s.dests().idAt(p);
            if (!keep.contains(((long)s.dests().address(id) << 16) | s.dests().port(id)))
            {
                s.removeRealServer(id);
                n++;
            }
        }
        return n;
    }

    /**
     * The engine keys a virtual_server stands for: {protocol, vip, port, fwmark} each. The engine carries IPv4
     * only so far: an IPv6 service, and the IPv6 members of a group, stand for none (read and checked only).
     */
    private static List<long[]> keys(final KeepalivedConfig c, final VirtualServer vs)
    {
        final List<long[]> k = new ArrayList<>();
        if (null != vs.group())
        {
            for (final KeepalivedConfig.GroupMember m : c.groups.get(vs.group()))
            {
                if (m.ipv6())
                {
                    continue;
                }
                if (0 != m.fwmark())
                {
                    k.add(new long[] {0, 0, 0, m.fwmark()});
                    continue;
                }
                for (long a = m.first().v4() & 0xFFFFFFFFL; a <= (m.last().v4() & 0xFFFFFFFFL); a++)
                {
                    k.add(new long[] {vs.protocol(), (int)a, m.port(), 0});
                }
            }
        }
        else if (vs.ipv6())
        {
            return k;
        }
        else if (0 != vs.fwmark())
        {
            k.add(new long[] {0, 0, 0, vs.fwmark()});
        }
        else
        {
            k.add(new long[] {vs.protocol(), vs.vip(), vs.port(), 0});
        }
        return k;
    }

    private static VirtualService fill(final VirtualService s, final VirtualServer vs,
        final Neighbors neighbors, final int methodOverride)
    {
        s.persistence(vs.persistenceTimeout() * 1000, vs.persistenceNetmask());
        s.onePacket(vs.ops());
        for (final RealServer rs : ipv4(vs))
        {
            final int method = methodOverride >= 0 ? methodOverride : rs.method() >= 0 ? rs.method() : vs.method();
            s.addRealServer(rs.addr(), rs.port(), method, rs.weight(), rs.uthreshold(), rs.lthreshold());
            if (rs.mac() >= 0)
            {
                neighbors.put(rs.addr(), rs.mac());
            }
        }
        return s;
    }
}
