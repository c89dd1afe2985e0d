package dev.jvs.schedulers;

/**
 * A scheduling algorithm bound to one service's {@link Destinations}, with the lifecycle of the kernel's
 * {@code struct ip_vs_scheduler}: expensive work (gcd, tables, indexes) happens in the {@code on*} callbacks
 * on the control path; {@link #pick(Flow)} is cheap and allocates nothing.
 * <p>
 * The callbacks the kernel does not define for an algorithm are no-ops here too, which matters: rr keeps its
 * position across an added server, wrr restarts its pass from the head on any change.
 */
public abstract class Scheduler
{
    /** Returned by {@link #pick(Flow)} when no destination can take the connection. */
    public static final int NO_DEST = -1;

    /** Service flag {@code IP_VS_SVC_F_SCHED1}: sh-fallback / mh-fallback. */
    public static final int FLAG_SCHED1 = 0x0008;
    /** Service flag {@code IP_VS_SVC_F_SCHED2}: sh-port / mh-port. */
    public static final int FLAG_SCHED2 = 0x0010;
    /** Service flag {@code IP_VS_SVC_F_SCHED3}. */
    public static final int FLAG_SCHED3 = 0x0020;
    /**
     * jvs's own flag, outside IPVS's: mh-sorted. The kernel's mh fills its table walking the destinations in list
     * order, which is the order they were added (health checks bring them back in their own order), so two
     * directors with the same servers may build different tables; with this flag the walk is in address and port
     * order, and every director with the same servers and weights builds the same table (N active directors
     * behind ECMP need that).
     */
    public static final int FLAG_SORTED = 0x10000;

    /** The service's destinations. */
    protected final Destinations dests;

    /**
     * @param dests the service's destinations; bind with {@link Destinations#scheduler(Scheduler)}.
     */
    protected Scheduler(final Destinations dests)
    {
        this.dests = dests;
    }

    /** @return the IPVS name of the algorithm. */
    public abstract String name();

    /**
     * Choose a destination for a new connection.
     *
     * @param flow the first packet's addresses, ports and time.
     * @return a destination id, or {@link #NO_DEST}.
     */
    public abstract int pick(Flow flow);

    /** Bound to the service ({@code init_service}). */
    protected void onInit()
    {
    }

    /** Unbound from the service ({@code done_service}). */
    protected void onDone()
    {
    }

    /**
     * A destination was added at the head of the list ({@code add_dest}).
     *
     * @param id the destination.
     */
    protected void onDestAdded(final int id)
    {
    }

    /**
     * A destination was unlinked ({@code del_dest}).
     *
     * @param id the destination.
     * @param formerPosition where it was in the list.
     */
    protected void onDestRemoved(final int id, final int formerPosition)
    {
    }

    /**
     * A destination's weight or thresholds changed ({@code upd_dest}).
     *
     * @param id the destination.
     */
    protected void onDestUpdated(final int id)
    {
    }

    /**
     * A listed destination's counters or overload mark changed. Not a kernel hook: it lets indexes over the
     * counters stay current so that {@link #pick(Flow)} need not scan.
     *
     * @param id the destination.
     */
    protected void onLoadChanged(final int id)
    {
    }

    /**
     * Time passed: run any periodic work that fell due (lblc/lblcr garbage collection).
     *
     * @param nowMs the caller's clock, milliseconds.
     */
    public void onTimer(final long nowMs)
    {
    }
}
