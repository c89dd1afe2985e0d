package dev.jvs.engine;

import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.service.VirtualService;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.jvs.engine.Packets.CLIENT_MAC;
import static dev.jvs.engine.Packets.DIRECTOR_MAC;
import static dev.jvs.engine.Packets.RS1;
import static dev.jvs.engine.Packets.RS1_MAC;
import static dev.jvs.engine.Packets.RS2;
import static dev.jvs.engine.Packets.VIP;
import static dev.jvs.engine.Packets.frame;
import static dev.jvs.engine.frame.Tcp.ACK;
import static dev.jvs.engine.frame.Tcp.FIN;
import static dev.jvs.engine.frame.Tcp.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Prefetch groups ({@link Forwarder#prefetch}, {@link Forwarder#prefetchEntries}) change what is loaded
 * early, never what is done: two identical directors, one taking frames in prefetch groups and one frame at a
 * time, transmit the same bytes and count the same, over a table big enough for prefetching to be on, for
 * established flows, NAT replies, new connections, truncated, corrupted, tagged and foreign frames.
 */
class PrefetchTest
{
    private static final int BASE = Ipv4.parse("198.18.0.0");
    private static final int CONNECTIONS = Forwarder.PREFETCH_MIN_CONNECTIONS + 1000;

    private static EngineFixture director()
    {
        final EngineFixture fx = new EngineFixture(1 << 16);
        final VirtualService s = fx.tcp(80, "rr");
        s.addRealServer(RS1, 80, Method.NAT, 1, 0, 0);
        s.addRealServer(RS2, 80, Method.DR, 1, 0, 0);
        fx.services.add(17, VIP, 53, "rr", 0, fx.now).addRealServer(RS2, 53, Method.DR, 1, 0, 0);
        for (int i = 0; i < CONNECTIONS; i++)
        {
            fx.send(frame().tcp(SYN).from(client(i), port(i)).build());
        }
        assertEquals(CONNECTIONS, fx.conns.size());
        return fx;
    }

    private static int client(final int i)
    {
        return BASE + (i & 0xFFFF);
    }

    private static int port(final int i)
    {
        return 1024 + (i >>> 16);
    }

    private static byte[] vlanTagged(final byte[] f)
    {
        final byte[] t = new byte[f.length + 4];
        System.arraycopy(f, 0, t, 0, 12);
        t[12] = (byte)0x81;
        t[14] = 0;
        t[15] = 7;
        System.arraycopy(f, 12, t, 16, f.length - 12);
        return t;
    }

    private static List<byte[]> traffic(final Random r)
    {
        final List<byte[]> frames = new ArrayList<>();
        for (int k = 0; k < 20_000; k++)
        {
            final int i = r.nextInt(CONNECTIONS + 2000);   // some beyond the open ones: new connections
            byte[] f;
            switch (r.nextInt(8))
            {
                case 0:
                    f = frame().tcp(ACK).from(RS1, 80).to(client(i), port(i)).macs(RS1_MAC, DIRECTOR_MAC)
                        .payload(r.nextInt(40)).build();
                    break;
                case 1:
                    f = frame().udp().from(client(i), port(i)).to(VIP, 53).payload(12).build();
                    break;
                case 2:
                    f = frame().tcp(SYN).from(client(i), port(i)).build();
                    break;
                case 3:
                    f = frame().tcp(FIN | ACK).from(client(i), port(i)).build();
                    break;
                case 4:
                    f = Arrays.copyOf(frame().tcp(ACK).from(client(i), port(i)).payload(20).build(), r.nextInt(75));
                    break;
                case 5:
                    f = frame().tcp(ACK).from(client(i), port(i)).payload(8).build();
                    for (int flips = 1 + r.nextInt(3); flips > 0; flips--)
                    {
                        f[r.nextInt(f.length)] = (byte)r.nextInt(256);
                    }
                    break;
                case 6:
                    f = r.nextBoolean() ? vlanTagged(frame().tcp(ACK).from(client(i), port(i)).build()) :
                        Packets.arpRequest(VIP);
                    break;
                default:
                    f = frame().tcp(ACK).from(client(i), port(i)).macs(CLIENT_MAC, DIRECTOR_MAC)
                        .payload(r.nextInt(100)).build();
                    break;
            }
            frames.add(f);
        }
        return frames;
    }

    @Test
    void groupsShouldTransmitAndCountExactlyAsSingleFrames()
    {
        final EngineFixture grouped = director();
        final EngineFixture single = director();
        final Random r = new Random(20261126L);
        final List<byte[]> frames = traffic(r);
        final UnsafeBuffer[] bufs = new UnsafeBuffer[Forwarder.GROUP];
        int at = 0;
        while (at < frames.size())
        {
            final int g = Math.min(frames.size() - at, 1 + r.nextInt(Forwarder.GROUP));
            final long countedBefore = grouped.total();
            for (int j = 0; j < g; j++)
            {
                final byte[] f = frames.get(at + j);
                bufs[j] = new UnsafeBuffer(f);
                grouped.fwd.prefetch(j, bufs[j], 0, f.length);
            }
            grouped.fwd.prefetchEntries(g);
            assertEquals(countedBefore, grouped.total(), "prefetching counts nothing");
            for (int j = 0; j < g; j++)
            {
                final byte[] f = frames.get(at + j);
                final int n = grouped.fwd.process(bufs[j], 0, f.length, 0, grouped.out, 0, grouped.out.capacity(),
                    grouped.now);
                final byte[] expected = single.send(f);
                final byte[] got = n > 0 ? Arrays.copyOf(grouped.out.byteArray(), n) : null;
                assertArrayEquals(expected, got, "frame " + (at + j));
            }
            at += g;
        }
        for (final Counter c : Counter.values())
        {
            assertEquals(single.counters.get(c), grouped.counters.get(c), c.name());
        }
        assertEquals(single.conns.size(), grouped.conns.size());
    }
}
