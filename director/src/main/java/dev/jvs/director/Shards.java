package dev.jvs.director;

import dev.jvs.engine.Forwarder;
import dev.jvs.engine.io.WorkerGroup;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The director's workers as the control thread sees them: worker 0's forwarder, which it owns, and the
 * others, reached through their inboxes. Every change is applied to worker 0 first (a refused change stops
 * there) and then posted, unchanged, to the others.
 */
final class Shards
{
    private final Forwarder primary;
    private final WorkerGroup group;
    private final Runnable pump;

    /**
     * @param primary worker 0's forwarder.
     * @param group workers 1 to N-1, or null with one worker.
     * @param pump worker 0's duty cycle, run while waiting for the others.
     */
    Shards(final Forwarder primary, final WorkerGroup group, final Runnable pump)
    {
        this.primary = primary;
        this.group = group;
        this.pump = pump;
    }

    /** One worker. */
    static Shards of(final Forwarder primary)
    {
        return new Shards(primary, null, () -> { });
    }

    Forwarder primary()
    {
        return primary;
    }

    int count()
    {
        return null == group ? 1 : group.size() + 1;
    }

    /** Apply to worker 0, then to the others on their threads. */
    void everywhere(final Consumer<Forwarder> op)
    {
        op.accept(primary);
        others(op);
    }

    /** Apply to workers 1 to N-1 only (worker 0 has it already), on their threads. */
    void others(final Consumer<Forwarder> op)
    {
        if (null != group)
        {
            group.post(op, pump);
        }
    }

    /** Ask every worker, worker 0 first; waits for the others while worker 0 keeps forwarding. */
    <T> List<T> all(final Function<Forwarder, T> question)
    {
        final List<T> out = new ArrayList<>(count());
        out.add(question.apply(primary));
        if (null != group)
        {
            out.addAll(group.ask(question, pump));
        }
        return out;
    }

    /** @return the numbers of every worker, summed. */
    Totals totals()
    {
        return Totals.sum(all(Totals::of));
    }
}
