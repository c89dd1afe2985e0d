package dev.jvs.bench;

import dev.jvs.engine.Counter;
import dev.jvs.engine.Counters;
import dev.jvs.engine.EngineConfig;
import dev.jvs.engine.Forwarder;
import dev.jvs.engine.Method;
import dev.jvs.engine.Neighbors;
import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.frame.Checksums;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * A SYN that opens a new connection: parse, classify, miss in both indexes, find the service, schedule (wlc
 * over 100 servers), insert, bind counters, run the state machine, rewrite (DR) and copy. Every SYN comes
 * from a new client port; each 500 ms iteration starts from an emptied table of 8 million entries, and an
 * iteration in which any SYN was dropped (a full table) fails the run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=3g"})
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
public class NewConnectionBenchmark
{
    private static final int CAPACITY = 8 << 20;

    private Forwarder fwd;
    private ConnectionTable table;
    private Counters counters;
    private UnsafeBuffer syn;
    private UnsafeBuffer group;
    private final UnsafeBuffer tx = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
    private int seq;
    private final long now = 1_000_000;
    private ServiceTable services;
    private Neighbors neighbors;
    private EngineConfig cfg;

    /** Workers sharing connection counts: 1 (none to share with) or 2 (each bind published to a cell). */
    @org.openjdk.jmh.annotations.Param({"1", "2"})
    public int workers;

    /** The service and the SYN template. */
    @Setup
    public void setup()
    {
        cfg = new EngineConfig();
        cfg.localMac = ForwardBenchmark.DIRECTOR_MAC;
        neighbors = new Neighbors();
        services = new ServiceTable(() -> 1);
        if (workers > 1)
        {
            services.share(new dev.jvs.engine.service.CountBoard(workers), 0);
        }
        final VirtualService s = services.add(6, ForwardBenchmark.VIP, 80, "wlc", 0, now);
        for (int r = 0; r < 100; r++)
        {
            final int rs = 0xC6130100 + r;
            neighbors.put(rs, 0x020000000100L + r);
            s.addRealServer(rs, 80, Method.DR, 1 + r % 5, 0, 0);
        }
        syn = ForwardBenchmark.frame(ForwardBenchmark.CLIENT_MAC, ForwardBenchmark.DIRECTOR_MAC, 0xC6120001, 1024,
            ForwardBenchmark.VIP, 80, 0x02, 0);
        group = new UnsafeBuffer(ByteBuffer.allocateDirect(Forwarder.GROUP * ForwardBenchmark.STRIDE));
        for (int g = 0; g < Forwarder.GROUP; g++)
        {
            group.putBytes(g * ForwardBenchmark.STRIDE, syn, 0, syn.capacity());
        }
    }

    /** An empty table for each iteration (allocated once: its pages are mapped before measuring). */
    @Setup(Level.Iteration)
    public void freshTable()
    {
        if (null == table)
        {
            table = new ConnectionTable(CAPACITY, 7, now);
        }
        table.clear();
        counters = new Counters();
        fwd = new Forwarder(cfg, services, table, neighbors, counters);
        for (final VirtualService s : services.all())
        {
            for (int p = 0; p < s.dests().count(); p++)
            {
                s.dests().counts(s.dests().idAt(p), 0, 0);
            }
        }
    }

    /** Fail the run if any measured SYN met a full table: the figure would not be a new connection's. */
    @TearDown(Level.Iteration)
    public void check()
    {
        if (counters.get(Counter.DROP_TABLE_FULL) > 0 || counters.drops() > 0)
        {
            throw new IllegalStateException("drops during the iteration: table full " +
                counters.get(Counter.DROP_TABLE_FULL) + ", all drops " + counters.drops());
        }
        System.out.printf(" [%d connections opened]", fwd.connections().size());
    }

    /**
     * Open one connection.
     *
     * @return bytes written.
     */
    @Benchmark
    public int newConnection()
    {
        nextSyn(syn, 0);
        return fwd.process(syn, 0, syn.capacity(), 0, tx, 0, tx.capacity(), now);
    }

    /**
     * Open a group of connections as a worker meets them: the group's lookups started together
     * ({@link Forwarder#prefetch}), then each SYN processed. The score is per connection.
     *
     * @return bytes written, summed.
     */
    @Benchmark
    @OperationsPerInvocation(Forwarder.GROUP)
    public int newConnectionGroup()
    {
        final int len = ForwardBenchmark.LENGTH - 6;
        for (int g = 0; g < Forwarder.GROUP; g++)
        {
            nextSyn(group, g * ForwardBenchmark.STRIDE);
            fwd.prefetch(g, group, g * ForwardBenchmark.STRIDE, len);
        }
        fwd.prefetchEntries(Forwarder.GROUP);
        int n = 0;
        for (int g = 0; g < Forwarder.GROUP; g++)
        {
            n += fwd.process(group, g * ForwardBenchmark.STRIDE, len, 0, tx, 0, tx.capacity(), now);
        }
        return n;
    }

    /** Give the SYN at {@code at} the next new 5-tuple: client address (in 198.18.0.0/15) and port. */
    private void nextSyn(final UnsafeBuffer f, final int at)
    {
        final int s = seq++;
        final int saddr = 0xC6120000 | ((s >>> 16) & 0x1FFFF);
        final int sport = s & 0xFFFF;
        final int oldAddr = f.getInt(at + 26, ByteOrder.BIG_ENDIAN);
        final int oldPort = f.getShort(at + 34, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        f.putInt(at + 26, saddr, ByteOrder.BIG_ENDIAN);
        f.putShort(at + 34, (short)sport, ByteOrder.BIG_ENDIAN);
        f.putShort(at + 24, (short)Checksums.update32(f.getShort(at + 24, ByteOrder.BIG_ENDIAN) & 0xFFFF, oldAddr,
            saddr), ByteOrder.BIG_ENDIAN);
        int c = Checksums.update32(f.getShort(at + 50, ByteOrder.BIG_ENDIAN) & 0xFFFF, oldAddr, saddr);
        c = Checksums.update16(c, oldPort, sport);
        f.putShort(at + 50, (short)c, ByteOrder.BIG_ENDIAN);
    }
}
