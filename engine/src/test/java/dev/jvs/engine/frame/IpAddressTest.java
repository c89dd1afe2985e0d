package dev.jvs.engine.frame;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IpAddressTest
{
    /** Text in, glibc's inet_ntop(inet_pton(text)) out: what ipvsadm and keepalived print (seen with Python's). */
    private static final Map<String, String> GLIBC = Map.ofEntries(
        Map.entry("::", "::"), Map.entry("::1", "::1"), Map.entry("1::", "1::"), Map.entry("1::2", "1::2"),
        Map.entry("::ffff:1.2.3.4", "::ffff:1.2.3.4"), Map.entry("::1.2.3.4", "::1.2.3.4"),
        Map.entry("::2:3", "::0.2.0.3"), Map.entry("2001:2::1", "2001:2::1"),
        Map.entry("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), Map.entry("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        Map.entry("AE00::2", "ae00::2"), Map.entry("fe80::1:0:0:1", "fe80::1:0:0:1"),
        Map.entry("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"), Map.entry("1:0:3:4:5:6:7:8", "1:0:3:4:5:6:7:8"),
        Map.entry("0:0:1::", "0:0:1::"), Map.entry("::ffff:0:1.2.3.4", "::ffff:0:102:304"),
        Map.entry("0:1:0:0:0:0:0:0", "0:1::"));

    @Test
    void ipv6ShouldBePrintedAsGlibcPrintsIt() throws Exception
    {
        for (final Map.Entry<String, String> e : GLIBC.entrySet())
        {
            final IpAddress a = IpAddress.parse(e.getKey());
            assertTrue(a.v6(), e.getKey());
            assertEquals(e.getValue(), a.toString(), e.getKey());
            final byte[] java = InetAddress.getByName(e.getKey()).getAddress();
            if (16 == java.length)
            {
                // (Java makes ::ffff:a.b.c.d an Inet4Address.)
                assertArrayEquals(java, a.bytes(), e.getKey());
            }
            assertEquals(a, IpAddress.parse(a.toString()), "round trip of " + e.getKey());
        }
    }

    @Test
    void ipv4ShouldStayAnInt()
    {
        final IpAddress a = IpAddress.parse("198.19.0.80");
        assertFalse(a.v6());
        assertEquals(Ipv4.parse("198.19.0.80"), a.v4());
        assertEquals(a.v4(), a.fold());
        assertEquals("198.19.0.80:80", a.withPort(80));
        assertEquals(IpAddress.ofV4(a.v4()), a);
        assertThrows(IllegalStateException.class, () -> IpAddress.parse("2001:2::1").v4());
    }

    @Test
    void foldShouldXorTheFourWordsAsTheKernelsHashesDo()
    {
        // ip6[0] ^ ip6[1] ^ ip6[2] ^ ip6[3] of 2001:0002:0000:0000:0000:0000:0000:0011, in host order.
        assertEquals(0x20010002 ^ 0x11, IpAddress.parse("2001:2::11").fold());
        assertEquals("[2001:2::11]:80", IpAddress.parse("2001:2::11").withPort(80));
        assertEquals(IpAddress.parse("ae00::9"), IpAddress.parse("ae00::2").withLast16(9));
        assertEquals(0xae00, IpAddress.parse("ae00::2").group(0));
        assertTrue(IpAddress.parse("198.19.0.1").compareTo(IpAddress.parse("::1")) < 0, "IPv4 sorts first");
        assertTrue(IpAddress.parse("2001:2::2").compareTo(IpAddress.parse("2001:2::10")) < 0);
    }

    @Test
    void badTextShouldBeRefused()
    {
        for (final String bad : new String[] {"1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "12345::", "g::1",
            "1:2:3:4:5:6:7::8", "::1.2.3", "198.19.0.800", ":1"})
        {
            assertThrows(IllegalArgumentException.class, () -> IpAddress.parse(bad), bad);
        }
    }
}
