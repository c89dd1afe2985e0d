package dev.jvs.director;

import dev.jvs.engine.Forwarder;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.io.Fanout;
import dev.jvs.engine.io.PacketIoException;
import dev.jvs.engine.io.Worker;
import dev.jvs.engine.io.WorkerGroup;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The director's forwarding threads as {@code jvs run} drives them: worker 0 on the control thread (its duty
 * cycle, {@link #cycle}), workers 1 to N-1 in a {@link WorkerGroup}, and the fanout group that steers clients
 * to them. With one worker, only worker 0.
 */
final class Workers implements AutoCloseable
{
    /** Makes worker i (1 to N-1): its forwarder, tables and sockets, configured as worker 0 is. */
    @FunctionalInterface
    interface Factory
    {
        Worker make(int index) throws PacketIoException;
    }

    private final int count;
    private final Worker primary;
    private final Consumer<String> log;
    private final Pump pump;
    private WorkerGroup group;
    private Shards shards;
    private int[][] program;
    private volatile int mask = -1;

    /**
     * @param count how many workers.
     * @param primary worker 0.
     * @param log the daemon's log.
     */
    Workers(final int count, final Worker primary, final Consumer<String> log)
    {
        this.count = count;
        this.primary = primary;
        this.log = log;
        this.pump = new Pump(primary);
        this.shards = Shards.of(primary.forwarder());
    }

    /**
     * Make workers 1 to N-1, join every receive socket to one fanout group (the interface's index as its id)
     * and set the program for worker 0's services; their threads start with {@link #start}. Nothing is left
     * open when it fails.
     *
     * @param factory makes each worker.
     * @param ifindex the interface.
     * @param idleMode {@link WorkerGroup#IDLE_POLL} ...
     * @throws PacketIoException when a socket cannot be made or joined.
     */
    void make(final Factory factory, final int ifindex, final int idleMode) throws PacketIoException
    {
        final List<Worker> ws = new ArrayList<>();
        try
        {
            for (int i = 1; i < count; i++)
            {
                final Worker w = factory.make(i);
                w.resolving(false);
                ws.add(w);
            }
            Fanout.join(primary.receiverFd(), ifindex);
            for (final Worker w : ws)
            {
                Fanout.join(w.receiverFd(), ifindex);
            }
        }
        catch (final PacketIoException | RuntimeException ex)
        {
            ws.forEach(Worker::onClose);
            throw ex;
        }
        group = new WorkerGroup(ws, idleMode, ex -> log.accept("worker error: " + ex));
        shards = new Shards(primary.forwarder(), group, pump);
        refreshFanout();
    }

    /** Start the threads of workers 1 to N-1 (once the kernel is set up). */
    void start()
    {
        if (null != group)
        {
            group.start();
        }
    }

    /** @return the workers, as the control thread reaches them. */
    Shards shards()
    {
        return shards;
    }

    /** @return worker 0's duty cycle (0 when called from inside it). */
    int cycle()
    {
        return pump.cycle();
    }

    /** @return worker i's agent for its forwarder (i &gt; 0), to act on it from an operation run on its thread. */
    Worker workerOf(final Forwarder f)
    {
        return null == group ? null : group.workerOf(f);
    }

    /** @return the forwarders of workers 1 to N-1. */
    List<Forwarder> others()
    {
        return null == group ? List.of() : group.forwarders();
    }

    /**
     * @param client a client address.
     * @return the worker the fanout gives it.
     */
    int owner(final int client)
    {
        return Fanout.worker(client, mask, count);
    }

    /**
     * Set the fanout program for the running services (at start, after a reload or an edit): the NAT real
     * servers' frames go by destination, and clients by the coarsest persistence netmask. A changed netmask
     * moves some clients to another worker, whose table does not have their connections: those break.
     */
    void refreshFanout()
    {
        if (null == group)
        {
            return;
        }
        final ServiceTable services = primary.forwarder().services();
        int m = -1;
        for (final VirtualService s : services.all())
        {
            if (s.persistenceTimeoutMs() > 0)
            {
                m &= s.persistenceNetmask();
            }
        }
        final int[] nat = services.natServerAddresses();
        final int[][] p = Fanout.program(m, nat);
        if (null != program && Arrays.deepEquals(p, program))
        {
            return;
        }
        try
        {
            Fanout.setProgram(primary.receiverFd(), p);
            mask = m;
            program = p;
            log.accept("fanout over " + count + " workers: clients by " + Ipv4.toString(m) + ", " + nat.length +
                " NAT real servers by destination");
        }
        catch (final PacketIoException | IllegalArgumentException ex)
        {
            log.accept("warning: fanout program: " + ex.getMessage() + "; the previous one stays");
        }
    }

    /** Stop workers 1 to N-1 (each closes its sockets); worker 0 is the caller's. */
    @Override
    public void close()
    {
        if (null != group)
        {
            group.close();
        }
    }

    /** Worker 0's duty cycle while the control thread waits for the others; never re-entered from inside it. */
    private static final class Pump implements Runnable
    {
        private final Worker worker;
        private boolean busy;

        Pump(final Worker worker)
        {
            this.worker = worker;
        }

        @Override
        public void run()
        {
            cycle();
        }

        int cycle()
        {
            if (busy)
            {
                Thread.onSpinWait();
                return 0;
            }
            busy = true;
            try
            {
                return worker.doWork();
            }
            finally
            {
                busy = false;
            }
        }
    }
}
