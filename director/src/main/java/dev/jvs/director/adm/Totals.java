package dev.jvs.director.adm;

import dev.jvs.engine.Counter;
import dev.jvs.engine.Forwarder;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import dev.jvs.schedulers.Destinations;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What ipvsadm and the metrics show, summed over the workers: each worker counts its own clients' traffic and
 * connections (as the kernel keeps per-CPU counters and sums them to report). A snapshot is taken on the
 * worker's own thread; services and real servers are matched by their addresses, as every worker has the same
 * configuration.
 */
final class Totals
{
    static final int CONNS = 0;
    static final int IN_PKTS = 1;
    static final int OUT_PKTS = 2;
    static final int IN_BYTES = 3;
    static final int OUT_BYTES = 4;
    static final int ACTIVE = 5;
    static final int INACTIVE = 6;
    static final int PERSISTENT = 7;

    private final Map<String, long[]> services = new HashMap<>();
    private final Map<String, long[]> dests = new HashMap<>();
    private final long[] counters = new long[Counter.values().length];
    private long tableSize;
    private long tableCapacity;

    private Totals()
    {
    }

    /**
     * The numbers of one worker; on its thread.
     *
     * @param f the worker's forwarder.
     * @return its snapshot.
     */
    static Totals of(final Forwarder f)
    {
        final Totals t = of(f.services());
        for (final Counter c : Counter.values())
        {
            t.counters[c.ordinal()] = f.counters().get(c);
        }
        t.tableSize = f.connections().size();
        t.tableCapacity = f.connections().capacity();
        return t;
    }

    /**
     * The services' numbers only (no worker: a table alone, as in the tests).
     *
     * @param table the services.
     * @return the snapshot.
     */
    static Totals of(final ServiceTable table)
    {
        final Totals t = new Totals();
        for (final VirtualService s : table.all())
        {
            t.services.put(key(s), new long[] {s.conns(), s.inPkts(), s.outPkts(), s.inBytes(), s.outBytes()});
            final Destinations d = s.dests();
            for (int p = 0; p < d.count(); p++)
            {
                final int id = d.idAt(p);
                t.dests.put(key(s, d, id), new long[] {s.destConns(id), s.destInPkts(id), s.destOutPkts(id),
                    s.destInBytes(id), s.destOutBytes(id), d.ownActiveConns(id), d.ownInactiveConns(id),
                    d.persistentConns(id)});
            }
        }
        return t;
    }

    /**
     * @param parts every worker's snapshot.
     * @return their sum.
     */
    static Totals sum(final List<Totals> parts)
    {
        final Totals t = new Totals();
        for (final Totals p : parts)
        {
            p.services.forEach((k, v) -> add(t.services.computeIfAbsent(k, x -> new long[v.length]), v));
            p.dests.forEach((k, v) -> add(t.dests.computeIfAbsent(k, x -> new long[v.length]), v));
            add(t.counters, p.counters);
            t.tableSize += p.tableSize;
            t.tableCapacity += p.tableCapacity;
        }
        return t;
    }

    private static void add(final long[] to, final long[] v)
    {
        for (int i = 0; i < v.length; i++)
        {
            to[i] += v[i];
        }
    }

    private static String key(final VirtualService s)
    {
        return s.protocol() + " " + s.address() + " " + s.vport() + " " + s.fwmark();
    }

    private static String key(final VirtualService s, final Destinations d, final int id)
    {
        return key(s) + " " + s.realServer(id).withPort(d.port(id));
    }

    /**
     * @param s a service (any worker's: matched by address).
     * @param what {@link #CONNS} to {@link #OUT_BYTES}.
     * @return the sum.
     */
    long service(final VirtualService s, final int what)
    {
        final long[] v = services.get(key(s));
        return null == v ? 0 : v[what];
    }

    /**
     * @param s a service.
     * @param id one of its real servers.
     * @param what {@link #CONNS} to {@link #PERSISTENT}.
     * @return the sum.
     */
    long dest(final VirtualService s, final int id, final int what)
    {
        final long[] v = dests.get(key(s, s.dests(), id));
        return null == v ? 0 : v[what];
    }

    long counter(final Counter c)
    {
        return counters[c.ordinal()];
    }

    long tableSize()
    {
        return tableSize;
    }

    int tableCapacity()
    {
        return (int)Math.min(Integer.MAX_VALUE, tableCapacity);
    }
}
