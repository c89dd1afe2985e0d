package dev.jvs.engine;

import dev.jvs.engine.frame.Checksums;
import dev.jvs.engine.frame.Ipv4;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds test frames field by field with correct checksums (unless told otherwise). */
final class Packets
{
    static final long CLIENT_MAC = 0x020000000001L;   // the router/client side
    static final long DIRECTOR_MAC = 0x020000000002L;
    static final long RS1_MAC = 0x020000000011L;
    static final long RS2_MAC = 0x020000000012L;
    static final long RS3_MAC = 0x020000000013L;

    static final int CLIENT = Ipv4.parse("198.18.0.5");
    static final int DIRECTOR = Ipv4.parse("198.19.0.2");
    static final int VIP = Ipv4.parse("198.19.0.80");
    static final int RS1 = Ipv4.parse("198.19.0.11");
    static final int RS2 = Ipv4.parse("198.19.0.12");
    static final int RS3 = Ipv4.parse("198.19.0.13");

    private Packets()
    {
    }

    /** A TCP or UDP frame builder. */
    static final class Builder
    {
        long dstMac = DIRECTOR_MAC;
        long srcMac = CLIENT_MAC;
        int vlan = -1;
        int proto = 6;
        int src = CLIENT;
        int dst = VIP;
        int sport = 40000;
        int dport = 80;
        int ttl = 64;
        int tos = 0;
        boolean df = true;
        int flagsFrag = -1;
        int tcpFlags = 0x02;
        int seq = 1000;
        int ack;
        byte[] payload = new byte[0];
        boolean partialChecksum;
        int ipId = 0x1234;

        Builder tcp(final int flags)
        {
            proto = 6;
            tcpFlags = flags;
            return this;
        }

        Builder udp()
        {
            proto = 17;
            return this;
        }

        Builder from(final int addr, final int port)
        {
            src = addr;
            sport = port;
            return this;
        }

        Builder to(final int addr, final int port)
        {
            dst = addr;
            dport = port;
            return this;
        }

        Builder macs(final long from, final long to)
        {
            srcMac = from;
            dstMac = to;
            return this;
        }

        Builder payload(final int n)
        {
            payload = new byte[n];
            for (int i = 0; i < n; i++)
            {
                payload[i] = (byte)(i * 7 + 3);
            }
            return this;
        }

        byte[] build()
        {
            final int l4h = 6 == proto ? 20 : 8;
            final int ipLen = 20 + l4h + payload.length;
            final int l2 = vlan >= 0 ? 18 : 14;
            final ByteBuffer b = ByteBuffer.allocate(l2 + ipLen).order(ByteOrder.BIG_ENDIAN);
            putMac(b, dstMac);
            putMac(b, srcMac);
            if (vlan >= 0)
            {
                b.putShort((short)0x8100);
                b.putShort((short)vlan);
            }
            b.putShort((short)0x0800);
            final int ip = b.position();
            b.put((byte)0x45).put((byte)tos).putShort((short)ipLen).putShort((short)ipId);
            b.putShort((short)(flagsFrag >= 0 ? flagsFrag : (df ? 0x4000 : 0)));
            b.put((byte)ttl).put((byte)proto).putShort((short)0).putInt(src).putInt(dst);
            final int l4 = b.position();
            b.putShort((short)sport).putShort((short)dport);
            if (6 == proto)
            {
                b.putInt(seq).putInt(ack).put((byte)0x50).put((byte)tcpFlags).putShort((short)65535)
                    .putShort((short)0).putShort((short)0);
            }
            else
            {
                b.putShort((short)(8 + payload.length)).putShort((short)0);
            }
            b.put(payload);
            final byte[] a = b.array();
            final UnsafeBuffer u = new UnsafeBuffer(a);
            Ipv4.fillChecksum(u, ip);
            final int field = 6 == proto ? 16 : 6;
            final int len = l4h + payload.length;
            if (partialChecksum)
            {
                // CHECKSUM_PARTIAL: only the folded pseudo-header sum, not complemented.
                u.putShort(l4 + field, (short)Checksums.fold(Checksums.pseudoHeader(src, dst, proto, len)),
                    ByteOrder.BIG_ENDIAN);
            }
            else
            {
                Checksums.fillL4(u, ip, l4, len, field, 17 == proto);
            }
            return a;
        }
    }

    static Builder frame()
    {
        return new Builder();
    }

    static void putMac(final ByteBuffer b, final long mac)
    {
        b.putShort((short)(mac >>> 32)).putInt((int)mac);
    }

    /** An ARP request from the client for an address. */
    static byte[] arpRequest(final int target)
    {
        final ByteBuffer b = ByteBuffer.allocate(42).order(ByteOrder.BIG_ENDIAN);
        putMac(b, 0xFFFFFFFFFFFFL);
        putMac(b, CLIENT_MAC);
        b.putShort((short)0x0806);
        b.putShort((short)1).putShort((short)0x0800).put((byte)6).put((byte)4).putShort((short)1);
        putMac(b, CLIENT_MAC);
        b.putInt(CLIENT);
        putMac(b, 0);
        b.putInt(target);
        return b.array();
    }

    /** An ICMP error (type/code) from {@code from} to {@code to}, quoting {@code quoted}'s IP datagram. */
    static byte[] icmpError(final long srcMac, final long dstMac, final int from, final int to, final int type,
        final int code, final int mtu, final byte[] quotedFrame)
    {
        final int quote = Math.min(quotedFrame.length - 14, 548);
        final int ipLen = 20 + 8 + quote;
        final ByteBuffer b = ByteBuffer.allocate(14 + ipLen).order(ByteOrder.BIG_ENDIAN);
        putMac(b, dstMac);
        putMac(b, srcMac);
        b.putShort((short)0x0800);
        b.put((byte)0x45).put((byte)0xC0).putShort((short)ipLen).putShort((short)7).putShort((short)0);
        b.put((byte)64).put((byte)1).putShort((short)0).putInt(from).putInt(to);
        b.put((byte)type).put((byte)code).putShort((short)0).putShort((short)0).putShort((short)mtu);
        b.put(quotedFrame, 14, quote);
        final byte[] a = b.array();
        final UnsafeBuffer u = new UnsafeBuffer(a);
        Ipv4.fillChecksum(u, 14);
        u.putShort(14 + 20 + 2, (short)Checksums.finish(Checksums.sum(u, 34, 8 + quote, 0)), ByteOrder.BIG_ENDIAN);
        return a;
    }
}
