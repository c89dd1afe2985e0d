package dev.jvs.engine.agent;

import dev.jvs.engine.Counter;
import dev.jvs.engine.Forwarder;
import dev.jvs.engine.Neighbors;
import dev.jvs.engine.ControlTap;
import dev.jvs.engine.Egress;
import dev.jvs.engine.io.FrameHandler;
import dev.jvs.engine.io.Poller;
import dev.jvs.engine.io.Receiver;
import dev.jvs.engine.io.Sender;
import dev.jvs.engine.io.TpacketLayout;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.function.Consumer;

/**
 * One worker's duty cycle as an Agrona {@link Agent}: take every ready frame from the receive ring, run it
 * through the forwarder straight into a transmit slot, send the batch with one system call, and do the
 * periodic work (expiry, scheduler timers, real-server ARP) at most every 100 ms. The clock is read once per
 * cycle. Idle cycles sleep in poll(2) on the ring (see {@link #await(int)}).
 *
 * <p>The worker is the only thread that touches its forwarder. Everything else reaches it through its inbox:
 * operations the conductor posts ({@link Workers}), run between two batches of frames. Operations are object
 * references, not encoded bytes: they carry a parsed configuration the worker applies as it is, and
 * serializing it would only add a decoder.
 */
public final class Worker implements Agent
{
    private static final int BATCH = 256;
    private static final long TIMER_MS = 100;
    private static final long ARP_RETRY_MS = 1000;
    private static final long ARP_REFRESH_MS = 30_000;
    private static final int INBOX = 1024;
    /** Operations run per cycle at most: a burst of them does not hold frames back for long. */
    private static final int OPS_PER_CYCLE = 16;

