package dev.jvs.engine.agent;

import dev.jvs.engine.Forwarder;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Every worker's forwarder as the conductor reaches it: by operations and questions run on the worker's own
 * thread ({@link Workers}), or, with {@link #inline}, on the caller's (one forwarder and no threads: tests,
 * {@code jvs sim}). Worker 0's tables are the reference: what the structure of the services is, which is the
 * same on every worker, is asked of worker 0.
 */
public interface Forwarders
{
    /** @return how many workers. */
    int count();

    /**
     * Run on every worker's thread, in the order posted.
     *
     * @param op the operation.
     */
    void post(Consumer<Forwarder> op);

    /**
     * Run on workers 1 to N-1 only.
     *
     * @param op the operation.
     */
    void postOthers(Consumer<Forwarder> op);

    /**
     * @param question run on every worker's thread.
     * @param <T> the answer's type.
     * @return the answers, worker 0's first.
     */
    <T> List<T> ask(Function<Forwarder, T> question);

    /**
     * @param i the worker.
     * @param question run on its thread; what it throws is thrown here.
     * @param <T> the answer's type.
     * @return the answer.
     */
    <T> T ask(int i, Function<Forwarder, T> question);

    /**
     * A change that may be refused: made on worker 0 first (what it throws stops it there), then posted
     * unchanged to the others, so that all tables agree.
     *
     * @param op the change.
     */
    default void change(final Consumer<Forwarder> op)
    {
        ask(0, f ->
        {
            op.accept(f);
            return null;
        });
        postOthers(op);
    }

    /**
     * @param fwd the only forwarder.
     * @return its view, every operation run at once on the caller's thread.
     */
    static Forwarders inline(final Forwarder fwd)
    {
        return new Forwarders()
        {
            @Override
            public int count()
            {
                return 1;
            }

            @Override
            public void post(final Consumer<Forwarder> op)
            {
                op.accept(fwd);
            }

            @Override
            public void postOthers(final Consumer<Forwarder> op)
            {
                // None.
            }

            @Override
            public <T> List<T> ask(final Function<Forwarder, T> question)
            {
                return java.util.Collections.singletonList(question.apply(fwd));
            }

            @Override
            public <T> T ask(final int i, final Function<Forwarder, T> question)
            {
                return question.apply(fwd);
            }
        };
    }
}
