package dev.jvs.engine.io;

import dev.jvs.engine.frame.Ipv4;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fanout program, run by a classic BPF interpreter the way the kernel runs it on an skb. */
class FanoutTest
{
    private static final int VIP = Ipv4.parse("198.18.0.100");
    private static final int RS1 = Ipv4.parse("198.18.1.11");
    private static final int RS2 = Ipv4.parse("198.18.1.12");
    private static final int ROUTER = Ipv4.parse("198.18.0.254");

    /** Runs cBPF over the network header as {@code fanout_demux_bpf} does; returns ret % n. */
    static int run(final int[][] prog, final int ethertype, final byte[] ip, final int n)
    {
        final ByteBuffer b = ByteBuffer.wrap(ip);
        int a = 0;
        int x = 0;
        for (int pc = 0; pc < prog.length; pc++)
        {
            final int[] in = prog[pc];
            final int k = in[3];
            final boolean load = Fanout.LD_W_ABS == in[0] && Fanout.SKF_AD_PROTOCOL != k || Fanout.LD_B_ABS == in[0] ||
                Fanout.LD_W_IND == in[0] || Fanout.LD_B_IND == in[0];
            final int at = (Fanout.LD_W_IND == in[0] || Fanout.LD_B_IND == in[0] ? x : 0) + k - Fanout.SKF_NET_OFF;
            final int size = Fanout.LD_W_ABS == in[0] || Fanout.LD_W_IND == in[0] ? 4 : 1;
            if (load && (at < 0 || at + size > ip.length))
            {
                return 0; // the kernel's cBPF: a load past the packet ends the program with 0
            }
            switch (in[0])
            {
                case 0x00 -> a = k;
                case Fanout.TAX -> x = a;
                case Fanout.ALU_XOR_X -> a ^= x;
                case Fanout.LD_W_ABS -> a = Fanout.SKF_AD_PROTOCOL == k ? ethertype : b.getInt(k - Fanout.SKF_NET_OFF);
                case Fanout.LD_B_ABS -> a = b.get(k - Fanout.SKF_NET_OFF) & 0xFF;
                case Fanout.LD_W_IND -> a = b.getInt(x + k - Fanout.SKF_NET_OFF);
                case Fanout.LD_B_IND -> a = b.get(x + k - Fanout.SKF_NET_OFF) & 0xFF;
                case Fanout.LDX_B_MSH -> x = (b.get(k - Fanout.SKF_NET_OFF) & 0xF) * 4;
                case Fanout.ALU_AND_K -> a &= k;
                case Fanout.ALU_MUL_K -> a *= k;
                case Fanout.ALU_RSH_K -> a >>>= k;
                case Fanout.JA ->
                {
                    assertTrue(k >= 0, "classic BPF jumps only forward");
                    pc += k;
                }
                case Fanout.JEQ_K ->
                {
                    assertTrue(in[1] <= 255 && in[2] <= 255);
                    pc += a == k ? in[1] : in[2];
                }
                case Fanout.RET_K -> { return Integer.remainderUnsigned(k, n); }
                case Fanout.RET_A -> { return Integer.remainderUnsigned(a, n); }
                default -> throw new AssertionError("opcode " + in[0]);
            }
        }
        throw new AssertionError("fell off the end");
    }

    static byte[] ip(final int proto, final int src, final int dst, final byte[] payload)
    {
        final ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
        b.put((byte)0x45).put((byte)0).putShort((short)(20 + payload.length)).putInt(0).put((byte)64)
            .put((byte)proto).putShort((short)0).putInt(src).putInt(dst).put(payload);
        return b.array();
    }

    static byte[] icmpError(final int type, final byte[] quoted)
    {
        final byte[] p = new byte[8 + quoted.length];
        p[0] = (byte)type;
        System.arraycopy(quoted, 0, p, 8, quoted.length);
        return p;
    }