    private final Forwarder fwd;
    private final ManyToOneConcurrentArrayQueue<Consumer<Worker>> inbox = new ManyToOneConcurrentArrayQueue<>(INBOX);
    private final Consumer<Consumer<Worker>> runOp = this::run;
    private Consumer<Throwable> errors = Throwable::printStackTrace;
    private Runnable onStart = () -> { };
    private int index;
    private final Latency latency = new Latency();
    /** Per port: its receive ring, its transmitter, the handler that knows the port. */
    private final Receiver[] rx;
    private final Sender[] tx;
    private final PortHandler[] handlers;
    private final Egress egress;
    private final Poller poller;
    private final Neighbors neighbors;
    private final long[] refusedSeen;
    private long now;
    private long nextTimer;
    private long nextArp;
    private boolean learnedAll;
    private ControlTap tap;
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
        this(fwd, new Receiver[] {rx}, new Sender[] {tx}, neighbors, new int[] {mtu});
    }

    /**
     * A worker on several ports (interfaces): port i's frames come from {@code rx[i]} and leave by
     * {@code tx[i]}, whichever port they came in by.
     *
     * @param fwd the engine.
     * @param rx each port's receive ring.
     * @param tx each port's transmitter.
     * @param neighbors the neighbour table the forwarder uses.
     * @param mtus each port's MTU.
     */
    public Worker(final Forwarder fwd, final Receiver[] rx, final Sender[] tx, final Neighbors neighbors,
        final int[] mtus)
    {
        this.fwd = fwd;
        this.rx = rx.clone();
        this.tx = tx.clone();
        this.neighbors = neighbors;
        this.egress = Egress.of(tx);
        this.handlers = new PortHandler[rx.length];
        this.refusedSeen = new long[tx.length];
        final int[] fds = new int[rx.length];
        for (int p = 0; p < rx.length; p++)
        {
            handlers[p] = new PortHandler(p, mtus[p] + 18);
            fds[p] = rx[p].fd();
        }
        this.poller = rx.length > 1 && java.util.Arrays.stream(fds).allMatch(fd -> fd >= 0) ? new Poller(fds) : null;
    }

    @Override
    public int doWork()
    {
        final long start = System.nanoTime();
        now = System.currentTimeMillis();
        int n = inbox.isEmpty() ? 0 : inbox.drain(runOp, OPS_PER_CYCLE);
        int frames = 0;
        long firstNanos = 0;
        for (int p = 0; p < rx.length; p++)
        {
            final int got = rx[p].receive(handlers[p], BATCH);
            if (got > 0 && 0 == frames)
            {
                firstNanos = rx[p].firstFrameNanos();
            }
            frames += got;
        }
        n += frames;
        if (null != tap)
        {
            n += tap.onCycle(now);
        }
        for (final Sender s : tx)
        {
            s.flush();
        }
        if (frames > 0)
        {
            latency.record(start, System.nanoTime(), firstNanos);
        }
        if (now >= nextTimer)
        {
            fwd.onTimer(now, 10_000);
            nextTimer = now + TIMER_MS;
            gatherKernelCounts();
            if (resolving && now >= nextArp)
            {
                resolveRealServers();
            }
        }
        return n;
    }

    /** What the kernel counted for this worker's sockets: frames its rings dropped, sends it refused. */
    private void gatherKernelCounts()
    {
        for (int p = 0; p < rx.length; p++)
        {
            final long dropped = rx[p].takeKernelDrops();
            if (dropped > 0)
            {
                fwd.counters().add(Counter.DROP_RING_FULL, dropped);
            }
            final long refused = tx[p].refused();
            if (refused != refusedSeen[p])
            {
                fwd.counters().add(Counter.TX_REFUSED, refused - refusedSeen[p]);
                refusedSeen[p] = refused;
            }
        }
    }

    /** One port's frames: the forwarder learns which port each came in by. */
    private final class PortHandler implements FrameHandler
    {
        private final int port;
        private final int mtuFrame;

        PortHandler(final int port, final int mtuFrame)
        {
            this.port = port;
            this.mtuFrame = mtuFrame;
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
            final int flags = 0 != (status & TpacketLayout.TP_STATUS_CSUMNOTREADY) ? Forwarder.CSUM_NOT_READY : 0;
            final int out = fwd.process(buffer, offset, length, flags, port, egress, now);
            final Sender s = tx[egress.port()];
            if (out > 0)
            {
                s.commit(out);
            }
            while (fwd.hasMoreFrames())
            {
                // A tunnelled packet too big for its path, in fragments: each takes a slot of its own.
                if (s.isFull())
                {
                    s.flush();
                }
                final int more = fwd.nextFrame(s.buffer(), s.slotOffset(), s.slotCapacity());
                if (more > 0)
                {
                    s.commit(more);
                }
            }
        }
    }

    /**
     * Give a control tap (VRRP, connection sync) a turn every cycle; the forwarder hands it frames.
     *
     * @param tap the tap.
     */
    public void tap(final ControlTap tap)
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
            final long r = fwd.routes().lookup(rs);
            if (r >= 0 && Neighbors.UNKNOWN == neighbors.get((int)r))
            {
                return false;
            }
        }
        return true;
    }

    /** @return the batches' latency (read it on this worker's thread). */
    public Latency latency()
    {
        return latency;
    }

    /** @return the forwarder this worker runs. */
    public Forwarder forwarder()
    {
        return fwd;
    }

    /** @return port 0's receive socket, to join a fanout group (-1 if it has none). */
    public int receiverFd()
    {
        return rx[0].fd();
    }

    /** @param port a port. @return its receive socket (-1 if it has none). */
    public int receiverFd(final int port)
    {
        return rx[port].fd();
    }

    /** @return how many ports this worker serves. */
    public int ports()
    {
        return rx.length;
    }

    /** @return port 0's transmitter, for a control tap's own frames (on this thread only). */
    public Sender sender()
    {
        return tx[0];
    }

    /** @param port a port. @return its transmitter (on this thread only). */
    public Sender sender(final int port)
    {
        return tx[port];
    }

    /**
     * Ask by ARP (IPv6: neighbour solicitation) for real servers whose MAC is unknown (every second), and
     * refresh all every 30 s.
     */
    private void resolveRealServers()
    {
        boolean all = true;
        final int[] servers = fwd.services().realServerAddresses();
        final dev.jvs.engine.Routes routes = fwd.routes();
        for (int i = 0, n = servers.length + alsoResolve.length; i < n; i++)
        {
            // The next hop toward it (itself when on-link), asked on the port the route leads to.
            final long r = routes.lookup(i < servers.length ? servers[i] : alsoResolve[i - servers.length]);
            if (r < 0)
            {
                continue;
            }
            final int hop = (int)r;
            final int port = (int)(r >>> 32);
            final boolean known = Neighbors.UNKNOWN != neighbors.get(hop);
            all &= known;
            if (!known || learnedAll)
            {
                final Sender s = tx[port];
                if (s.isFull())
                {
                    s.flush();
                }
                s.commit(fwd.arpRequest(hop, port, s.buffer(), s.slotOffset()));
            }
        }
        // IPv6 real servers by neighbour solicitation, on every port (no IPv6 routes are read yet).
        for (final dev.jvs.engine.frame.IpAddress a : fwd.services().realServerAddresses6())
        {
            final boolean known = Neighbors.UNKNOWN != neighbors.get6(a);
            all &= known;
            for (int port = 0; port < tx.length && (!known || learnedAll); port++)
            {
                final Sender s = tx[port];
                if (s.isFull())
                {
                    s.flush();
                }
                s.commit(fwd.neighborSolicit(a, port, s.buffer(), s.slotOffset()));
            }
        }
        for (final Sender s : tx)
        {
            s.flush();
        }
        learnedAll = all;
        nextArp = now + (all ? ARP_REFRESH_MS : ARP_RETRY_MS);
    }

    /**
     * Sleep until a frame arrives, at most {@code maxMs} (timers need the cycle to run), and no later than the
     * control tap's next deadline (a sync message is due).
     *
     * @param maxMs most milliseconds.
     */
    public void await(final int maxMs)
    {
        int ms = maxMs;
        if (null != tap)
        {
            final long due = tap.nextDeadlineMs() - System.currentTimeMillis();
            ms = (int)Math.max(0, Math.min(ms, due));
        }
        if (ms > 0)
        {
            if (null != poller)
            {
                poller.await(ms);
            }
            else
            {
                rx[0].await(ms);
            }
        }
    }

    private void run(final Consumer<Worker> op)
    {
        try
        {
            op.accept(this);
        }
        catch (final RuntimeException ex)
        {
            errors.accept(ex);
        }
    }

    /**
     * Post an operation to run on this worker's thread between two batches (from any thread).
     *
     * @param op the operation.
     * @return false when the inbox is full.
     */
    public boolean offer(final Consumer<Worker> op)
    {
        return inbox.offer(op);
    }

    /**
     * Set before the thread starts.
     *
     * @param index the worker's number (its thread is jvs-worker-INDEX).
     * @param onStart run first on the thread (CPU pinning, priority).
     * @param errors told of an operation that failed (the worker goes on).
     */
    public void setUp(final int index, final Runnable onStart, final Consumer<Throwable> errors)
    {
        this.index = index;
        this.onStart = onStart;
        this.errors = errors;
    }

    /** @return the worker's number. */
    public int index()
    {
        return index;
    }

    @Override
    public void onStart()
    {
        onStart.run();
    }

    @Override
    public String roleName()
    {
        return "jvs-worker-" + index;
    }

    @Override
    public void onClose()
    {
        for (final Receiver r : rx)
        {
            r.close();
        }
        for (final Sender t : tx)
        {
            t.close();
        }
    }
}
