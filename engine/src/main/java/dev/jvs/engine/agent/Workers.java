package dev.jvs.engine.agent;

import dev.jvs.engine.Forwarder;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * A director's forwarding threads: every worker, worker 0 included, on a thread of its own with its own
 * forwarder (services, connection table, counters), reached only through its inbox.
 *
 * <p>One thread (the conductor) is the only writer of what the workers share in configuration: a change is
 * posted to every worker as one operation, so all tables agree; a question (statistics, the connection list)
 * is posted too, and the caller waits for every answer. A change that may be refused (an ipvsadm edit) is
 * asked of worker 0 first and posted to the others only when it took.
 */
public final class Workers implements Forwarders, AutoCloseable
{
    private static final long TIMEOUT_MS = 1000;
    private static final long WAIT_NS = 20_000;
    private static final Object NULL = new Object();

    private final List<Worker> workers;
    private final List<AgentRunner> runners = new ArrayList<>();

    /**
     * @param workers the workers, worker 0 first (each set up with its index, start hook and error sink).
     */
    public Workers(final List<Worker> workers)
    {
        this.workers = List.copyOf(workers);
    }

    @Override
    public int count()
    {
        return workers.size();
    }

    /**
     * @param i a worker's number.
     * @return the worker (act on it only from an operation posted to it).
     */
    public Worker worker(final int i)
    {
        return workers.get(i);
    }

    /**
     * Start a thread per worker.
     *
     * @param idle what a worker does when no frame is ready.
     * @param errors told of a cycle that failed (the worker goes on).
     */
    public void start(final IdleMode idle, final Consumer<Throwable> errors)
    {
        for (final Worker w : workers)
        {
            final IdleStrategy strategy = idle.strategy(w::await);
            final AgentRunner r = new AgentRunner(strategy, errors::accept, null, w);
            runners.add(r);
            AgentRunner.startOnThread(r);
        }
    }

    @Override
    public void post(final Consumer<Forwarder> op)
    {
        for (final Worker w : workers)
        {
            offer(w, x -> op.accept(x.forwarder()));
        }
    }

    /**
     * Run an operation on every worker's thread, made for that worker.
     *
     * @param op makes the operation for worker i.
     */
    public void postEach(final IntFunction<Consumer<Worker>> op)
    {
        for (final Worker w : workers)
        {
            offer(w, op.apply(w.index()));
        }
    }

    @Override
    public void postOthers(final Consumer<Forwarder> op)
    {
        for (int i = 1; i < workers.size(); i++)
        {
            offer(workers.get(i), x -> op.accept(x.forwarder()));
        }
    }

    @Override
    public <T> List<T> ask(final Function<Forwarder, T> question)
    {
        return gather(0, workers.size(), question);
    }

    @Override
    public <T> T ask(final int i, final Function<Forwarder, T> question)
    {
        return gather(i, i + 1, question).get(0);
    }

    private <T> List<T> gather(final int from, final int to, final Function<Forwarder, T> question)
    {
        final AtomicReferenceArray<Object> answers = new AtomicReferenceArray<>(to - from);
        for (int i = from; i < to; i++)
        {
            final int slot = i - from;
            offer(workers.get(i), w ->
            {
                Object a;
                try
                {
                    a = question.apply(w.forwarder());
                }
                catch (final RuntimeException ex)
                {
                    a = ex;
                }
                answers.set(slot, null == a ? NULL : a);
            });
        }
        final long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        final List<T> out = new ArrayList<>(to - from);
        for (int i = 0; i < to - from; i++)
        {
            while (null == answers.get(i))
            {
                if (System.currentTimeMillis() > deadline)
                {
                    throw new IllegalStateException("worker " + (from + i) + " did not answer in " + TIMEOUT_MS +
                        " ms");
                }
                LockSupport.parkNanos(WAIT_NS);
            }
            final Object a = answers.get(i);
            if (a instanceof RuntimeException ex)
            {
                throw ex;
            }
            @SuppressWarnings("unchecked")
            final T t = NULL == a ? null : (T)a;
            out.add(t);
        }
        return out;
    }

    private static void offer(final Worker w, final Consumer<Worker> op)
    {
        final long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (!w.offer(op))
        {
            if (System.currentTimeMillis() > deadline)
            {
                throw new IllegalStateException("worker " + w.index() + " takes no operation for " + TIMEOUT_MS +
                    " ms");
            }
            LockSupport.parkNanos(WAIT_NS);
        }
    }

    /** Stop the threads (each closes its sockets); workers never started are closed here. */
    @Override
    public void close()
    {
        for (final AgentRunner r : runners)
        {
            r.close();
        }
        if (runners.isEmpty())
        {
            workers.forEach(Worker::onClose);
        }
        runners.clear();
    }
}
