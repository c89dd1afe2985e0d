package dev.jvs.engine.io;

import com.sun.jna.Memory;
import dev.jvs.engine.os.LibC;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Several workers on one interface: their sockets join one PACKET_FANOUT group, and a classic BPF program
 * chooses the worker of every frame, so that each worker owns whole clients and needs no lock.
 *
 * <p>The kernel's flow hash cannot do it: a NAT reply (real server to client) hashes apart from its request
 * (client to VIP), and a persistence template covers all of a client's connections. So the program keys on
 * the <em>client</em> address (the source of a request; the destination of a frame from a NAT real server),
 * masked by the coarsest persistence granularity, and returns
 * {@code ((key & mask) * 0x9E3779B1) >>> 16}; the kernel takes it modulo the group's size
 * ({@code fanout_demux_bpf}). ICMP errors go by the packet they quote, as that packet's reply would, and by
 * the client inside it when that packet is one of our IPIP ones (a TUN path's MTU). IPv6 goes the same way
 * by the fold of the client's address ({@code w0 ^ w1 ^ w2 ^ w3} of its words, cut to the coarsest IPv6
 * persistence prefix first; a NAT real server is recognised by the fold of its address), ICMPv6 errors by the
 * packet they quote (the client inside our ip6ip6 ones). Frames that are neither, VRRP adverts, neighbour
 * discovery and multicast (connection sync) all go to worker 0, which runs the control protocols.
 * {@link #worker} and {@link #worker6} are the same functions in Java.
 *
 * <p>Loads use the network-header offset ({@code SKF_NET_OFF}) and the ethertype from {@code skb->protocol}:
 * {@code fanout_demux_bpf} runs on the skb as the stack has it, where {@code skb->data} is not the MAC header
 * (and VLAN tags are already out of the frame).
 *
 * <pre>
 * struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; };               // 8 bytes
 * struct sock_fprog { unsigned short len; struct sock_filter *filter; };        // 16 bytes on LP64
 * setsockopt(fd, SOL_PACKET, PACKET_FANOUT, (PACKET_FANOUT_CBPF | flags) &lt;&lt; 16 | id)
 * setsockopt(fd, SOL_PACKET, PACKET_FANOUT_DATA, &amp;sock_fprog)                  // any member, replaceable
 * </pre>
 */
public final class Fanout
{
    /** PACKET_FANOUT_DATA. */
    static final int PACKET_FANOUT_DATA = 22;
    /** PACKET_FANOUT_CBPF. */
    static final int PACKET_FANOUT_CBPF = 6;
    /** PACKET_FANOUT_FLAG_IGNORE_OUTGOING (Linux 6.2): the group's hook ignores our own transmissions. */
    static final int FLAG_IGNORE_OUTGOING = 0x4000;

    // Classic BPF opcodes (linux/bpf_common.h, linux/filter.h).
    static final int LD_W_ABS = 0x20;
    static final int LD_B_ABS = 0x30;
    static final int LD_W_IND = 0x40;
    static final int LD_B_IND = 0x50;
    static final int LDX_B_MSH = 0xb1;
    static final int ALU_AND_K = 0x54;
    static final int ALU_MUL_K = 0x24;
    static final int ALU_RSH_K = 0x74;
    static final int ALU_XOR_X = 0xac;
    static final int TAX = 0x07;
    static final int JA = 0x05;
    static final int JEQ_K = 0x15;
    static final int RET_K = 0x06;
    static final int RET_A = 0x16;
    static final int SKF_AD_PROTOCOL = -0x1000;
    static final int SKF_NET_OFF = -0x100000;
    /** BPF_MAXINSNS. */
    static final int MAX_INSNS = 4096;

    static final int GOLDEN = 0x9E3779B1;

    private Fanout()
    {
    }

    /**
     * The worker of a client, as the program computes it.
     *
     * @param client the client's address.
     * @param mask the persistence netmask (all ones without persistence).
     * @param workers the group's size.
     * @return the worker, 0 to workers - 1.
     */
    public static int worker(final int client, final int mask, final int workers)
    {
        return ((client & mask) * GOLDEN >>> 16) % workers;
    }

    /**
     * The worker of an IPv6 client, as the program computes it.
     *
     * @param hi the client's address, high 64 bits.
     * @param lo low 64 bits.
     * @param prefix the coarsest IPv6 persistence prefix length (128 without persistence).
     * @param workers the group's size.
     * @return the worker, 0 to workers - 1.
     */
    public static int worker6(final long hi, final long lo, final int prefix, final int workers)
    {
        final int[] m = masks6(prefix);
        final int fold = (int)(hi >>> 32) & m[0] ^ (int)hi & m[1] ^ (int)(lo >>> 32) & m[2] ^ (int)lo & m[3];
        return Integer.remainderUnsigned(fold * GOLDEN >>> 16, workers);
    }

    /** The four 32-bit word masks of an IPv6 prefix length. */
    static int[] masks6(final int prefix)
    {
        final int[] m = new int[4];
        for (int i = 0; i < 4; i++)
        {
            final int bits = Math.max(0, Math.min(32, prefix - 32 * i));
            m[i] = 0 == bits ? 0 : -1 << (32 - bits);
        }
        return m;
    }

