package dev.jvs.engine;

import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.frame.Checksums;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A forwarder over a small table with the test hosts of {@link Packets} as neighbours. */
final class EngineFixture
{
    final EngineConfig cfg = new EngineConfig();
    final ServiceTable services = new ServiceTable(() -> 4);
    final ConnectionTable conns;
    final Neighbors neighbors = new Neighbors();
    final Counters counters = new Counters();
    final Forwarder fwd;
    final UnsafeBuffer out = new UnsafeBuffer(new byte[4096]);
    long now = 1_000_000;

    EngineFixture()
    {
        this(1024);
    }

    EngineFixture(final int capacity)
    {
        cfg.localMac = Packets.DIRECTOR_MAC;
        cfg.localIp = Packets.DIRECTOR;
        neighbors.put(Packets.RS1, Packets.RS1_MAC);
        neighbors.put(Packets.RS2, Packets.RS2_MAC);
        neighbors.put(Packets.RS3, Packets.RS3_MAC);
        conns = new ConnectionTable(capacity, 99, now);
        fwd = new Forwarder(cfg, services, conns, neighbors, counters);
    }

    VirtualService tcp(final int port, final String scheduler)
    {
        return services.add(6, Packets.VIP, port, scheduler, 0, now);
    }

    /** @return the transmitted frame, or null. */
    byte[] send(final byte[] frame)
    {
        return send(frame, 0);
    }

    byte[] send(final byte[] frame, final int flags)
    {
        final int n = fwd.process(new UnsafeBuffer(frame), 0, frame.length, flags, out, 0, out.capacity(), now);
        return n > 0 ? Arrays.copyOf(out.byteArray(), n) : null;
    }

    /** @return every frame transmitted for one received frame (several: the fragments of a tunnelled one). */
    java.util.List<byte[]> sendAll(final byte[] frame)
    {
        final java.util.List<byte[]> sent = new java.util.ArrayList<>();
        int n = fwd.process(new UnsafeBuffer(frame), 0, frame.length, 0, out, 0, out.capacity(), now);
        while (n > 0)
        {
            sent.add(Arrays.copyOf(out.byteArray(), n));
            n = fwd.hasMoreFrames() ? fwd.nextFrame(out, 0, out.capacity()) : 0;
        }
        return sent;
    }

    long total()
    {
        long t = 0;
        for (final Counter c : Counter.values())
        {
            t += counters.get(c);
        }
        return t;
    }

    static UnsafeBuffer buf(final byte[] f)
    {
        return new UnsafeBuffer(f);
    }

    static long dstMac(final byte[] f)
    {
        return ((long)(buf(f).getShort(0, ByteOrder.BIG_ENDIAN) & 0xFFFF) << 32) |
            (buf(f).getInt(2, ByteOrder.BIG_ENDIAN) & 0xFFFFFFFFL);
    }

    static long srcMac(final byte[] f)
    {
        return ((long)(buf(f).getShort(6, ByteOrder.BIG_ENDIAN) & 0xFFFF) << 32) |
            (buf(f).getInt(8, ByteOrder.BIG_ENDIAN) & 0xFFFFFFFFL);
    }

    /** Assert the IPv4 header at {@code ip} and its TCP/UDP/ICMP payload have valid checksums. */
    static void assertChecksums(final byte[] f, final int ip)
    {
        final UnsafeBuffer b = buf(f);
        final int hl = Ipv4.headerLength(b, ip);
        assertEquals(0xFFFF, Checksums.fold(Checksums.sum(b, ip, hl, 0)), "IP header checksum");
        final int l4 = ip + hl;
        final int len = Ipv4.totalLength(b, ip) - hl;
        switch (Ipv4.protocol(b, ip))
        {
            case 6, 17 -> assertTrue(Checksums.verifyL4(b, ip, l4, len), "L4 checksum");
            case 1 -> assertEquals(0xFFFF, Checksums.fold(Checksums.sum(b, l4, len, 0)), "ICMP checksum");
            case 4 -> assertChecksums(f, l4);
            default -> { }
        }
    }
}
