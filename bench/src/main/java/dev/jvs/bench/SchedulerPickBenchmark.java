package dev.jvs.bench;

import dev.jvs.schedulers.Destinations;
import dev.jvs.schedulers.Flow;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The cost of choosing a real server for a new connection, for every scheduler at 8, 100 and 1000 servers;
 * and the cost of the counter updates the least-connection index adds to a connection's life.
 * Run with {@code -prof gc}: every figure must be 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SchedulerPickBenchmark
{
    @Param({"rr", "wrr", "lc", "wlc", "sed", "nq", "fo", "ovf", "sh", "dh", "mh", "lblc", "lblcr", "twos"})
    String scheduler;

    @Param({"8", "100", "1000"})
    int servers;

    private SchedulerFixture fx;
    private int i;

    /** Build the service. */
    @Setup
    public void setup()
    {
        fx = new SchedulerFixture(scheduler, servers);
    }

    /**
     * One pick for a new flow.
     *
     * @return the chosen destination.
     */
    @Benchmark
    public int pick()
    {
        return fx.scheduler.pick(fx.flows[i++ & SchedulerFixture.FLOW_MASK]);
    }

    /**
     * A connection's whole effect on the scheduler: pick, bind (inactive), establish, close.
     *
     * @return the chosen destination.
     */
    @Benchmark
    public int connectionLifecycle()
    {
        final Flow f = fx.flows[i++ & SchedulerFixture.FLOW_MASK];
        final Destinations d = fx.dests;
        final int id = fx.scheduler.pick(f);
        if (id >= 0)
        {
            d.bind(id, Destinations.CONN_INACTIVE);
            d.activate(id);
            d.unbind(id, Destinations.CONN_ACTIVE);
        }
        return id;
    }
}