    /**
     * The program as {code, jt, jf, k} rows, IPv4 only.
     *
     * @param mask the coarsest persistence netmask of the services.
     * @param natServers the addresses of the NAT real servers (their frames go by destination).
     * @return the instructions.
     */
    public static int[][] program(final int mask, final int[] natServers)
    {
        return program(mask, natServers, -1, new int[0]);
    }

    /**
     * The program as {code, jt, jf, k} rows.
     *
     * @param mask the coarsest IPv4 persistence netmask of the services.
     * @param natServers the addresses of the IPv4 NAT real servers (their frames go by destination).
     * @param prefix6 the coarsest IPv6 persistence prefix length (128 without persistence), or -1 when no IPv6
     *     service runs (every IPv6 frame to worker 0, and the program no longer for it).
     * @param natServers6 the folds of the IPv6 NAT real servers' addresses.
     * @return the instructions.
     */
    public static int[][] program(final int mask, final int[] natServers, final int prefix6,
        final int[] natServers6)
    {
        final Asm a = new Asm();
        a.op(LD_W_ABS, SKF_AD_PROTOCOL);
        a.ifIs(0x86DD, "v6");
        a.ifNot(0x0800, "zero");
        a.op(LD_B_ABS, SKF_NET_OFF + 9);
        a.ifIs(112, "zero");
        a.ifNot(1, "plain");
        // ICMP: X = IHL * 4; an error quotes a packet we sent; its client is its destination, or its source
        // when that destination is a NAT real server.
        a.op(LDX_B_MSH, SKF_NET_OFF);
        a.op(LD_B_IND, SKF_NET_OFF);
        a.ifIs(3, "quoted");
        a.ifIs(4, "quoted");
        a.ifIs(11, "quoted");
        a.ifNot(12, "plain");
        a.label("quoted");
        // About our IPIP packet (whose outer header jvs writes without options): the client inside it.
        a.op(LD_B_IND, SKF_NET_OFF + 8 + 9);
        a.ifIs(4, "tunnel");
        a.op(LD_W_IND, SKF_NET_OFF + 8 + 16);
        for (final int rs : natServers)
        {
            a.ifIs(rs, "quotedSource");
        }
        a.jump("hash");
        a.label("quotedSource");
        a.op(LD_W_IND, SKF_NET_OFF + 8 + 12);
        a.jump("hash");
        a.label("tunnel");
        a.op(LD_W_IND, SKF_NET_OFF + 8 + 20 + 12);
        a.jump("hash");
        a.label("plain");
        a.op(LD_W_ABS, SKF_NET_OFF + 16);
        a.op(ALU_AND_K, 0xF0000000);
        a.ifIs(0xE0000000, "zero");
        a.op(LD_W_ABS, SKF_NET_OFF + 12);
        for (final int rs : natServers)
        {
            a.ifIs(rs, "destination");
        }
        a.jump("hash");
        a.label("destination");
        a.op(LD_W_ABS, SKF_NET_OFF + 16);
        a.label("hash");
        a.op(ALU_AND_K, mask);
        a.op(ALU_MUL_K, GOLDEN);
        a.op(ALU_RSH_K, 16);
        a.op(RET_A, 0);
        a.label("zero");
        a.op(RET_K, 0);
        if (prefix6 < 0)
        {
            a.label("v6");
            a.op(RET_K, 0);
        }
        else
        {
            ipv6(a, masks6(prefix6), natServers6);
        }
        return a.assemble();
    }

    /** The IPv6 part: A is the client's (masked) fold when it jumps to "mix6". */
    private static void ipv6(final Asm a, final int[] m, final int[] natServers6)
    {
        a.label("v6");
        a.op(LD_B_ABS, SKF_NET_OFF + 6);
        a.ifIs(112, "zero6");
        a.ifIs(58, "icmp6");
        a.op(LD_B_ABS, SKF_NET_OFF + 24);
        a.ifIs(0xFF, "zero6");
        // From a NAT real server, the client is the destination; else the source.
        client6(a, SKF_NET_OFF + 8, SKF_NET_OFF + 24, m, natServers6, "destination6");
        // ICMPv6: an error (types 1 to 4) quotes a packet we sent; the rest (neighbour discovery) is worker 0's.
        a.label("icmp6");
        a.op(LD_B_ABS, SKF_NET_OFF + 40);
        a.ifIs(1, "quoted6");
        a.ifIs(2, "quoted6");
        a.ifIs(3, "quoted6");
        a.ifNot(4, "zero6");
        a.label("quoted6");
        final int q = SKF_NET_OFF + 48;
        a.op(LD_B_ABS, q + 6);
        a.ifIs(41, "tunnel6");
        // A quoted packet to a NAT real server came from the client; else it went to the client.
        client6(a, q + 24, q + 8, m, natServers6, "quotedSource6");
        // About our ip6ip6 packet: the client is the inner packet's source.
        a.label("tunnel6");
        fold(a, q + 40 + 8, m);
        // Classic BPF jumps only forward: the IPv6 part, after IPv4's, mixes on its own.
        a.label("mix6");
        a.op(ALU_MUL_K, GOLDEN);
        a.op(ALU_RSH_K, 16);
        a.op(RET_A, 0);
        a.label("zero6");
        a.op(RET_K, 0);
    }

