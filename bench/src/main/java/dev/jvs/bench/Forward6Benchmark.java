package dev.jvs.bench;

import dev.jvs.engine.Counters;
import dev.jvs.engine.EngineConfig;
import dev.jvs.engine.Forwarder;
import dev.jvs.engine.Method;
import dev.jvs.engine.Neighbors;
import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.frame.Ipv6;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import org.agrona.concurrent.UnsafeBuffer;
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

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * {@link ForwardBenchmark}'s measure for IPv6: one frame of an established flow (an ACK with 6 bytes of data,
 * 80 bytes) through the IPv6 path, DR, NAT towards the server and the NAT reply, clients spread over a /64.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class Forward6Benchmark
{
    static final IpAddress VIP = IpAddress.parse("2001:2::80");
    static final IpAddress RS = IpAddress.parse("2001:2::11");
    static final long CLIENT_HI = IpAddress.parse("2001:2:1::").hi();
    static final int STRIDE = 128;
    static final int LENGTH = 14 + 40 + 20 + 6;

    @Param({"DR", "NAT", "NAT_REPLY"})
    String path;

    /** Established flows: a power of two. */
    @Param({"1024", "1048576"})
    int flows;

    private Forwarder fwd;
    private UnsafeBuffer frames;
    private final UnsafeBuffer tx = new UnsafeBuffer(ByteBuffer.allocateDirect(2048));
    private int i;
    private final long now = 1_000_000;

    /** Build the service and establish the flows. */
    @Setup
    public void setup()
    {
        final EngineConfig cfg = new EngineConfig();
        cfg.localMac = ForwardBenchmark.DIRECTOR_MAC;
        final Neighbors n = new Neighbors();
        n.put6(RS, ForwardBenchmark.RS_MAC);
        final ServiceTable services = new ServiceTable(() -> 1);
        final int method = "DR".equals(path) ? Method.DR : Method.NAT;
        final VirtualService s = services.add(6, VIP, 80, "wlc", 0, now);
        s.addRealServer(RS, 80, method, 1, 0, 0);
        fwd = new Forwarder(cfg, services, new ConnectionTable(Math.max(1 << 16, 2 * flows), 42, now), n,
            new Counters());
        frames = new UnsafeBuffer(ByteBuffer.allocateDirect(flows * STRIDE));
        for (int f = 0; f < flows; f++)
        {
            final IpAddress client = new IpAddress(true, CLIENT_HI, 0x100L + f);
            send(frame(ForwardBenchmark.CLIENT_MAC, client, 40000, VIP, 80, 0x02, 0));
            if (Method.NAT == method)
            {
                send(frame(ForwardBenchmark.RS_MAC, RS, 80, client, 40000, 0x12, 0));
            }
            send(frame(ForwardBenchmark.CLIENT_MAC, client, 40000, VIP, 80, 0x10, 0));
            final UnsafeBuffer data = "NAT_REPLY".equals(path) ?
                frame(ForwardBenchmark.RS_MAC, RS, 80, client, 40000, 0x18, 6) :
                frame(ForwardBenchmark.CLIENT_MAC, client, 40000, VIP, 80, 0x18, 6);
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

    static UnsafeBuffer frame(final long src, final IpAddress saddr, final int sport, final IpAddress daddr,
        final int dport, final int flags, final int payload)
    {
        final long dst = ForwardBenchmark.DIRECTOR_MAC;
        final int len = 14 + 40 + 20 + payload;
        final ByteBuffer b = ByteBuffer.allocateDirect(len).order(ByteOrder.BIG_ENDIAN);
        b.putShort((short)(dst >>> 32)).putInt((int)dst).putShort((short)(src >>> 32)).putInt((int)src);
        b.putShort((short)0x86DD);
        b.putInt(0x6000_0000).putShort((short)(20 + payload)).put((byte)6).put((byte)64);
        b.putLong(saddr.hi()).putLong(saddr.lo()).putLong(daddr.hi()).putLong(daddr.lo());
        b.putShort((short)sport).putShort((short)dport).putInt(1).putInt(1).put((byte)0x50).put((byte)flags)
            .putShort((short)65535).putShort((short)0).putShort((short)0);
        for (int k = 0; k < payload; k++)
        {
            b.put((byte)k);
        }
        final UnsafeBuffer u = new UnsafeBuffer(b);
        Ipv6.fillChecksum(u, 14, 54, 20 + payload, 6, 16);
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
}
