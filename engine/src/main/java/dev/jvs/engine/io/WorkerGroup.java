package dev.jvs.engine.io;

import dev.jvs.engine.Forwarder;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Workers 1 to N-1 of a director, each on a thread of its own with its own forwarder (services, connection
 * table, counters) and its own fanout member socket. Worker 0 runs on the control thread, as with one worker.
 *
 * <p>The control thread is the only writer of everything a worker owns, and it reaches a worker only through
 * that worker's inbox: a one-to-one ring of operations the worker runs between two batches of frames. A
 * configuration change is posted to every worker as the same operation the control thread has just applied to
 * worker 0, so all tables agree; a question (statistics, the connection list) is posted too, and its answers
 * are gathered while worker 0 keeps forwarding. Operations are object references, not encoded bytes: they
 * carry a parsed configuration the worker applies as it is, and serializing it would only add a decoder.
 */
public final class WorkerGroup implements AutoCloseable
{
    /** --idle poll: sleep in poll(2). */
    public static final int IDLE_POLL = 0;
    /** --idle backoff: spin, yield, then poll. */
    public static final int IDLE_BACKOFF = 1;
    /** --idle spin. */
    public static final int IDLE_SPIN = 2;

    private static final int INBOX = 1024;
    private static final long POST_TIMEOUT_MS = 1000;

    private final List<Member> members = new ArrayList<>();
    private final List<AgentRunner> runners = new ArrayList<>();
    private final Consumer<Throwable> errors;

    /**
     * @param workers the workers 1 to N-1.
     * @param idle what a worker does when no frame is ready ({@link #IDLE_POLL} ...).
     * @param errors told of an operation or a cycle that failed (the worker goes on).
     */
    public WorkerGroup(final List<Worker> workers, final int idle, final Consumer<Throwable> errors)
    {
        this.errors = errors;
        for (int i = 0; i < workers.size(); i++)
        {
            members.add(new Member(i + 1, workers.get(i), workers.get(i).forwarder(), idle));
        }
    }

    /** @return the workers besides worker 0. */
    public int size()
    {
        return members.size();
    }

    /**
     * @param fwd the forwarder of one of workers 1 to N-1.
     * @return its worker (act on it only from an operation posted to it), or null.
     */
    public Worker workerOf(final Forwarder fwd)
    {
        for (final Member m : members)
        {
            if (m.fwd == fwd)
            {
                return m.worker;
            }
        }
        return null;
    }

    /** @return the forwarders of workers 1 to N-1; read them only through {@link #ask}. */
    public List<Forwarder> forwarders()
    {
        return members.stream().map(m -> m.fwd).toList();
    }

    /** Start a thread per worker. */
    public void start()
    {
        for (final Member m : members)
        {
            // The member idles itself (in poll(2), on its own socket); the runner must not add sleeps.
            final AgentRunner r = new AgentRunner(NoOpIdleStrategy.INSTANCE, errors::accept, null, m);
            runners.add(r);
            AgentRunner.startOnThread(r);
        }
    }

    /**
     * Run an operation on every worker's thread, after what was posted before it.
     *
     * @param op the operation; it gets the worker's forwarder.
     * @param pump run while an inbox is full (worker 0's duty cycle).
     */
    public void post(final Consumer<Forwarder> op, final Runnable pump)
    {
        for (final Member m : members)
        {
            post1(m, op, pump);
        }
    }

    /**
     * Ask every worker a question and wait for all answers, running {@code pump} (worker 0's duty cycle)
     * meanwhile. A worker that sleeps in poll(2) answers within its 10 ms timeout.
     *
     * @param question run on each worker's thread.
     * @param pump run while waiting.
     * @param <T> the answer's type.
     * @return the answers of workers 1 to N-1, in order.
     */
    public <T> List<T> ask(final Function<Forwarder, T> question, final Runnable pump)
    {
        final AtomicReferenceArray<Object> answers = new AtomicReferenceArray<>(members.size());
        for (int i = 0; i < members.size(); i++)
        {
            final int slot = i;
            final Member m = members.get(i);
            post1(m, f ->
            {
                Object a;
                try
                {
                    a = question.apply(f);
                }
                catch (final RuntimeException ex)
                {
                    a = ex;
                }
                answers.set(slot, null == a ? NULL : a);
            }, pump);
        }
        final long deadline = System.currentTimeMillis() + POST_TIMEOUT_MS;
        final List<T> out = new ArrayList<>(members.size());
        for (int i = 0; i < members.size(); i++)
        {
            while (null == answers.get(i))
            {
                if (System.currentTimeMillis() > deadline)
                {
                    throw new IllegalStateException("worker " + (i + 1) + " did not answer in " + POST_TIMEOUT_MS +
                        " ms");
                }
                pump.run();
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

    private static final Object NULL = new Object();

    private void post1(final Member m, final Consumer<Forwarder> op, final Runnable pump)
    {
        final long deadline = System.currentTimeMillis() + POST_TIMEOUT_MS;
        while (!m.inbox.offer(op))
        {
            if (System.currentTimeMillis() > deadline)
            {
                throw new IllegalStateException("worker " + m.index + " takes no operation for " +
                    POST_TIMEOUT_MS + " ms");
            }
            pump.run();
        }
    }

    /** Stop the threads (each closes its sockets). */
    @Override
    public void close()
    {
        for (final AgentRunner r : runners)
        {
            r.close();
        }
        runners.clear();
    }

    private final class Member implements Agent
    {
        final int index;
        final Worker worker;
        final Forwarder fwd;
        final int idle;
        final OneToOneConcurrentArrayQueue<Consumer<Forwarder>> inbox = new OneToOneConcurrentArrayQueue<>(INBOX);
        int idleCycles;

        Member(final int index, final Worker worker, final Forwarder fwd, final int idle)
        {
            this.index = index;
            this.worker = worker;
            this.fwd = fwd;
            this.idle = idle;
        }

        @Override
        public int doWork()
        {
            int n = 0;
            Consumer<Forwarder> op;
            while (null != (op = inbox.poll()))
            {
                try
                {
                    op.accept(fwd);
                }
                catch (final RuntimeException ex)
                {
                    errors.accept(ex);
                }
                n++;
            }
            n += worker.doWork();
            if (0 == n)
            {
                idleCycles++;
                if (IDLE_SPIN == idle || IDLE_BACKOFF == idle && idleCycles < 100)
                {
                    Thread.onSpinWait();
                }
                else if (IDLE_BACKOFF == idle && idleCycles < 200)
                {
                    Thread.yield();
                }
                else
                {
                    worker.idle();
                }
            }
            else
            {
                idleCycles = 0;
            }
            return n;
        }

        @Override
        public void onClose()
        {
            worker.onClose();
        }

        @Override
        public String roleName()
        {
            return "jvs-worker-" + index;
        }
    }
}
