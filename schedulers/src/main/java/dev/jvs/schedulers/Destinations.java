package dev.jvs.schedulers;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A virtual service's real servers ("destinations") as IPVS keeps them: a list in kernel order plus, per
 * destination, weight, last non-zero weight, connection counters, thresholds and flags.
 * <p>
 * Order matters: the kernel adds a new destination at the <em>head</em> of the service's list
 * ({@code list_add_rcu} in {@code __ip_vs_update_dest}), and every scheduler scans from the head, so servers
 * added A, B, C are scanned C, B, A and ties go to the most recently added. Position 0 here is the head.
 * <p>
 * Destination ids are stable for the life of a destination, including after it is removed from the list
 * (the kernel's "trash": removed servers keep serving the connections bound to them). {@link #release(int)}
 * returns an id to the pool once no connection refers to it.
 * <p>
 * Counters follow {@code ip_vs_bind_dest}/{@code ip_vs_unbind_dest} and the protocols' state changes: a new
 * connection is bound inactive ({@code IP_VS_CONN_F_INACTIVE} is always set in the destination's conn flags);
 * TCP moves it to active on entering ESTABLISHED and back on leaving it; UDP connections stay inactive;
 * templates count as persistent. The overload flag is set when a bind brings active+inactive to the upper
 * threshold and cleared on unbind below the lower threshold (or below 3/4 of the upper one when no lower
 * threshold is set), or by an update that removes or raises the upper threshold.
 * <p>
 * Single writer: one thread mutates a service's destinations; the data plane reads them.
 */
public final class Destinations extends DestinationArrays
{
    /** Connection kinds for {@link #bind(int, int)} and {@link #unbind(int, int)}. */
    public static final int CONN_INACTIVE = 0;
    /** A connection counted as active (TCP ESTABLISHED). */
    public static final int CONN_ACTIVE = 1;
    /** A persistence template. */
    public static final int CONN_TEMPLATE = 2;

    /**
     * Largest weight accepted: the kernel refuses only negative weights ({@code ip_vs_ctl.c}: "server weight
     * less than zero"), and keepalived passes up to INT_MAX ({@code IPVS_WEIGHT_LIMIT}). ipvsadm's own
     * command line stops at 65535; {@code jvs adm} keeps that limit.
     */
    public static final int MAX_WEIGHT = Integer.MAX_VALUE;

    private Scheduler scheduler;
    /** This list's slot in the shared count cells. */
    private int slot;

    /**
     * An empty destination list.
     *
     * @param initialCapacity ids to size for; grows on the control path when exceeded.
     */
    public Destinations(final int initialCapacity)
    {
        super(Math.max(4, initialCapacity));
    }

    /** An empty destination list sized for 16 servers. */
    public Destinations()
    {
        this(16);
    }

    /**
     * Bind a scheduler to this service, as {@code ip_vs_bind_scheduler} does: the previous one is done, the
     * new one initialised with the destinations in place.
     *
     * @param s the scheduler, created over this instance.
     */
    public void scheduler(final Scheduler s)
    {
        if (s.dests != this)
        {
            throw new IllegalArgumentException("scheduler was created for another service");
        }
        if (null != scheduler)
        {
            scheduler.onDone();
        }
        scheduler = s;
        s.onInit();
    }

    /** @return the bound scheduler, or null. */
    public Scheduler scheduler()
    {
        return scheduler;
    }

    /**
     * Add a destination at the head of the list ({@code ipvsadm -a}).
     *
     * @param address IPv4 address, host order.
     * @param destPort port, 0..65535.
     * @param w weight, 0..{@link #MAX_WEIGHT}.
     * @param u upper threshold, 0 for none.
     * @param l lower threshold, 0 for none.
     * @return the new destination's id.
     */
    public int add(final int address, final int destPort, final int w, final int u, final int l)
    {
        checkArgs(w, u, l);
        final int id = allocateId();
        addr[id] = address;
        port[id] = destPort;
        active[id] = 0;
        inactive[id] = 0;
        ownActive[id] = 0;
        ownInactive[id] = 0;
        remoteActive[id] = 0;
        remoteInactive[id] = 0;
        cells[id] = null;
        persistent[id] = 0;
        upper[id] = 0;
        lower[id] = 0;
        flags[id] = 0;
        link(id, w, u, l);
        return id;
    }

    /**
     * Re-add a destination that was removed but still holds connections, keeping its counters, as the
     * kernel does when {@code ip_vs_add_dest} finds it in the trash.
     *
     * @param id a removed destination.
     * @param w weight.
     * @param u upper threshold.
     * @param l lower threshold.
     */
    public void revive(final int id, final int w, final int u, final int l)
    {
        checkArgs(w, u, l);
        if (!used[id] || isListed(id))
        {
            throw new IllegalStateException("destination " + id + " is not in the trash");
        }
        link(id, w, u, l);
    }

    private void link(final int id, final int w, final int u, final int l)
    {
        lastWeight[id] = w;
        weight[id] = w;
        flags[id] |= F_AVAILABLE;
        if (0 == u || u > upper[id])
        {
            flags[id] &= ~F_OVERLOAD;
        }
        upper[id] = u;
        lower[id] = l;

        ensureOrderCapacity(count + 1);
        System.arraycopy(order, 0, order, 1, count);
        order[0] = id;
        count++;
        for (int p = 0; p < count; p++)
        {
            pos[order[p]] = p;
        }
        if (null != scheduler)
        {
            scheduler.onDestAdded(id);
        }
    }

    /**
     * Change weight and thresholds ({@code ipvsadm -e}); the last non-zero weight is kept for mh.
     *
     * @param id a listed destination.
     * @param w weight.
     * @param u upper threshold.
     * @param l lower threshold.
     */
    public void update(final int id, final int w, final int u, final int l)
    {
        checkArgs(w, u, l);
        if (!isListed(id))
        {
            throw new IllegalStateException("destination " + id + " is not in the service");
        }
        if (0 != w)
        {
            lastWeight[id] = w;
        }
        weight[id] = w;
        if (0 == u || u > upper[id])
        {
            flags[id] &= ~F_OVERLOAD;
        }
        upper[id] = u;
        lower[id] = l;
        if (null != scheduler)
        {
            scheduler.onDestUpdated(id);
        }
    }

    /**
     * Unlink a destination from the list ({@code ipvsadm -d}); its connections stay bound to it.
     *
     * @param id a listed destination.
     */
    public void remove(final int id)
    {
        if (!isListed(id))
        {
            throw new IllegalStateException("destination " + id + " is not in the service");
        }
        final int p = pos[id];
        flags[id] &= ~F_AVAILABLE;
        System.arraycopy(order, p + 1, order, p, count - p - 1);
        count--;
        pos[id] = -1;
        for (int i = p; i < count; i++)
        {
            pos[order[i]] = i;
        }
        if (null != scheduler)
        {
            scheduler.onDestRemoved(id, p);
        }
    }

    /**
     * Return a removed destination's id to the pool once no connection refers to it.
     *
     * @param id a removed destination.
     */
    public void release(final int id)
    {
        if (isListed(id))
        {
            throw new IllegalStateException("destination " + id + " is still in the service");
        }
        used[id] = false;
    }

    /**
     * A new connection (or template) is bound to a destination.
     *
     * @param id destination.
     * @param kind {@link #CONN_INACTIVE} for a new connection, {@link #CONN_ACTIVE} for one installed
     *             already established (connection sync), {@link #CONN_TEMPLATE} for a persistence template.
     */
    public void bind(final int id, final int kind)
    {
        switch (kind)
        {
            case CONN_TEMPLATE -> persistent[id]++;
            case CONN_ACTIVE -> ownActive[id]++;
            default -> ownInactive[id]++;
        }
        counted(id);
        if (0 != upper[id] && totalConns(id) >= upper[id])
        {
            flags[id] |= F_OVERLOAD;
        }
        loadChanged(id);
    }

    /**
     * A connection (or template) leaves a destination: counters drop and the overload mark may clear.
     *
     * @param id destination.
     * @param kind what the connection counted as when it left.
     */
    public void unbind(final int id, final int kind)
    {
        switch (kind)
        {
            case CONN_TEMPLATE -> persistent[id] = dec(persistent[id]);
            case CONN_ACTIVE -> ownActive[id] = dec(ownActive[id]);
            default -> ownInactive[id] = dec(ownInactive[id]);
        }
        counted(id);
        relieve(id);
        loadChanged(id);
    }

    /** The kernel's rule for leaving overload: under the lower threshold, or under 3/4 of the upper one. */
    private void relieve(final int id)
    {
        if (0 != lower[id])
        {
            if (totalConns(id) < lower[id])
            {
                flags[id] &= ~F_OVERLOAD;
            }
        }
        else if (0 != upper[id])
        {
            if (totalConns(id) * 4 < upper[id] * 3)
            {
                flags[id] &= ~F_OVERLOAD;
            }
        }
        else
        {
            flags[id] &= ~F_OVERLOAD;
        }
    }

    /** This list's own counts changed: recompute the scheduling view and publish them to the other workers. */
    private void counted(final int id)
    {
        active[id] = ownActive[id] + remoteActive[id];
        inactive[id] = ownInactive[id] + remoteInactive[id];
        final AtomicIntegerArray cell = cells[id];
        if (null != cell)
        {
            cell.lazySet(2 * slot, ownActive[id]);
            cell.lazySet(2 * slot + 1, ownInactive[id]);
        }
    }

    /**
     * Count, for scheduling and thresholds, the connections other lists (other workers' copies of the same
     * service) bind to this destination, as the kernel's counters are one per destination whatever CPU
     * binds. Each list publishes its own counts in slot {@code workerSlot} of the cell and reads the others'
     * in {@link #refresh}.
     *
     * @param id a destination.
     * @param cell {active, inactive} per worker, shared by every worker's copy of this destination.
     * @param workerSlot this list's slot.
     */
    public void share(final int id, final AtomicIntegerArray cell, final int workerSlot)
    {
        cells[id] = cell;
        slot = workerSlot;
        counted(id);
    }

    /**
     * Read the other workers' counts into the scheduling view (on the owner's thread, periodically): the
     * view is exact for this list's own connections at once and for the others' as of the last refresh.
     */
    public void refresh()
    {
        for (int id = 0; id < idLimit; id++)
        {
            final AtomicIntegerArray cell = cells[id];
            if (null == cell || !used[id])
            {
                continue;
            }
            int a = 0;
            int i = 0;
            for (int w = 0, n = cell.length() / 2; w < n; w++)
            {
                if (w != slot)
                {
                    a += cell.get(2 * w);
                    i += cell.get(2 * w + 1);
                }
            }
            if (a != remoteActive[id] || i != remoteInactive[id])
            {
                final int before = totalConns(id);
                remoteActive[id] = a;
                remoteInactive[id] = i;
                active[id] = ownActive[id] + a;
                inactive[id] = ownInactive[id] + i;
                if (0 != upper[id] && totalConns(id) >= upper[id])
                {
                    flags[id] |= F_OVERLOAD;
                }
                else if (totalConns(id) < before)
                {
                    relieve(id);
                }
                loadChanged(id);
            }
        }
    }

    /**
     * A TCP connection entered ESTABLISHED: it moves from inactive to active.
     *
     * @param id destination.
     */
    public void activate(final int id)
    {
        ownInactive[id] = dec(ownInactive[id]);
        ownActive[id]++;
        counted(id);
        loadChanged(id);
    }

    /**
     * A TCP connection left ESTABLISHED: it moves from active to inactive.
     *
     * @param id destination.
     */
    public void deactivate(final int id)
    {
        ownActive[id] = dec(ownActive[id]);
        ownInactive[id]++;
        counted(id);
        loadChanged(id);
    }

    /**
     * Set counters directly (simulation, sync); the overload mark is left as it is.
     *
     * @param id destination.
     * @param activeConns active connections.
     * @param inactiveConns inactive connections.
     */
    public void counts(final int id, final int activeConns, final int inactiveConns)
    {
        ownActive[id] = activeConns;
        ownInactive[id] = inactiveConns;
        counted(id);
        loadChanged(id);
    }

    /**
     * Counters never go below zero. The kernel's cannot either; here only an override through
     * {@link #counts} followed by the close of a connection it did not count could try, and a negative
     * overhead would let a weight-0 server win a least-connection scan.
     */
    private static int dec(final int v)
    {
        return v > 0 ? v - 1 : 0;
    }

    private void loadChanged(final int id)
    {
        if (null != scheduler && pos[id] >= 0)
        {
            scheduler.onLoadChanged(id);
        }
    }

    /**
     * The kernel's {@code ip_vs_dest_conn_overhead}: active connections weigh 256 inactive ones.
     *
     * @param id destination.
     * @return (active &lt;&lt; 8) + inactive.
     */
    public int overhead(final int id)
    {
        return (active[id] << 8) + inactive[id];
    }

    /**
     * @param id destination.
     * @return active + inactive, what thresholds compare against.
     */
    public int totalConns(final int id)
    {
        return active[id] + inactive[id];
    }

    private static void checkArgs(final int w, final int u, final int l)
    {
        if (w < 0)
        {
            throw new IllegalArgumentException("server weight less than zero: weight=" + w);
        }
        if (u < 0 || l < 0)
        {
            throw new IllegalArgumentException("thresholds must not be negative: u=" + u + " l=" + l);
        }
        if (0 != u && l > u)
        {
            throw new IllegalArgumentException("lower threshold above upper: u=" + u + " l=" + l);
        }
    }

    private int allocateId()
    {
        for (int i = 0; i < idLimit; i++)
        {
            if (!used[i])
            {
                used[i] = true;
                return i;
            }
        }
        if (idLimit == used.length)
        {
            grow(used.length * 2);
        }
        used[idLimit] = true;
        return idLimit++;
    }
}
