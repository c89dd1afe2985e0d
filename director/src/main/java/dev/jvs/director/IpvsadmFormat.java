package dev.jvs.director;

import dev.jvs.engine.Method;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import dev.jvs.schedulers.Destinations;
import dev.jvs.schedulers.Scheduler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * ipvsadm's save format ({@code ipvsadm-save -n} / {@code ipvsadm -Sn}): one {@code -A} line per service and
 * one {@code -a} line per real server, services and real servers sorted as ipvsadm sorts them (protocol,
 * then address, then port; firewall-mark services by mark).
 */
final class IpvsadmFormat
{
    private IpvsadmFormat()
    {
    }

    private static String service(final VirtualService s)
    {
        if (0 != s.fwmark())
        {
            return "-f " + Integer.toUnsignedString(s.fwmark());
        }
        return (6 == s.protocol() ? "-t " : "-u ") + Ipv4.toString(s.vaddr()) + ":" + s.vport();
    }

    private static String flags(final int f)
    {
        final List<String> n = new ArrayList<>();
        if (0 != (f & Scheduler.FLAG_SCHED1))
        {
            n.add("flag-1");
        }
        if (0 != (f & Scheduler.FLAG_SCHED2))
        {
            n.add("flag-2");
        }
        if (0 != (f & Scheduler.FLAG_SCHED3))
        {
            n.add("flag-3");
        }
        return String.join(",", n);
    }

    /**
     * @param services the services (removed ones are skipped).
     * @return the lines.
     */
    static List<String> save(final ServiceTable services)
    {
        final List<VirtualService> list = new ArrayList<>(services.all().stream().filter(s -> !s.isRemoved()).toList());
        list.sort(Comparator.comparingInt((VirtualService s) -> 0 != s.fwmark() ? 1 : 0)
            .thenComparingInt(VirtualService::protocol)
            .thenComparingLong(s -> Integer.toUnsignedLong(s.vaddr()))
            .thenComparingInt(VirtualService::vport)
            .thenComparingLong(s -> Integer.toUnsignedLong(s.fwmark())));
        final List<String> out = new ArrayList<>();
        for (final VirtualService s : list)
        {
            final StringBuilder a = new StringBuilder("-A ").append(service(s)).append(" -s ").append(s.schedulerName());
            if (0 != s.schedulerFlags())
            {
                a.append(" -b ").append(flags(s.schedulerFlags()));
            }
            if (s.persistenceTimeoutMs() > 0)
            {
                a.append(" -p ").append(s.persistenceTimeoutMs() / 1000);
                if (0xFFFFFFFF != s.persistenceNetmask())
                {
                    a.append(" -M ").append(Ipv4.toString(s.persistenceNetmask()));
                }
            }
            if (s.onePacket())
            {
                a.append(" -o");
            }
            out.add(a.toString());
            final Destinations d = s.dests();
            final List<Integer> ids = new ArrayList<>();
            for (int p = 0; p < d.count(); p++)
            {
                ids.add(d.idAt(p));
            }
            ids.sort(Comparator.comparingLong((Integer id) -> Integer.toUnsignedLong(d.address(id)))
                .thenComparingInt(d::port));
            for (final int id : ids)
            {
                final StringBuilder r = new StringBuilder("-a ").append(service(s)).append(" -r ")
                    .append(Ipv4.toString(d.address(id))).append(':').append(d.port(id)).append(' ')
                    .append(switch (s.method(id))
                    {
                        case Method.NAT -> "-m";
                        case Method.TUN -> "-i";
                        default -> "-g";
                    }).append(" -w ").append(d.weight(id));
                if (0 != d.upperThreshold(id))
                {
                    r.append(" -x ").append(d.upperThreshold(id));
                }
                if (0 != d.lowerThreshold(id))
                {
                    r.append(" -y ").append(d.lowerThreshold(id));
                }
                out.add(r.toString());
            }
        }
        return out;
    }
}
