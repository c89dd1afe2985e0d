package dev.jvs.vrrp;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The codec against advertisements captured from keepalived 2.2.7 (Debian 12) on a veth in a namespace:
 * {@code vrrp_instance VI_1 { virtual_router_id 51; priority 150; advert_int 1; auth PASS secret1;
 * virtual_ipaddress { 198.19.0.80 198.19.0.1/24 } }}, source 198.19.0.2; v3 the same without auth.
 * The last of each is the priority 0 advert keepalived sends when it stops. IP packets, Ethernet stripped.
 */
class VrrpPacketTest
{
    static final String V2_FIRST = "45c0002c00010000ff701479c6130002e0000012" +
        "2133960201014e04c6130050c61300017365637265743100";
    static final String V2_STOP = "45c0002c00050000ff701475c6130002e0000012" +
        "213300020101e404c6130050c61300017365637265743100";
    static final String V3_FIRST = "45c0002400010000ff701481c6130002e0000012" +
        "3133960200640545c6130050c6130001";
    static final String V3_STOP = "45c0002400050000ff70147dc6130002e0000012" +
        "3133000200649b45c6130050c6130001";

    static final int SRC = 0xC6130002;
    static final int[] VIPS = {0xC6130050, 0xC6130001};

    static InstanceConfig.Builder config(final int version)
    {
        final InstanceConfig.Builder c = new InstanceConfig.Builder();
        c.name = "VI_1";
        c.vrid = 51;
        c.priority = 150;
        c.version = version;
        c.addresses = VIPS;
        c.source = SRC;
        if (2 == version)
        {
            c.password("secret1");
        }
        return c;
    }

    static UnsafeBuffer buffer(final String hex)
    {
        return new UnsafeBuffer(HexFormat.of().parseHex(hex));
    }

    private static byte[] write(final int version, final int priority, final int ipId)
    {
        final InstanceConfig.Builder c = config(version);
        final UnsafeBuffer b = new UnsafeBuffer(new byte[VrrpPacket.length(version, 2)]);
        final int n = VrrpPacket.write(b, 0, version, c.vrid, priority, c.addresses, c.advertCentis, c.authPass,
            SRC, VrrpPacket.GROUP, ipId);
        assertEquals(b.capacity(), n);
        return b.byteArray();
    }

    @Test
    void shouldWriteWhatKeepalivedWritesV2()
    {
        assertArrayEquals(HexFormat.of().parseHex(V2_FIRST), write(2, 150, 1));
        assertArrayEquals(HexFormat.of().parseHex(V2_STOP), write(2, 0, 5));
    }

    @Test
    void shouldWriteWhatKeepalivedWritesV3()
    {
        assertArrayEquals(HexFormat.of().parseHex(V3_FIRST), write(3, 150, 1));
        assertArrayEquals(HexFormat.of().parseHex(V3_STOP), write(3, 0, 5));
    }

    @Test
    void shouldDecodeKeepalivedAdverts()
    {
        for (final String hex : new String[] {V2_FIRST, V2_STOP, V3_FIRST, V3_STOP})
        {
            final UnsafeBuffer b = buffer(hex);
            assertNull(VrrpPacket.check(b, 0, b.capacity(), true), hex);
            assertEquals(51, VrrpPacket.vrid(b, 20));
            assertEquals(2, VrrpPacket.addressCount(b, 20));
            assertEquals(VIPS[1], VrrpPacket.address(b, 20, 1));
            assertEquals(100, VrrpPacket.advertCentis(b, 20));
        }
        assertEquals(150, VrrpPacket.priority(buffer(V3_FIRST), 20));
        assertEquals(VrrpPacket.AUTH_PASS, VrrpPacket.authType(buffer(V2_FIRST), 20));
    }