    /**
     * The client is the address at {@code at}, unless that address is a NAT real server's (its fold one of
     * theirs): then it is the one at {@code other}. Its masked fold, then on to "mix6".
     */
    private static void client6(final Asm a, final int at, final int other, final int[] m, final int[] natServers6,
        final String otherLabel)
    {
        fold(a, at, new int[] {-1, -1, -1, -1});
        for (final int rs : natServers6)
        {
            a.ifIs(rs, otherLabel);
        }
        fold(a, at, m);
        a.jump("mix6");
        a.label(otherLabel);
        fold(a, other, m);
        a.jump("mix6");
    }

    /** A = the fold of the 16-byte address at {@code at}, each word cut by its mask (X is used). */
    private static void fold(final Asm a, final int at, final int[] m)
    {
        boolean first = true;
        for (int i = 0; i < 4; i++)
        {
            if (0 == m[i])
            {
                continue;
            }
            if (!first)
            {
                a.op(TAX, 0);
            }
            a.op(LD_W_ABS, at + 4 * i);
            if (-1 != m[i])
            {
                a.op(ALU_AND_K, m[i]);
            }
            if (!first)
            {
                a.op(ALU_XOR_X, 0);
            }
            first = false;
        }
        if (first)
        {
            a.op(0x00, 0); // LD_IMM 0: a /0 prefix keeps every client together
        }
    }

    /**
     * Join the socket to the group as a cBPF fanout member (ignoring outgoing frames).
     *
     * @param fd the AF_PACKET socket, bound.
     * @param group the group id (unique in the network namespace: the interface index).
     * @throws PacketIoException when the kernel refuses.
     */
    public static void join(final int fd, final int group) throws PacketIoException
    {
        Sockets.setInt(fd, LibC.SOL_PACKET, LibC.PACKET_FANOUT,
            (PACKET_FANOUT_CBPF | FLAG_IGNORE_OUTGOING) << 16 | group & 0xFFFF,
            "PACKET_FANOUT (cBPF with PACKET_FANOUT_FLAG_IGNORE_OUTGOING needs Linux 6.2 or later)");
    }

    /**
     * Set (or replace, on a reload) the group's program through one member.
     *
     * @param fd a member socket.
     * @param program the instructions.
     * @throws PacketIoException when the kernel refuses.
     */
    public static void setProgram(final int fd, final int[][] program) throws PacketIoException
    {
        try (Memory insns = new Memory(8L * program.length); Memory fprog = new Memory(16))
        {
            for (int i = 0; i < program.length; i++)
            {
                insns.setShort(8L * i, (short)program[i][0]);
                insns.setByte(8L * i + 2, (byte)program[i][1]);
                insns.setByte(8L * i + 3, (byte)program[i][2]);
                insns.setInt(8L * i + 4, program[i][3]);
            }
            fprog.clear();
            fprog.setShort(0, (short)program.length);
            fprog.setPointer(8, insns);
            if (LibC.setsockopt(fd, LibC.SOL_PACKET, PACKET_FANOUT_DATA, fprog, 16) < 0)
            {
                throw new PacketIoException("PACKET_FANOUT_DATA: " + LibC.strerror(LibC.errno()));
            }
        }
    }

    /**
     * A tiny assembler: conditional jumps are written as "skip one if not, else jump far" pairs, so no branch
     * needs more than classic BPF's 8-bit offsets however many real servers the program lists.
     */
    private static final class Asm
    {
        private final List<int[]> insns = new ArrayList<>();
        private final Map<String, Integer> labels = new HashMap<>();
        private final Map<Integer, String> fixups = new HashMap<>();

        void op(final int code, final int k)
        {
            insns.add(new int[] {code, 0, 0, k});
        }

        /** if A == k goto label. */
        void ifIs(final int k, final String label)
        {
            insns.add(new int[] {JEQ_K, 0, 1, k});
            jump(label);
        }

        /** if A != k goto label. */
        void ifNot(final int k, final String label)
        {
            insns.add(new int[] {JEQ_K, 1, 0, k});
            jump(label);
        }

        void jump(final String label)
        {
            fixups.put(insns.size(), label);
            insns.add(new int[] {JA, 0, 0, 0});
        }

        void label(final String name)
        {
            labels.put(name, insns.size());
        }

        int[][] assemble()
        {
            if (insns.size() > MAX_INSNS)
            {
                throw new IllegalArgumentException("fanout program of " + insns.size() + " instructions: more " +
                    "than the kernel's " + MAX_INSNS + " (too many NAT real servers)");
            }
            for (final Map.Entry<Integer, String> f : fixups.entrySet())
            {
                insns.get(f.getKey())[3] = labels.get(f.getValue()) - f.getKey() - 1;
            }
            return insns.toArray(new int[0][]);
        }
    }
}
