package dev.jvs.director.adm;

import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The kernel's rate estimator (net/netfilter/ipvs/ip_vs_est.c), ticked every 2 s on the control thread:
 * per service and real server, an EWMA with weight 1/4 of connections, packets and bytes per second, kept
 * in the kernel's fixed point (rates scaled by 2^10, byte rates by 2^5) so ipvsadm --rate reads the same.
 */
final class RateEstimator
{
    static final long INTERVAL_MS = 2000;
    private static final int CPS = 0;
    private static final int INPPS = 1;
    private static final int OUTPPS = 2;
    private static final int INBPS = 3;
    private static final int OUTBPS = 4;

    /** Last counts and averages: [5] last, [5] average; for the service at row 0, dest id + 1 after. */
    private final Map<VirtualService, long[][]> state = new IdentityHashMap<>();
    private long next;

    /**
     * @param nowMs the time.
     * @return whether a tick is due.
     */
    boolean due(final long nowMs)
    {
        return nowMs >= next;
    }

    /**
     * Tick when 2 s have passed.
     *
     * @param services the services.
     * @param nowMs the time.
     */
    void tick(final ServiceTable services, final long nowMs)
    {
        tick(services, () -> Totals.of(services), nowMs);
    }

    /**
     * Tick when 2 s have passed.
     *
     * @param services the services (worker 0's: the structure).
     * @param totals the counts of every worker, asked for only when the tick is due.
     * @param nowMs the time.
     */
    void tick(final ServiceTable services, final java.util.function.Supplier<Totals> totals, final long nowMs)
    {
        if (nowMs < next)
        {
            return;
        }
        next = nowMs + INTERVAL_MS;
        final Totals t = totals.get();
        for (final VirtualService s : services.all())
        {
            final int rows = s.dests().idLimit() + 1;
            long[][] st = state.get(s);
            if (null == st || st.length < rows)
            {
                final long[][] grown = new long[rows][10];
                if (null != st)
                {
                    System.arraycopy(st, 0, grown, 0, st.length);
                }
                st = grown;
                state.put(s, st);
            }
            update(st[0], t.service(s, Totals.CONNS), t.service(s, Totals.IN_PKTS), t.service(s, Totals.OUT_PKTS),
                t.service(s, Totals.IN_BYTES), t.service(s, Totals.OUT_BYTES));
            final dev.jvs.schedulers.Destinations d = s.dests();
            for (int p = 0; p < d.count(); p++)
            {
                final int id = d.idAt(p);
                update(st[id + 1], t.dest(s, id, Totals.CONNS), t.dest(s, id, Totals.IN_PKTS),
                    t.dest(s, id, Totals.OUT_PKTS), t.dest(s, id, Totals.IN_BYTES), t.dest(s, id, Totals.OUT_BYTES));
            }
        }
    }

    private static void update(final long[] e, final long conns, final long inPkts, final long outPkts,
        final long inBytes, final long outBytes)
    {
        one(e, CPS, conns, 9);
        one(e, INPPS, inPkts, 9);
        one(e, OUTPPS, outPkts, 9);
        one(e, INBPS, inBytes, 4);
        one(e, OUTBPS, outBytes, 4);
    }

    /** ip_vs_est: rate = delta << 9 (<< 4 for bytes) over 2 s; avg += (rate - avg) >> 2. No allocation. */
    private static void one(final long[] e, final int i, final long now, final int shift)
    {
        final long rate = (now - e[i]) << shift;
        e[i] = now;
        e[5 + i] += (rate - e[5 + i]) >> 2;
    }

    /**
     * Forget a service's history after its counters were zeroed, as ip_vs_zero_estimator does.
     *
     * @param s the service.
     */
    void zero(final VirtualService s)
    {
        final long[][] st = state.get(s);
        if (null != st)
        {
            for (final long[] row : st)
            {
                java.util.Arrays.fill(row, 0);
            }
        }
    }

    /**
     * @param s a service.
     * @param id a destination id, or -1 for the service.
     * @return {cps, inpps, outpps, inBps, outBps}, as ip_vs_read_estimator rounds them.
     */
    long[] rates(final VirtualService s, final int id)
    {
        final long[][] st = state.get(s);
        final long[] r = new long[5];
        if (null == st || id + 1 >= st.length)
        {
            return r;
        }
        final long[] e = st[id + 1];
        r[CPS] = (e[5 + CPS] + 0x1FF) >> 10;
        r[INPPS] = (e[5 + INPPS] + 0x1FF) >> 10;
        r[OUTPPS] = (e[5 + OUTPPS] + 0x1FF) >> 10;
        r[INBPS] = (e[5 + INBPS] + 0xF) >> 5;
        r[OUTBPS] = (e[5 + OUTBPS] + 0xF) >> 5;
        return r;
    }
}
