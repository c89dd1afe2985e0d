package dev.jvs.bench;

import dev.jvs.schedulers.Destinations;
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
 * The baseline the indexed wlc is measured against: the kernel's {@code ip_vs_wlc_schedule} loop, a linear
 * scan over the same destinations with the same cross-multiplied comparison.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class KernelScanBaselineBenchmark
{
    @Param({"8", "100", "1000"})
    int servers;

    private Destinations d;

    /** Same service as the pick benchmark. */
    @Setup
    public void setup()
    {
        d = new SchedulerFixture("wlc", servers).dests;
    }

    /**
     * The kernel's wlc scan.
     *
     * @return the chosen destination.
     */
    @Benchmark
    public int wlcLinearScan()
    {
        final Destinations ds = d;
        final int n = ds.count();
        int p = 0;
        int least = -1;
        int loh = 0;
        for (; p < n; p++)
        {
            final int id = ds.idAt(p);
            if (!ds.isOverloaded(id) && ds.weight(id) > 0)
            {
                least = id;
                loh = ds.overhead(id);
                break;
            }
        }
        for (p = p + 1; p < n; p++)
        {
            final int id = ds.idAt(p);
            if (ds.isOverloaded(id))
            {
                continue;
            }
            final int doh = ds.overhead(id);
            if ((long)loh * ds.weight(id) > (long)doh * ds.weight(least))
            {
                least = id;
                loh = doh;
            }
        }
        return least;
    }
}