    @Test
    void everyFrameOfAClientGoesToItsWorker()
    {
        final int[][] prog = Fanout.program(-1, new int[] {RS1, RS2});
        final SplittableRandom r = new SplittableRandom(7);
        for (int n = 1; n <= 8; n++)
        {
            final int[] seen = new int[n];
            for (int i = 0; i < 2000; i++)
            {
                final int client = Ipv4.parse("198.18.0.0") | r.nextInt(1 << 15);
                final int w = Fanout.worker(client, -1, n);
                seen[w]++;
                final byte[] seg = new byte[20];
                assertEquals(w, run(prog, 0x0800, ip(6, client, VIP, seg), n), "request");
                assertEquals(w, run(prog, 0x0800, ip(6, RS1, client, seg), n), "NAT reply");
                assertEquals(w, run(prog, 0x0800, ip(17, RS2, client, seg), n), "NAT reply, UDP");
                // Errors about a reply (VIP to client) from a router, and about a request forwarded to a
                // NAT real server.
                assertEquals(w, run(prog, 0x0800, ip(1, ROUTER, VIP, icmpError(3, ip(6, VIP, client, seg))), n));
                assertEquals(w, run(prog, 0x0800, ip(1, ROUTER, client, icmpError(11, ip(6, client, RS2, seg))), n));
                // A router on a TUN path, about our IPIP packet to a real server: by the client inside.
                final byte[] tunnelled = ip(4, Ipv4.parse("198.19.0.2"), RS2, ip(6, client, VIP, seg));
                assertEquals(w, run(prog, 0x0800, ip(1, ROUTER, Ipv4.parse("198.19.0.2"), icmpError(3, tunnelled)), n));
                // Echo requests go by their source like any request.
                assertEquals(w, run(prog, 0x0800, ip(1, client, VIP, icmpError(8, new byte[0])), n));
            }
            for (int w = 0; w < n; w++)
            {
                assertTrue(seen[w] > 2000 / n / 2, "worker " + w + " of " + n + " gets its share: " + seen[w]);
            }
        }
    }

    @Test
    void controlFramesGoToWorkerZero()
    {
        final int[][] prog = Fanout.program(-1, new int[] {RS1});
        final int client = Ipv4.parse("198.18.0.77");
        assertEquals(0, run(prog, 0x0806, new byte[28], 4), "ARP");
        assertEquals(0, run(prog, 0x86DD, new byte[40], 4), "IPv6 with next header 0 from ::");
        assertEquals(0, run(prog, 0x0800, ip(112, client, Ipv4.parse("224.0.0.18"), new byte[20]), 4), "VRRP");
        assertEquals(0, run(prog, 0x0800, ip(112, client, VIP, new byte[20]), 4), "unicast VRRP");
        assertEquals(0, run(prog, 0x0800, ip(17, client, Ipv4.parse("224.0.0.81"), new byte[8]), 4), "sync");
    }

    @Test
    void persistenceGranularityKeepsANetworkTogether()
    {
        final int mask = 0xFFFFFF00;
        final int[][] prog = Fanout.program(mask, new int[0]);
        final int w = Fanout.worker(Ipv4.parse("198.18.3.0"), mask, 4);
        for (int host = 0; host < 256; host++)
        {
            assertEquals(w, run(prog, 0x0800, ip(6, Ipv4.parse("198.18.3.0") | host, VIP, new byte[20]), 4));
        }
    }

    private static final dev.jvs.engine.frame.IpAddress VIP6 = dev.jvs.engine.frame.IpAddress.parse("2001:2::80");
    private static final dev.jvs.engine.frame.IpAddress RS6 = dev.jvs.engine.frame.IpAddress.parse("2001:2:1::11");

    static byte[] ip6(final int nh, final dev.jvs.engine.frame.IpAddress src, final dev.jvs.engine.frame.IpAddress dst,
        final byte[] payload)
    {
        final ByteBuffer b = ByteBuffer.allocate(40 + payload.length);
        b.putInt(0x6000_0000).putShort((short)payload.length).put((byte)nh).put((byte)64);
        b.putLong(src.hi()).putLong(src.lo()).putLong(dst.hi()).putLong(dst.lo()).put(payload);
        return b.array();
    }

    private static dev.jvs.engine.frame.IpAddress client6(final SplittableRandom r)
    {
        return new dev.jvs.engine.frame.IpAddress(true, 0x2001_0002_0005_0000L | r.nextInt(0x10000), r.nextLong());
    }

