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
