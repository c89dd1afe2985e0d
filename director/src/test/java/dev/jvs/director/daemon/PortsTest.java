package dev.jvs.director.daemon;

import dev.jvs.engine.frame.IpAddress;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The interface an IPv6 address is reached by, from /proc/net/ipv6_route's lines (a two-armed director's). */
class PortsTest
{
    /** eth0 2001:2::/64 with the default route, eth1 2001:2:1::/64, a host route, loopback, an unreachable one. */
    private static final List<String> ROUTES = List.of(
        "20010002000000000000000000000000 40 00000000000000000000000000000000 00 " +
            "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0",
        "20010002000100000000000000000000 40 00000000000000000000000000000000 00 " +
            "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth1",
        "20010002000000000000000000000099 80 00000000000000000000000000000000 00 " +
            "20010002000100000000000000000001 00000400 00000001 00000000 00000003     eth1",
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 " +
            "20010002000000000000000000000001 00000400 00000003 00000000 00000003     eth0",
        "20010002000000000000000000000002 80 00000000000000000000000000000000 00 " +
            "00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo",
        "20010003000000000000000000000000 30 00000000000000000000000000000000 00 " +
            "00000000000000000000000000000000 00000400 00000001 00000000 00200200       lo");

    @Test
    void theLongestIpv6PrefixShouldNameTheInterface()
    {
        assertEquals("eth0", Ports.interfaceFor6(ROUTES, IpAddress.parse("2001:2::80")));
        assertEquals("eth1", Ports.interfaceFor6(ROUTES, IpAddress.parse("2001:2:1::11")));
        assertEquals("eth1", Ports.interfaceFor6(ROUTES, IpAddress.parse("2001:2::99")), "a host route wins");
        assertEquals("eth0", Ports.interfaceFor6(ROUTES, IpAddress.parse("2001:db8::1")), "the default route");
        assertEquals("eth0", Ports.interfaceFor6(ROUTES, IpAddress.parse("2001:3::1")),
            "an unreachable route is skipped");
        assertNull(Ports.interfaceFor6(ROUTES.subList(0, 2), IpAddress.parse("2001:db8::1")));
    }
}
