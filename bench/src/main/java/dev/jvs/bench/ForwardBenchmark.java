package dev.jvs.bench;

import dev.jvs.engine.Counters;
import dev.jvs.engine.EngineConfig;
import dev.jvs.engine.Forwarder;
import dev.jvs.engine.Method;
import dev.jvs.engine.Neighbors;
import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.frame.Checksums;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
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

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * One frame of an established flow through the engine, from the received frame to the frame written in the
 * TX buffer (parse, checksum check, lookup, state, rewrite, copy): DR, NAT towards the server, NAT reply
 * towards the client, and TUN. 60-byte TCP frames (an ACK with 6 bytes of data) laid out one after another
 * as in a receive ring, one per flow, cycled. {@code forward} takes one frame at a time; {@code forwardGroup}
 * takes them as a worker does, in groups of {@link Forwarder#GROUP} whose connection lookups are started
 * together ({@link Forwarder#prefetch}) before the frames are processed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ForwardBenchmark
{
    static final long CLIENT_MAC = 0x020000000001L;
    static final long DIRECTOR_MAC = 0x020000000002L;
    static final long RS_MAC = 0x020000000011L;
    static final int VIP = 0xC6130050;        // 198.19.0.80
    static final int RS = 0xC613000B;         // 198.19.0.11
    static final int DIRECTOR = 0xC6130002;   // 198.19.0.2
    static final int STRIDE = 64;
    static final int LENGTH = 14 + 20 + 20 + 6;

    @Param({"DR", "NAT", "NAT_REPLY", "TUN"})
    String path;

    /** Established flows: a power of two. */
    @Param({"1024", "16384", "1048576"})
    int flows;

    private Forwarder fwd;
    private UnsafeBuffer frames;
    private final UnsafeBuffer tx = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
    private int i;
    private long now = 1_000_000;

    /** Build the service and establish the flows. */
    @Setup
    public void setup()
    {
        final EngineConfig cfg = new EngineConfig();
        cfg.localMac = DIRECTOR_MAC;
        cfg.localIp = DIRECTOR;
        final Neighbors n = new Neighbors();
        n.put(RS, RS_MAC);
        final ServiceTable services = new ServiceTable(() -> 1);
        final int method = "DR".equals(path) ? Method.DR : "TUN".equals(path) ? Method.TUN : Method.NAT;
        final VirtualService s = services.add(6, VIP, 80, "wlc", 0, now);
        s.addRealServer(RS, 80, method, 1, 0, 0);
        if (Integer.bitCount(flows) != 1)
        {
            throw new IllegalArgumentException("flows must be a power of two: " + flows);
        }
        fwd = new Forwarder(cfg, services, new ConnectionTable(Math.max(1 << 16, 2 * flows), 42, now), n,
            new Counters());
        frames = new UnsafeBuffer(ByteBuffer.allocateDirect(flows * STRIDE));
        for (int f = 0; f < flows; f++)
        {
            final int client = 0xC6120000 | (f & 0x1FFFF);   // 198.18.0.0/15
            final int port = 40000 + (f >>> 17);
            send(frame(CLIENT_MAC, DIRECTOR_MAC, client, port, VIP, 80, 0x02, 0));
            if (Method.NAT == method)
            {
                send(frame(RS_MAC, DIRECTOR_MAC, RS, 80, client, port, 0x12, 0));
            }
            send(frame(CLIENT_MAC, DIRECTOR_MAC, client, port, VIP, 80, 0x10, 0));
            final UnsafeBuffer data = "NAT_REPLY".equals(path) ?
                frame(RS_MAC, DIRECTOR_MAC, RS, 80, client, port, 0x18, 6) :
                frame(CLIENT_MAC, DIRECTOR_MAC, client, port, VIP, 80, 0x18, 6);
            frames.putBytes(f * STRIDE, data, 0, data.capacity());
        }
        for (int f = 0; f < flows; f++)
        {
            if (0 == fwd.process(frames, f * STRIDE, LENGTH, 0, tx, 0, tx.capacity(), now))
            {
                throw new IllegalStateException("setup did not establish flow " + f);
            }
        }
    }

    private void send(final UnsafeBuffer f)
    {
        fwd.process(f, 0, f.capacity(), 0, tx, 0, tx.capacity(), now);
    }

    static UnsafeBuffer frame(final long src, final long dst, final int saddr, final int sport, final int daddr,
        final int dport, final int flags, final int payload)
    {
        final int len = 14 + 20 + 20 + payload;
        final ByteBuffer b = ByteBuffer.allocateDirect(len).order(ByteOrder.BIG_ENDIAN);
        b.putShort((short)(dst >>> 32)).putInt((int)dst).putShort((short)(src >>> 32)).putInt((int)src);
        b.putShort((short)0x0800);
        b.put((byte)0x45).put((byte)0).putShort((short)(len - 14)).putShort((short)1).putShort((short)0x4000);
        b.put((byte)64).put((byte)6).putShort((short)0).putInt(saddr).putInt(daddr);
        b.putShort((short)sport).putShort((short)dport).putInt(1).putInt(1).put((byte)0x50).put((byte)flags)
            .putShort((short)65535).putShort((short)0).putShort((short)0);
        for (int k = 0; k < payload; k++)
        {
            b.put((byte)k);
        }
        final UnsafeBuffer u = new UnsafeBuffer(b);
        Ipv4.fillChecksum(u, 14);
        Checksums.fillL4(u, 14, 34, 20 + payload, 16, false);
        return u;
    }

    /**
     * Forward one frame.
     *
     * @return bytes written for transmission.
     */
    @Benchmark
    public int forward()
    {
        return fwd.process(frames, (i++ & (flows - 1)) * STRIDE, LENGTH, 0, tx, 0, tx.capacity(), now);
    }

    /**
     * Forward a group of frames as a worker does: start every lookup of the group, then process each frame.
     * The score is per frame.
     *
     * @return bytes written for transmission, summed.
     */
    @Benchmark
    @OperationsPerInvocation(Forwarder.GROUP)
    public int forwardGroup()
    {
        final int base = i;
        i += Forwarder.GROUP;
        final int mask = flows - 1;
        for (int g = 0; g < Forwarder.GROUP; g++)
        {
            fwd.prefetch(g, frames, ((base + g) & mask) * STRIDE, LENGTH);
        }
        fwd.prefetchEntries(Forwarder.GROUP);
        int n = 0;
        for (int g = 0; g < Forwarder.GROUP; g++)
        {
            n += fwd.process(frames, ((base + g) & mask) * STRIDE, LENGTH, 0, tx, 0, tx.capacity(), now);
        }
        return n;
    }
}
