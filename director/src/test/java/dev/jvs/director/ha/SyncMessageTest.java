package dev.jvs.director.ha;

import dev.jvs.engine.frame.Ipv4;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** IPVS sync message version 1: bytes laid out as struct ip_vs_sync_mesg and struct ip_vs_sync_v4 say. */
class SyncMessageTest
{
    /** One DR connection, ESTABLISHED, 900 s, syncid 7: written by hand from ip_vs_sync.c's structs. */
    static final String ONE = "0007002c" + "01010000" +
        "00060024" + "00000003" + "0001" + "c350" + "0050" + "0050" + "00000000" + "00000384" +
        "c6120005" + "c6130050" + "c613000b";

    @Test
    void shouldWriteTheKernelsLayout()
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[44]);
        SyncMessage.header(b, 0, 7);
        SyncMessage.append(b, 0, 6, SyncMessage.F_DROUTE, 1, Ipv4.parse("198.18.0.5"), 50000,
            Ipv4.parse("198.19.0.80"), 80, Ipv4.parse("198.19.0.11"), 80, 0, 900);
        assertEquals(ONE, HexFormat.of().formatHex(b.byteArray()));
    }

    @Test
    void shouldReadEntriesAndRefuseWhatIsMalformed()
    {
        final UnsafeBuffer b = new UnsafeBuffer(HexFormat.of().parseHex(ONE));
        final List<String> seen = new ArrayList<>();
        final SyncMessage.Visitor v = (p, f, s, ca, cp, va, vp, da, dp, m, t) ->
            seen.add(p + " " + f + " " + s + " " + Ipv4.toString(ca) + ":" + cp + " " + Ipv4.toString(da) + " " + t);
        assertEquals(SyncMessage.Verdict.OK, SyncMessage.parse(b, 0, 44, 7, v));
        assertEquals(List.of("6 3 1 198.18.0.5:50000 198.19.0.11 900"), seen);
        assertEquals(SyncMessage.Verdict.OK, SyncMessage.parse(b, 0, 44, 0, v), "syncid 0 accepts any");
        assertEquals(SyncMessage.Verdict.OTHER_SYNCID, SyncMessage.parse(b, 0, 44, 8, v));
        for (int n = 0; n < 44; n++)
        {
            assertEquals(SyncMessage.Verdict.TRUNCATED, SyncMessage.parse(b, 0, n, 7, v), "cut to " + n);
        }
        final UnsafeBuffer v0 = new UnsafeBuffer(HexFormat.of().parseHex(ONE));
        v0.putByte(5, (byte)0);
        assertEquals(SyncMessage.Verdict.BAD_VERSION, SyncMessage.parse(v0, 0, 44, 7, v));
        final UnsafeBuffer big = new UnsafeBuffer(HexFormat.of().parseHex(ONE));
        big.putByte(11, (byte)0x40);
        assertEquals(SyncMessage.Verdict.BAD_ENTRY, SyncMessage.parse(big, 0, 44, 7, v), "entry runs past the end");
        assertEquals(2, seen.size(), "nothing read from another syncid nor from the malformed ones");
    }

    /**
     * An IPv6 entry (struct ip_vs_sync_v6: the v4 fields to the timeout, then three 16-byte addresses, type
     * STYPE_F_INET6) beside an IPv4 one in one message, written by hand from ip_vs_sync.c's structs.
     */
    @Test
    void ipv6EntriesShouldHaveTheKernelsLayoutBesideIpv4Ones()
    {
        final String six = "01060048" + "00000000" + "0001" + "c350" + "0050" + "1f90" + "00000000" + "0000003c" +
            "20010002000100000000000000000005" + "20010002000000000000000000000080" +
            "20010002000000000000000000000011";
        final UnsafeBuffer b = new UnsafeBuffer(new byte[8 + 36 + 72]);
        SyncMessage.header(b, 0, 7);
        SyncMessage.append(b, 0, 6, SyncMessage.F_DROUTE, 1, Ipv4.parse("198.18.0.5"), 50000,
            Ipv4.parse("198.19.0.80"), 80, Ipv4.parse("198.19.0.11"), 80, 0, 900);
        SyncMessage.append6(b, 0, 6, SyncMessage.F_MASQ, 1, new int[] {50000, 80, 8080}, 0, 60,
            new long[] {0x2001000200010000L, 5, 0x2001000200000000L, 0x80, 0x2001000200000000L, 0x11});
        assertEquals("00070074" + "02010000" + ONE.substring(16) + six, HexFormat.of().formatHex(b.byteArray()));
        final List<String> seen = new ArrayList<>();
        final SyncMessage.Visitor v = new SyncMessage.Visitor()
        {
            @Override
            public void onConn(final int p, final int f, final int st, final int ca, final int cp, final int va,
                final int vp, final int da, final int dp, final int m, final int t)
            {
                seen.add("v4 " + Ipv4.toString(ca) + ":" + cp);
            }

            @Override
            public void onConn6(final int p, final int f, final int st, final int[] ports, final int m, final int t,
                final long[] a)
            {
                seen.add("v6 " + new dev.jvs.engine.frame.IpAddress(true, a[0], a[1]).withPort(ports[0]) + " -> " +
                    new dev.jvs.engine.frame.IpAddress(true, a[4], a[5]).withPort(ports[2]) + " " + t + " s");
            }
        };
        assertEquals(SyncMessage.Verdict.OK, SyncMessage.parse(b, 0, b.capacity(), 7, v));
        assertEquals(List.of("v4 198.18.0.5:50000", "v6 [2001:2:1::5]:50000 -> [2001:2::11]:8080 60 s"), seen);
    }

    @Test
    void randomBytesShouldNeverThrow()
    {
        final java.util.Random rnd = new java.util.Random(54893045794L);
        final UnsafeBuffer b = new UnsafeBuffer(new byte[1500]);
        int ok = 0;
        for (int i = 0; i < 200_000; i++)
        {
            final int len = rnd.nextInt(200);
            for (int k = 0; k < len; k++)
            {
                b.putByte(k, (byte)rnd.nextInt());
            }
            if (0 == rnd.nextInt(4))
            {
                // Plausible headers too, so that entries get parsed.
                b.putByte(0, (byte)0);
                b.putByte(5, (byte)1);
                b.putShort(6, (short)0);
                b.putShort(2, (short)len, java.nio.ByteOrder.BIG_ENDIAN);
            }
            if (SyncMessage.Verdict.OK == SyncMessage.parse(b, 0, len, 0, (p, f, s, ca, cp, va, vp, da, dp, m, t) -> { }))
            {
                ok++;
            }
        }
        assertEquals(true, ok > 0, "some random messages were well formed");
    }
}