    /**
     * IPv6 goes by the client's fold as IPv4 by its address: a request by its source, a NAT real server's reply
     * by its destination, an ICMPv6 error by the packet it quotes (the client inside our ip6ip6), each to the
     * worker {@link Fanout#worker6} names; VRRP, neighbour discovery and multicast to worker 0.
     */
    @Test
    void ipv6FramesOfAClientGoToItsWorker()
    {
        final int[][] prog = Fanout.program(-1, new int[0], 128, new int[] {RS6.fold()});
        final SplittableRandom r = new SplittableRandom(11);
        final int n = 4;
        final int[] seen = new int[n];
        for (int i = 0; i < 1000; i++)
        {
            final dev.jvs.engine.frame.IpAddress c = client6(r);
            final int w = Fanout.worker6(c.hi(), c.lo(), 128, n);
            seen[w]++;
            assertEquals(w, run(prog, 0x86DD, ip6(6, c, VIP6, new byte[20]), n), "request");
            assertEquals(w, run(prog, 0x86DD, ip6(6, RS6, c, new byte[20]), n), "NAT reply");
            final byte[] sent = ip6(6, VIP6, c, new byte[20]);
            assertEquals(w, run(prog, 0x86DD, ip6(58, dev.jvs.engine.frame.IpAddress.parse("2001:2::1"), RS6,
                icmpError(2, sent)), n), "packet too big about a reply");
            final byte[] toServer = ip6(6, c, RS6, new byte[20]);
            assertEquals(w, run(prog, 0x86DD, ip6(58, RS6, c, icmpError(1, toServer)), n),
                "unreachable about a NAT request");
            final byte[] tunnelled = ip6(41, dev.jvs.engine.frame.IpAddress.parse("2001:2::2"), RS6,
                ip6(6, c, VIP6, new byte[20]));
            assertEquals(w, run(prog, 0x86DD, ip6(58, dev.jvs.engine.frame.IpAddress.parse("2001:2::1"),
                dev.jvs.engine.frame.IpAddress.parse("2001:2::2"), icmpError(2, tunnelled)), n), "our ip6ip6");
        }
        for (int w = 0; w < n; w++)
        {
            assertTrue(seen[w] > 1000 / n / 2, "worker " + w + " gets its share: " + seen[w]);
        }
        final dev.jvs.engine.frame.IpAddress c = client6(r);
        assertEquals(0, run(prog, 0x86DD, ip6(112, c, dev.jvs.engine.frame.IpAddress.parse("ff02::12"),
            new byte[40]), n), "VRRP");
        assertEquals(0, run(prog, 0x86DD, ip6(58, c, VIP6, new byte[] {(byte)135, 0, 0, 0, 0, 0, 0, 0}), n),
            "a neighbour solicitation");
        assertEquals(0, run(prog, 0x86DD, ip6(17, c, dev.jvs.engine.frame.IpAddress.parse("ff02::1"),
            new byte[8]), n), "multicast");
    }

    @Test
    void anIpv6PersistencePrefixKeepsANetworkTogether()
    {
        final int[][] prog = Fanout.program(-1, new int[0], 56, new int[0]);
        final SplittableRandom r = new SplittableRandom(3);
        final long net = 0x2001_0002_0005_0700L;
        final int w = Fanout.worker6(net, 0, 56, 4);
        for (int i = 0; i < 200; i++)
        {
            final dev.jvs.engine.frame.IpAddress c = new dev.jvs.engine.frame.IpAddress(true,
                net | r.nextInt(0x100), r.nextLong());
            assertEquals(w, run(prog, 0x86DD, ip6(6, c, VIP6, new byte[20]), 4));
        }
        final java.util.Set<Integer> spread = new java.util.HashSet<>();
        for (int i = 0; i < 64; i++)
        {
            spread.add(run(prog, 0x86DD, ip6(6, new dev.jvs.engine.frame.IpAddress(true, net + ((long)i << 8), 1),
                VIP6, new byte[20]), 4));
        }
        assertTrue(spread.size() > 1, "other /56 networks spread");
    }

    @Test
    void tooManyServersIsAClearError()
    {
        final int[] many = new int[2100];
        for (int i = 0; i < many.length; i++)
        {
            many[i] = RS1 + i;
        }
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> Fanout.program(-1, many));
        assertTrue(ex.getMessage().contains("NAT real servers"), ex.getMessage());
        final int[][] prog = Fanout.program(-1, java.util.Arrays.copyOf(many, 1000));
        final int client = Ipv4.parse("198.18.9.9");
        assertEquals(Fanout.worker(client, -1, 3), run(prog, 0x0800, ip(6, many[999], client, new byte[20]), 3));
    }
}
