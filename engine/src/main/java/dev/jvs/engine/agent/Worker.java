package dev.jvs.engine.agent;

import dev.jvs.engine.Counter;
import dev.jvs.engine.Forwarder;
import dev.jvs.engine.Neighbors;
import dev.jvs.engine.ControlTap;
import dev.jvs.engine.io.FrameHandler;
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
public final class Worker implements Agent, FrameHandler
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
    private final Receiver rx;
    private final Sender tx;
    private final Neighbors neighbors;
    private final int mtuFrame;
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
        this.fwd = fwd;
        this.rx = rx;
        this.tx = tx;
        this.neighbors = neighbors;
        this.mtuFrame = mtu + 18;
    }

    @Override
    public int doWork()
    {
        final long start = System.nanoTime();
        now = System.currentTimeMillis();
        int n = inbox.isEmpty() ? 0 : inbox.drain(runOp, OPS_PER_CYCLE);
        final int frames = rx.receive(this, BATCH);
        n += frames;
        if (null != tap)
        {
            n += tap.onCycle(now);
        }
        tx.flush();
        if (frames > 0)
        {
            latency.record(start, System.nanoTime(), rx.firstFrameNanos());
        }
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
            if (Neighbors.UNKNOWN == neighbors.get(rs))
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
            rx.await(ms);
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
        rx.close();
        tx.close();
    }
}
