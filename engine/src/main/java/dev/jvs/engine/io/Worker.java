package dev.jvs.engine.io;

import dev.jvs.engine.Counter;
import dev.jvs.engine.Forwarder;
import dev.jvs.engine.Neighbors;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One worker's duty cycle as an Agrona {@link Agent}: take every ready frame from the receive ring, run it
 * through the forwarder straight into a transmit slot, send the batch with one system call, and do the
 * periodic work (expiry, scheduler timers, real-server ARP) at most every 100 ms. The clock is read once per
 * cycle. Idle cycles sleep in poll(2) on the ring (see {@link #idle()}).
 */
public final class Worker implements Agent, FrameHandler
{
    private static final int BATCH = 256;
    private static final long TIMER_MS = 100;
    private static final long ARP_RETRY_MS = 1000;
    private static final long ARP_REFRESH_MS = 30_000;

    private final Forwarder fwd;
    private final Receiver rx;
    private final Sender tx;
    private final Neighbors neighbors;
    private final int mtuFrame;
    private long now;
    private long nextTimer;
    private long nextArp;
    private boolean learnedAll;
    private dev.jvs.engine.ControlTap tap;
    private int[] alsoResolve = new int[0];
    private boolean resolving = true;

    /**
     * @param fwd the engine.
     * @param rx receive ring.
     * @param tx transmitter.
     * @param neighbors the neighbour table the forwarder uses.
     * @param mtu interface MTU (bigger captured frames are counted and dropped).
     */
    public Worker(final Forwarder fwd, final Receiver rx, final Sender tx, final Neighbors neighbors, final int mtu)
    {
        this.fwd = fwd;
        this.rx = rx;
        this.tx = tx;
        this.neighbors = neighbors;
        this.mtuFrame = mtu + 18;
    }

    @Override
    public int doWork()
    {
        now = System.currentTimeMillis();
        int n = rx.receive(this, BATCH);
        if (null != tap)
        {
            n += tap.onCycle(now);
        }
        tx.flush();
        if (now >= nextTimer)
        {
            fwd.onTimer(now, 10_000);
            nextTimer = now + TIMER_MS;
            if (resolving && now >= nextArp)
            {
                resolveRealServers();
            }
        }
        return n;
    }

    @Override
    public void prepare(final int slot, final UnsafeBuffer buffer, final int offset, final int length)
    {
        fwd.prefetch(slot, buffer, offset, length);
    }

    @Override
    public void prepared(final int count)
    {
        fwd.prefetchEntries(count);
    }

    @Override
    public void onFrame(final UnsafeBuffer buffer, final int offset, final int length, final int wireLength,
        final int status)
    {
        if (wireLength > length || wireLength > mtuFrame)
        {
            // Merged by GRO/LRO or bigger than the MTU: it cannot be sent as it is.
            fwd.counters().inc(Counter.DROP_OVERSIZE);
            return;
        }
        if (tx.isFull())
        {
            tx.flush();
        }
        final int flags = 0 != (status & TpacketLayout.TP_STATUS_CSUMNOTREADY) ? Forwarder.CSUM_NOT_READY : 0;
        final int out = fwd.process(buffer, offset, length, flags, tx.buffer(), tx.slotOffset(),
            tx.slotCapacity(), now);
        if (out > 0)
        {
            tx.commit(out);
        }
        while (fwd.hasMoreFrames())
        {
            // A tunnelled packet too big for its path, in fragments: each takes a slot of its own.
            if (tx.isFull())
            {
                tx.flush();
            }
            final int more = fwd.nextFrame(tx.buffer(), tx.slotOffset(), tx.slotCapacity());
            if (more > 0)
            {
                tx.commit(more);
            }
        }
    }

    /**
     * Give a control tap (VRRP, connection sync) a turn every cycle; the forwarder hands it frames.
     *
     * @param tap the tap.
     */
    public void tap(final dev.jvs.engine.ControlTap tap)
    {
        this.tap = tap;
        fwd.tap(tap);
    }

    /**
     * Resolve these addresses by ARP too, as the real servers are (VRRP unicast peers).
     *
     * @param addresses the addresses.
     */
    public void resolveAlso(final int[] addresses)
    {
        this.alsoResolve = addresses.clone();
    }

    /**
     * Whether this worker asks for the real servers' MACs: worker 0 does, as ARP answers come to it only.
     *
     * @param on whether to.
     */
    public void resolving(final boolean on)
    {
        this.resolving = on;
    }

    /** @return whether every real server's MAC is known (ARP answered). */
    public boolean resolved()
    {
        for (final int rs : fwd.services().realServerAddresses())
        {
            if (Neighbors.UNKNOWN == neighbors.get(rs))
            {
                return false;
            }
        }
        return true;
    }

    /** @return the forwarder this worker runs. */
    public Forwarder forwarder()
    {
        return fwd;
    }

    /** @return the receive socket, to join a fanout group (-1 if it has none). */
    public int receiverFd()
    {
        return rx.fd();
    }

    /** @return the transmitter, for a control tap's own frames (on this thread only). */
    public Sender sender()
    {
        return tx;
    }

    /** Ask by ARP for real servers whose MAC is unknown (every second), and refresh all every 30 s. */
    private void resolveRealServers()
    {
        boolean all = true;
        final int[] servers = fwd.services().realServerAddresses();
        for (int i = 0, n = servers.length + alsoResolve.length; i < n; i++)
        {
            final int rs = i < servers.length ? servers[i] : alsoResolve[i - servers.length];
            final boolean known = Neighbors.UNKNOWN != neighbors.get(rs);
            all &= known;
            if (!known || learnedAll)
            {
                if (tx.isFull())
                {
                    tx.flush();
                }
                tx.commit(fwd.arpRequest(rs, tx.buffer(), tx.slotOffset()));
            }
        }
        tx.flush();
        learnedAll = all;
        nextArp = now + (all ? ARP_REFRESH_MS : ARP_RETRY_MS);
    }

    /**
     * Sleep until a frame arrives, at most 10 ms (timers need the cycle to run), and no later than the control
     * tap's next deadline (a VRRP advert or takeover is due to the millisecond).
     */
    public void idle()
    {
        int ms = 10;
        if (null != tap)
        {
            final long due = tap.nextDeadlineMs() - System.currentTimeMillis();
            ms = (int)Math.max(0, Math.min(ms, due));
        }
        if (ms > 0)
        {
            rx.await(ms);
        }
    }

    @Override
    public String roleName()
    {
        return "jvs-worker";
    }

    @Override
    public void onClose()
    {
        rx.close();
        tx.close();
    }
}
