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

    /**
     * keepalived 2.2.7 over IPv6 (no {@code version}: an IPv6 instance is VRRPv3), {@code virtual_router_id 61;
     * priority 150; virtual_ipaddress { 2001:2::80 2001:2::81/64 }} on a veth whose MAC is 02:00:00:00:00:0a
     * (link-local fe80::ff:fe00:a): its first advert and the priority 0 one of its stop. The flow label
     * (0xd06f8) is the kernel's automatic one.
     */
    static final String V6_FIRST = "6c0d06f8002870fffe80000000000000000000ff" +
        "fe00000aff020000000000000000000000000012" +
        "313d96020064fa1c" + "20010002000000000000000000000080" + "20010002000000000000000000000081";
    static final String V6_STOP = "6c0d06f8002870fffe80000000000000000000ff" +
        "fe00000aff020000000000000000000000000012" +
        "313d00020064901d" + "20010002000000000000000000000080" + "20010002000000000000000000000081";
    static final byte[] SRC6 = HexFormat.of().parseHex("fe80000000000000000000fffe00000a");
    static final byte[] VIPS6 = HexFormat.of().parseHex("20010002000000000000000000000080" +
        "20010002000000000000000000000081");

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
    void shouldWriteWhatKeepalivedWritesOverIpv6()
    {
        for (final String hex : new String[] {V6_FIRST, V6_STOP})
        {
            final byte[] ka = HexFormat.of().parseHex(hex);
            final UnsafeBuffer b = new UnsafeBuffer(new byte[ka.length]);
            final int n = VrrpPacket.write6(b, 0, 61, ka[42] & 0xFF, VIPS6, 100, SRC6, VrrpPacket.GROUP6_HI,
                VrrpPacket.GROUP6_LO);
            assertEquals(ka.length, n);
            // The flow label aside (the kernel's own for keepalived, 0 from jvs): every byte, checksum included.
            ka[1] &= (byte)0xF0;
            ka[2] = 0;
            ka[3] = 0;
            assertArrayEquals(ka, b.byteArray(), hex);
        }
    }

    @Test
    void shouldCheckIpv6Adverts()
    {
        final UnsafeBuffer ok = buffer(V6_FIRST);
        assertNull(VrrpPacket.check(ok, 0, ok.capacity(), true));
        assertEquals(40, VrrpPacket.vrrpOffset(ok, 0));
        assertEquals(2, VrrpPacket.addressCount(ok, 40));
        assertEquals(0, VrrpPacket.compareSource6(ok, 0, SRC6));
        final UnsafeBuffer hop = buffer(V6_FIRST);
        hop.putByte(7, (byte)64);
        assertEquals(VrrpCounter.TTL_ERRORS, VrrpPacket.check(hop, 0, hop.capacity(), true));
        assertNull(VrrpPacket.check(hop, 0, hop.capacity(), false), "a unicast advert may have been routed");
        final UnsafeBuffer sum = buffer(V6_FIRST);
        sum.putByte(39, (byte)0x13); // another destination: the pseudo-header's sum changes
        assertEquals(VrrpCounter.CHECKSUM_ERRORS, VrrpPacket.check(sum, 0, sum.capacity(), true));
        final UnsafeBuffer v2 = buffer(V6_FIRST);
        v2.putByte(40, (byte)0x21);
        assertEquals(VrrpCounter.VERSION_ERRORS, VrrpPacket.check(v2, 0, v2.capacity(), true),
            "no VRRPv2 over IPv6");
        final UnsafeBuffer count = buffer(V6_FIRST);
        count.putByte(43, (byte)3);
        assertEquals(VrrpCounter.PACKET_LENGTH_ERRORS, VrrpPacket.check(count, 0, count.capacity(), true));
        final UnsafeBuffer cut = buffer(V6_FIRST);
        assertEquals(VrrpCounter.PACKET_LENGTH_ERRORS, VrrpPacket.check(cut, 0, cut.capacity() - 1, true));
        assertEquals(VrrpCounter.PACKET_LENGTH_ERRORS, VrrpPacket.check(cut, 0, 45, true));
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
