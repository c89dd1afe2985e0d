package dev.jvs.bench;

import dev.jvs.engine.os.OffHeap;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * What the machine gives a random memory access, as a floor for the connection table's figures: one 8-byte
 * load from a random cache line of a region as big as the table at 10^3 and 10^7 connections, mapped as the
 * table is ({@link OffHeap}, huge pages advised). {@code chase}: each load's address depends on the previous
 * one (the latency). {@code independent}: sixteen loads whose addresses are known in advance (what the
 * CPU can overlap; a group prefetch of the table can do no better).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MemoryBaselineBenchmark
{
    private static final int GROUP = 16;
    private static final int KEYS = 1 << 16;

    /** Region size in MiB: 1 (the 10^3 table fits the caches) and 866 (the 10^7 table). */
    @Param({"1", "866"})
    int mib;

    private UnsafeBuffer region;
    private int lines;
    private final int[] offsets = new int[KEYS];
    private int next;
    private int i;

    /** Map the region and link its lines into one random cycle (for the chase). */
    @Setup
    public void setup()
    {
        region = OffHeap.allocate(mib << 20);
        lines = (mib << 20) / 64;
        final int[] order = new int[lines];
        for (int k = 0; k < lines; k++)
        {
            order[k] = k;
        }
        final SplittableRandom r = new SplittableRandom(3);
        for (int k = lines - 1; k > 0; k--)
        {
            final int j = r.nextInt(k + 1);
            final int t = order[k];
            order[k] = order[j];
            order[j] = t;
        }
        for (int k = 0; k < lines; k++)
        {
            region.putInt(order[k] * 64, order[(k + 1) % lines] * 64);
        }
        for (int k = 0; k < KEYS; k++)
        {
            offsets[k] = r.nextInt(lines) * 64;
        }
    }

    /**
     * @return the next line's offset.
     */
    @Benchmark
    public int chase()
    {
        next = region.getInt(next);
        return next;
    }

    /**
     * @return the loads folded.
     */
    @Benchmark
    @OperationsPerInvocation(GROUP)
    public long independent()
    {
        final int base = i;
        i += GROUP;
        long sink = 0;
        for (int b = 0; b < GROUP; b++)
        {
            sink += region.getInt(offsets[(base + b) & (KEYS - 1)]);
        }
        return sink;
    }
}
