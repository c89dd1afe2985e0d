package dev.jvs.bench;

import dev.jvs.engine.conn.ConnectionTable;
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
 * Connection table lookups at 10^3, 10^6 and 10^7 connections: a hit on a random connection, and a miss
 * (a key never inserted). Keys are drawn uniformly over the whole table, the worst case for caches: real
 * traffic revisits its flows. The table's off-heap size is printed at setup.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=3g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ConnectionLookupBenchmark
{
    private static final int KEYS = 1 << 16;
    private static final int BATCH = 16;

    @Param({"1000", "1000000", "10000000"})
    int connections;

    private ConnectionTable table;
    private final int[] hitAddr = new int[KEYS];
    private final int[] hitPort = new int[KEYS];
    private final int[] missAddr = new int[KEYS];
    private final int[] hashes = new int[BATCH];
    private int i;

    /** Fill the table. */
    @Setup
    public void setup()
    {
        table = new ConnectionTable(connections, 42, 0);
        for (int n = 0; n < connections; n++)
        {
            table.insert(6, 0xC6120000 | (n >>> 8), 1024 + (n & 0xFF), 0xC6130050, 80, 0xC613000B, 80,
                ConnectionTable.F_OUT_INDEXED, 900_000, 0);
        }
        final SplittableRandom r = new SplittableRandom(7);
        for (int k = 0; k < KEYS; k++)
        {
            final int n = r.nextInt(connections);
            hitAddr[k] = 0xC6120000 | (n >>> 8);
            hitPort[k] = 1024 + (n & 0xFF);
            missAddr[k] = 0xC6000000 | r.nextInt(1 << 16);   // 198.0.x.y: never inserted
        }
        System.out.printf("%n%d connections: %d MiB off-heap%n", connections, table.offHeapBytes() >> 20);
    }

    /**
     * @return the entry found.
     */
    @Benchmark
    public int hit()
    {
        final int k = i++ & (KEYS - 1);
        return table.lookupIn(6, hitAddr[k], hitPort[k], 0xC6130050, 80);
    }

    /**
     * Sixteen hits as a worker does them for a group of frames: every key hashed, then every key's index slot
     * and entry loaded in one short loop, then the sixteen lookups. The score is per lookup.
     *
     * @return the entries found, folded.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long hitBatch()
    {
        final int base = i;
        i += BATCH;
        long sink = 0;
        final int[] h = hashes;
        for (int b = 0; b < BATCH; b++)
        {
            final int k = (base + b) & (KEYS - 1);
            h[b] = table.hashIn(6, hitAddr[k], hitPort[k], 0xC6130050, 80);
        }
        for (int b = 0; b < BATCH; b++)
        {
            sink ^= table.touchEntry(false, h[b]);
        }
        for (int b = 0; b < BATCH; b++)
        {
            final int k = (base + b) & (KEYS - 1);
            sink += table.lookupIn(6, hitAddr[k], hitPort[k], 0xC6130050, 80);
        }
        return sink;
    }

    /**
     * @return -1.
     */
    @Benchmark
    public int miss()
    {
        final int k = i++ & (KEYS - 1);
        return table.lookupIn(6, missAddr[k], 1024, 0xC6130050, 80);
    }
}
