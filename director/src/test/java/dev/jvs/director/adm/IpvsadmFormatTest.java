package dev.jvs.director.adm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** ipvsadm's number column (print_largenum): 9 wide, K/M/G/T from 10^8 on unless --exact. */
class IpvsadmFormatTest
{
    private static String n(final long v, final boolean exact)
    {
        final StringBuilder b = new StringBuilder();
        IpvsadmFormat.largenum(b, v, exact);
        return b.toString();
    }

    @Test
    void shouldScaleLargeNumbersAsIpvsadmDoes()
    {
        assertEquals("        0", n(0, false));
        assertEquals(" 99999999", n(99_999_999, false));
        assertEquals("  100000K", n(100_000_000, false));
        assertEquals("  999999K", n(999_999_999, false));
        assertEquals("    1000M", n(1_000_000_000, false));
        assertEquals("   99999M", n(99_999_999_999L, false));
        assertEquals("     100G", n(100_000_000_000L, false));
        assertEquals("     100T", n(100_000_000_000_000L, false));
        assertEquals(" 123456789", n(123_456_789, true));
        assertEquals("       42", n(42, true));
    }

    @Test
    void listingsShouldHaveIpvsadmsColumns()
    {
        final dev.jvs.engine.service.ServiceTable t = new dev.jvs.engine.service.ServiceTable(() -> 4);
        final dev.jvs.engine.service.VirtualService s = t.add(6, dev.jvs.engine.frame.Ipv4.parse("198.19.0.80"), 80,
            "wlc", 0, 0);
        s.persistence(360_000, 0xFFFFFF00);
        s.addRealServer(dev.jvs.engine.frame.Ipv4.parse("198.19.0.11"), 80, dev.jvs.engine.Method.DR, 5, 0, 0);
        s.addRealServer(dev.jvs.engine.frame.Ipv4.parse("198.19.0.12"), 8080, dev.jvs.engine.Method.TUN, 2, 0, 0);
        assertEquals("""
            IP Virtual Server version 1.2.1 (size=4096)
            Prot LocalAddress:Port Scheduler Flags
              -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
            TCP  198.19.0.80:80 wlc persistent 360 mask 255.255.255.0
              -> 198.19.0.12:8080             Tunnel  2      0          0        \s
              -> 198.19.0.11:80               Route   5      0          0        \s
            """, IpvsadmFormat.list(t, 4096, false, false));
        assertEquals("""
            IP Virtual Server version 1.2.1 (size=4096)
            Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn
              -> RemoteAddress:Port
            TCP  198.19.0.80:80 wlc persistent 360 mask 255.255.255.0
              -> 198.19.0.12:8080             2         0           0          0       \s
              -> 198.19.0.11:80               5         0           0          0       \s
            """, IpvsadmFormat.list(t, 4096, false, false, null, true));
    }
}
