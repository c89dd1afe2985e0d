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
            switch (in[0])
            {
                case Fanout.LD_W_ABS -> a = Fanout.SKF_AD_PROTOCOL == k ? ethertype : b.getInt(k - Fanout.SKF_NET_OFF);
                case Fanout.LD_B_ABS -> a = b.get(k - Fanout.SKF_NET_OFF) & 0xFF;
                case Fanout.LD_W_IND -> a = b.getInt(x + k - Fanout.SKF_NET_OFF);
                case Fanout.LD_B_IND -> a = b.get(x + k - Fanout.SKF_NET_OFF) & 0xFF;
                case Fanout.LDX_B_MSH -> x = (b.get(k - Fanout.SKF_NET_OFF) & 0xF) * 4;
                case Fanout.ALU_AND_K -> a &= k;
                case Fanout.ALU_MUL_K -> a *= k;
                case Fanout.ALU_RSH_K -> a >>>= k;
                case Fanout.JA -> pc += k;
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
        assertEquals(0, run(prog, 0x86DD, new byte[40], 4), "IPv6");
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
