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
              -> 198.19.0.11:80               Route   5      0          0        \s
              -> 198.19.0.12:8080             Tunnel  2      0          0        \s
            """, IpvsadmFormat.list(t, 4096, false, false));
        assertEquals("""
            IP Virtual Server version 1.2.1 (size=4096)
            Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn\s
              -> RemoteAddress:Port
            TCP  198.19.0.80:80 wlc persistent 360 mask 255.255.255.0
              -> 198.19.0.11:80               5         0           0          0        \s
              -> 198.19.0.12:8080             2         0           0          0        \s
            """, IpvsadmFormat.list(t, 4096, false, false, null, true));
    }

    /** ipvs_cmp_dests: address, then port, whatever the order they were added in; --nosort: the newest first. */
    @Test
    void realServersShouldBeSortedByAddressThenPortUnlessNosort()
    {
        final dev.jvs.engine.service.ServiceTable t = new dev.jvs.engine.service.ServiceTable(() -> 4);
        final dev.jvs.engine.service.VirtualService s = t.add(17, dev.jvs.engine.frame.Ipv4.parse("198.19.0.80"), 53,
            "rr", 0, 0);
        s.addRealServer(dev.jvs.engine.frame.Ipv4.parse("198.19.0.12"), 53, dev.jvs.engine.Method.NAT, 1, 0, 0);
        s.addRealServer(dev.jvs.engine.frame.Ipv4.parse("198.19.0.111"), 53, dev.jvs.engine.Method.NAT, 1, 0, 0);
        s.addRealServer(dev.jvs.engine.frame.Ipv4.parse("198.19.0.12"), 5353, dev.jvs.engine.Method.NAT, 1, 0, 0);
        s.addRealServer(dev.jvs.engine.frame.Ipv4.parse("198.19.0.12"), 153, dev.jvs.engine.Method.NAT, 1, 0, 0);
        s.addRealServer(dev.jvs.engine.frame.Ipv4.parse("198.19.0.9"), 53, dev.jvs.engine.Method.NAT, 1, 0, 0);
        final String sorted = IpvsadmFormat.list(t, 4096, false, false);
        assertEquals(java.util.List.of("198.19.0.9:53", "198.19.0.12:53", "198.19.0.12:153", "198.19.0.12:5353",
            "198.19.0.111:53"), servers(sorted));
        assertEquals(servers(sorted), servers(IpvsadmFormat.thresholds(t, 4096)));
        final String unsorted = IpvsadmFormat.list(t, 4096, false, false, null, false, Totals.of(t), v -> true, false);
        assertEquals(java.util.List.of("198.19.0.9:53", "198.19.0.12:153", "198.19.0.12:5353", "198.19.0.111:53",
            "198.19.0.12:53"), servers(unsorted));
        assertEquals(java.util.List.of("-a -u 198.19.0.80:53 -r 198.19.0.9:53 -m -w 1",
            "-a -u 198.19.0.80:53 -r 198.19.0.12:53 -m -w 1", "-a -u 198.19.0.80:53 -r 198.19.0.12:153 -m -w 1",
            "-a -u 198.19.0.80:53 -r 198.19.0.12:5353 -m -w 1", "-a -u 198.19.0.80:53 -r 198.19.0.111:53 -m -w 1"),
            IpvsadmFormat.save(t).subList(1, 6));
    }

    /**
     * ipvsadm -Lnc from /proc/net/ip_vs_conn: whole seconds left rounded down, "%02d:%02d" in a 6-wide column
     * (so 120 minutes push the state one column right), a template's state NONE until assured.
     */
    @Test
    void connectionEntriesShouldReadAsIpvsadmPrintsThem()
    {
        final dev.jvs.engine.conn.ConnectionTable t = new dev.jvs.engine.conn.ConnectionTable(16, 1, 0);
        final int client = dev.jvs.engine.frame.Ipv4.parse("198.18.0.5");
        final int vip = dev.jvs.engine.frame.Ipv4.parse("198.19.0.80");
        final int rs = dev.jvs.engine.frame.Ipv4.parse("198.19.0.11");
        final int c = t.insert(6, client, 40000, vip, 80, rs, 80, 0, 7_200_000, 0);
        t.state(c, dev.jvs.engine.conn.TcpStates.ESTABLISHED);
        final int tpl = t.insertTemplate(6, client, vip, 80, rs, 80, 360_000, 0);
        t.insert(17, client, 5353, vip, 53, rs, 53, 0, 300_000, 0);
        assertEquals(java.util.List.of(
            "TCP 119:59 ESTABLISHED 198.18.0.5:40000   198.19.0.80:80     198.19.0.11:80",
            "TCP 05:59  NONE        198.18.0.5:0       198.19.0.80:80     198.19.0.11:80",
            "UDP 04:59  UDP         198.18.0.5:5353    198.19.0.80:53     198.19.0.11:53"),
            IpvsadmFormat.connections(t, 500).lines().skip(2).toList());
        assertEquals("pro expire state       source             virtual            destination        pe name" +
            "          pe_data", IpvsadmFormat.connections(t, 500, true).lines().skip(1).findFirst().orElseThrow(),
            "--persistent-conn: printf(\"pro expire %-11s %-18s %-18s %-18s %-16s %s\\n\", ...)");
        t.state(tpl, dev.jvs.engine.conn.ConnectionTable.TPL_ASSURED);
        assertEquals("TCP 05:59  ASSURED     198.18.0.5:0       198.19.0.80:80     198.19.0.11:80",
            IpvsadmFormat.connections(t, 500).lines().skip(3).findFirst().orElseThrow());
    }

    private static java.util.List<String> servers(final String listing)
    {
        return listing.lines().filter(l -> l.startsWith("  -> 1")).map(l -> l.substring(5).split(" +")[0]).toList();
    }
}