    @Test
    void shouldCountEveryMalformedAdvertUnderOneReason()
    {
        assertEquals(VrrpCounter.TTL_ERRORS, VrrpPacket.check(mutate(V2_FIRST, 8, 64), 0, 44, true));
        assertEquals(VrrpCounter.VERSION_ERRORS, VrrpPacket.check(mutate(V2_FIRST, 20, 0x41), 0, 44, true));
        assertEquals(VrrpCounter.INVALID_TYPE, VrrpPacket.check(mutate(V2_FIRST, 20, 0x22), 0, 44, true));
        assertEquals(VrrpCounter.CHECKSUM_ERRORS, VrrpPacket.check(mutate(V2_FIRST, 22, 151), 0, 44, true));
        assertEquals(VrrpCounter.CHECKSUM_ERRORS, VrrpPacket.check(mutate(V3_FIRST, 12, 0xC7), 0, 36, true),
            "v3's checksum covers the source address");
        assertEquals(VrrpCounter.PACKET_LENGTH_ERRORS, VrrpPacket.check(mutate(V2_FIRST, 23, 9), 0, 44, true),
            "more addresses than the packet holds");
        for (int n = 0; n < 44; n++)
        {
            final VrrpCounter c = VrrpPacket.check(buffer(V2_FIRST), 0, n, true);
            assertEquals(VrrpCounter.PACKET_LENGTH_ERRORS, c, "truncated to " + n);
        }
        for (int i = 20 * 8; i < 44 * 8; i++)
        {
            final UnsafeBuffer b = buffer(V2_FIRST);
            b.putByte(i / 8, (byte)(b.getByte(i / 8) ^ (1 << (i % 8))));
            assertNotNull(VrrpPacket.check(b, 0, 44, true), "bit " + i + " of the VRRP message flipped");
        }
    }

    /** RFC 3768/5798 7.1 as keepalived applies them, and what keepalived should have refused. */
    @Test
    void shouldDropTooLongAdvertsAndAZeroV3IntervalAndCheckTtlOnlyForMulticast()
    {
        // One address fewer in the count than the packet carries: 4 bytes more than the header says.
        final UnsafeBuffer longer = buffer(V2_FIRST);
        longer.putByte(23, (byte)1);
        fixChecksum(longer, 44);
        assertEquals(VrrpCounter.PACKET_LENGTH_ERRORS, VrrpPacket.check(longer, 0, 44, true), "too long");
        // Trailing bytes inside the IP length: a 48-byte datagram for a 40-byte advert.
        final UnsafeBuffer padded = new UnsafeBuffer(new byte[48]);
        padded.putBytes(0, buffer(V2_FIRST), 0, 44);
        padded.putShort(2, (short)48, java.nio.ByteOrder.BIG_ENDIAN);
        assertEquals(VrrpCounter.PACKET_LENGTH_ERRORS, VrrpPacket.check(padded, 0, 48, true), "trailing bytes");
        assertNull(VrrpPacket.check(buffer(V2_FIRST), 0, 60, true), "Ethernet padding after the IP length is fine");

        final UnsafeBuffer zero = buffer(V3_FIRST);
        zero.putShort(24, (short)0);
        fixChecksum(zero, 36);
        assertEquals(VrrpCounter.ADVERT_INTERVAL_ERRORS, VrrpPacket.check(zero, 0, 36, true), "Max Adver Int 0");

        final UnsafeBuffer routed = mutate(V2_FIRST, 8, 63);
        assertEquals(VrrpCounter.TTL_ERRORS, VrrpPacket.check(routed, 0, 44, true));
        assertNull(VrrpPacket.check(routed, 0, 44, false), "unicast peers: the TTL is not checked");
    }

    private static void fixChecksum(final UnsafeBuffer b, final int total)
    {
        b.putShort(26, (short)0);
        b.putShort(26, (short)VrrpPacket.checksum(b, 0, total), java.nio.ByteOrder.BIG_ENDIAN);
    }

    private static UnsafeBuffer mutate(final String hex, final int at, final int value)
    {
        final UnsafeBuffer b = buffer(hex);
        b.putByte(at, (byte)value);
        return b;
    }

    @Test
    void randomBytesShouldNeverThrowNorReachAnInstance()
    {
        final java.util.Random rnd = new java.util.Random(54893045794L);
        final UnsafeBuffer b = new UnsafeBuffer(new byte[256]);
        final VrrpInstance i = new VrrpInstance(config(2).build(), new VrrpOutput()
        {
            @Override
            public void advertise(final VrrpInstance instance, final int priority)
            {
            }

            @Override
            public void gratuitousArp(final VrrpInstance instance)
            {
            }

            @Override
            public void stateChanged(final VrrpInstance instance, final VrrpState from, final VrrpState to,
                final String why)
            {
            }
        });
        i.start(0);
        for (int n = 0; n < 200_000; n++)
        {
            final int len = rnd.nextInt(80);
            for (int k = 0; k < len; k++)
            {
                b.putByte(k, (byte)rnd.nextInt());
            }
            if (null == VrrpPacket.check(b, 0, len, true))
            {
                i.onAdvert(b, 0, 1);
            }
        }
        assertEquals(VrrpState.BACKUP, i.state(), "random bytes elect nobody");
        assertEquals(0, i.counter(VrrpCounter.ADVERT_RECEIVED));
    }
}
