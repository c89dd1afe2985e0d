package dev.jvs.engine;

import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.frame.Tcp;
import dev.jvs.engine.io.Sender;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.jvs.engine.EngineFixture.assertChecksums;
import static dev.jvs.engine.EngineFixture.dstMac;
import static dev.jvs.engine.EngineFixture.srcMac;
import static dev.jvs.engine.Packets.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A director on two ports: the public one (port 0) where clients reach the VIP through a router, the private
 * one (port 1) where the real servers are. Frames leave by the port the routes say, from that port's MAC.
 */
class TwoArmedTest
{
    private static final long PUBLIC_MAC = 0x020000000a01L;
    private static final long PRIVATE_MAC = 0x020000000b01L;
    private static final long ROUTER_MAC = 0x0200000000feL;
    private static final int PUBLIC_IP = Ipv4.parse("198.18.0.2");
    private static final int PRIVATE_IP = Ipv4.parse("198.19.0.254");
    private static final int ROUTER = Ipv4.parse("198.18.0.1");

    private final EngineFixture fx = new EngineFixture();
    private final FakeSender[] ports = {new FakeSender(), new FakeSender()};
    private final Egress egress = Egress.of(ports);

    TwoArmedTest()
    {
        fx.cfg.ports(new long[] {PUBLIC_MAC, PRIVATE_MAC}, new int[] {PUBLIC_IP, PRIVATE_IP}, new int[] {1500, 1500});
        fx.neighbors.put(ROUTER, ROUTER_MAC);
        fx.fwd.routes(new Routes(List.of(new Routes.Route(Ipv4.parse("198.19.0.0"), 24, 1, 0),
            new Routes.Route(Ipv4.parse("198.18.0.0"), 24, 0, 0), new Routes.Route(0, 0, 0, ROUTER))));
    }

    private int send(final byte[] f, final int inPort)
    {
        final int n = fx.fwd.process(new UnsafeBuffer(f), 0, f.length, 0, inPort, egress, fx.now);
        if (n > 0)
        {
            ports[egress.port()].commit(n);
        }
        return n;
    }

    @Test
    void natShouldCrossFromThePublicPortToThePrivateOneAndBack()
    {
        fx.tcp(80, "rr").addRealServer(Packets.RS1, 8080, Method.NAT, 1, 0, 0);
        final int client = Ipv4.parse("198.51.100.7");
        send(frame().tcp(Tcp.SYN).from(client, 40000).macs(ROUTER_MAC, PUBLIC_MAC).build(), 0);
        assertEquals(0, ports[0].frames.size(), "nothing back on the public side");
        final byte[] in = ports[1].frames.get(0);
        assertEquals(Packets.RS1_MAC, dstMac(in), "to the real server on the private side");
        assertEquals(PRIVATE_MAC, srcMac(in), "from the private port's MAC");
        assertEquals(Packets.RS1, Ipv4.dst(new UnsafeBuffer(in), 14));
        assertChecksums(in, 14);

        send(frame().tcp(Tcp.SYN | Tcp.ACK).from(Packets.RS1, 8080).to(client, 40000)
            .macs(Packets.RS1_MAC, PRIVATE_MAC).build(), 1);
        final byte[] out = ports[0].frames.get(0);
        assertEquals(ROUTER_MAC, dstMac(out), "the reply goes back by the router the request came from");
        assertEquals(PUBLIC_MAC, srcMac(out), "from the public port's MAC");
        assertEquals(Packets.VIP, Ipv4.src(new UnsafeBuffer(out), 14));
        assertChecksums(out, 14);
    }

    @Test
    void tunShouldEncapsulateFromThePrivatePortsAddress()
    {
        fx.tcp(80, "rr").addRealServer(Packets.RS2, 80, Method.TUN, 1, 0, 0);
        send(frame().tcp(Tcp.SYN).macs(ROUTER_MAC, PUBLIC_MAC).build(), 0);
        final byte[] f = ports[1].frames.get(0);
        assertEquals(PRIVATE_MAC, srcMac(f));
        assertEquals(PRIVATE_IP, Ipv4.src(new UnsafeBuffer(f), 14), "outer source: the director on that side");
        assertEquals(Packets.RS2, Ipv4.dst(new UnsafeBuffer(f), 14));
    }

    @Test
    void aTtlExpiredOnTheWayInShouldGoBackByThePublicPort()
    {
        fx.tcp(80, "rr").addRealServer(Packets.RS1, 80, Method.DR, 1, 0, 0);
        final byte[] syn = frame().tcp(Tcp.SYN).macs(ROUTER_MAC, PUBLIC_MAC).build();
        syn[14 + 8] = 1;
        syn[14 + 10] = 0;
        syn[14 + 11] = 0;
        final UnsafeBuffer b = new UnsafeBuffer(syn);
        Ipv4.fillChecksum(b, 14);
        send(syn, 0);
        assertEquals(0, ports[1].frames.size());
        final byte[] icmp = ports[0].frames.get(0);
        assertEquals(1, Ipv4.protocol(new UnsafeBuffer(icmp), 14), "ICMP time exceeded");
        assertEquals(PUBLIC_MAC, srcMac(icmp));
    }

    @Test
    void noRouteShouldBeACountedDrop()
    {
        fx.fwd.routes(new Routes(List.of(new Routes.Route(Ipv4.parse("198.18.0.0"), 24, 0, 0))));
        fx.tcp(80, "rr").addRealServer(Packets.RS1, 80, Method.DR, 1, 0, 0);
        send(frame().tcp(Tcp.SYN).macs(ROUTER_MAC, PUBLIC_MAC).build(), 0);
        assertTrue(ports[0].frames.isEmpty() && ports[1].frames.isEmpty());
        assertEquals(1, fx.counters.get(Counter.DROP_NO_ROUTE));
    }

    /** A transmitter that keeps what it is given. */
    private static final class FakeSender implements Sender
    {
        final UnsafeBuffer slot = new UnsafeBuffer(new byte[SLOT_SIZE]);
        final List<byte[]> frames = new ArrayList<>();

        @Override
        public UnsafeBuffer buffer()
        {
            return slot;
        }

        @Override
        public int slotOffset()
        {
            return 0;
        }

        @Override
        public boolean isFull()
        {
            return false;
        }

        @Override
        public void commit(final int length)
        {
            frames.add(Arrays.copyOf(slot.byteArray(), length));
        }

        @Override
        public int flush()
        {
            return 0;
        }

        @Override
        public void close()
        {
        }
    }
}
