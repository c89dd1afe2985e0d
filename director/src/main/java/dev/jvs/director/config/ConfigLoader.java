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
        for (final KeepalivedConfig.VirtualServer vs : c.virtualServers)
        {
            if (null != vs.group)
            {
                for (final KeepalivedConfig.GroupMember m : c.groups.get(vs.group))
                {
                    if (0 != m.fwmark())
                    {
                        created.add(fill(services.addFwmark(m.fwmark(), vs.scheduler, vs.flags, nowMs), vs,
                            neighbors, methodOverride));
                        continue;
                    }
                    for (long a = m.first() & 0xFFFFFFFFL; a <= (m.last() & 0xFFFFFFFFL); a++)
                    {
                        created.add(fill(services.add(vs.protocol, (int)a, m.port(), vs.scheduler, vs.flags, nowMs), vs,
                            neighbors, methodOverride));
                    }
                }
            }
            else if (0 != vs.fwmark)
            {
                created.add(fill(services.addFwmark(vs.fwmark, vs.scheduler, vs.flags, nowMs), vs, neighbors,
                    methodOverride));
            }
            else
            {
                created.add(fill(services.add(vs.protocol, vs.vip, vs.port, vs.scheduler, vs.flags, nowMs), vs,
                    neighbors, methodOverride));
            }
        }
        return created;
    }

    private static VirtualService fill(final VirtualService s, final KeepalivedConfig.VirtualServer vs,
        final Neighbors neighbors, final int methodOverride)
    {
        s.persistence(vs.persistenceTimeout * 1000, vs.persistenceNetmask);
        s.onePacket(vs.ops);
        for (final KeepalivedConfig.RealServer rs : vs.realServers)
        {
            final int method = methodOverride >= 0 ? methodOverride : rs.method >= 0 ? rs.method : vs.method;
            s.addRealServer(rs.addr, rs.port, method, rs.weight, rs.uthreshold, rs.lthreshold);
            if (rs.mac >= 0)
            {
                neighbors.put(rs.addr, rs.mac);
            }
        }
        return s;
    }
}
