package dev.jvs.engine;

import dev.jvs.engine.conn.ConnectionEntries;
import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.conn.TcpStates;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.service.VirtualService;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connection sync of IPv6 entries: the master sends them when IPVS would (the third packet), with their
 * template; a backup installs them from what was sent and carries the connection after a takeover.
 */
class Sync6Test
{
    private static final IpAddress CLIENT = IpAddress.parse("2001:2:1::5");
    private static final IpAddress VIP = IpAddress.parse("2001:2::80");
    private static final IpAddress RS1 = IpAddress.parse("2001:2::11");
    private static final IpAddress RS2 = IpAddress.parse("2001:2::12");
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;

    private static VirtualService service(final EngineFixture f)
    {
        final VirtualService s = f.services.add(6, VIP, 80, "rr", 0, f.now);
        s.persistence(60_000, 64);
        s.addRealServer(RS1, 80, Method.DR, 1, 0, 0);
        s.addRealServer(RS2, 80, Method.DR, 1, 0, 0);
        f.neighbors.put6(RS1, Packets.RS1_MAC);
        f.neighbors.put6(RS2, Packets.RS2_MAC);
        return s;
    }

    @Test
    void aSyncedIpv6ConnectionShouldBeCarriedByTheBackup()
    {
        final EngineFixture master = new EngineFixture();
        service(master);
        final List<long[]> sent = new ArrayList<>();
        master.fwd.syncSink((t, e) -> sent.add(new long[] {t.flags(e), t.proto(e), t.state(e), t.cport(e),
            t.vport(e), t.dport(e), t.address6(e, ConnectionEntries.EXT_CADDR),
            t.address6(e, ConnectionEntries.EXT_CADDR + 8), t.address6(e, ConnectionEntries.EXT_VADDR),
            t.address6(e, ConnectionEntries.EXT_VADDR + 8), t.address6(e, ConnectionEntries.EXT_DADDR),
            t.address6(e, ConnectionEntries.EXT_DADDR + 8), t.isIpv6(e) ? 1 : 0}));
        final long server = Ipv6ForwardTest.mac(master.send(Ipv6ForwardTest.tcp(CLIENT, VIP, 40000, 80, SYN)), 0);
        master.send(Ipv6ForwardTest.tcp(CLIENT, VIP, 40000, 80, ACK));
        assertTrue(sent.isEmpty(), "not before the third packet");
        master.send(Ipv6ForwardTest.tcp(CLIENT, VIP, 40000, 80, ACK));
        assertEquals(2, sent.size(), "the connection, then its template");
        final long[] conn = sent.get(0);
        final long[] tpl = sent.get(1);
        assertEquals(1, conn[12], "an IPv6 entry");
        assertEquals(TcpStates.ESTABLISHED, conn[2]);
        assertTrue(0 != (tpl[0] & ConnectionTable.F_TEMPLATE));
        assertEquals(0, tpl[7], "the template's client network: the /64");

        final EngineFixture backup = new EngineFixture();
        service(backup);
        assertNull(backup.send(Ipv6ForwardTest.tcp(CLIENT, VIP, 40000, 80, ACK)), "no entry yet");
        assertEquals(1, backup.counters.get(Counter.DROP_NO_CONNECTION));
        for (final long[] x : List.of(tpl, conn))
        {
            final boolean template = 0 != (x[0] & ConnectionTable.F_TEMPLATE);
            final int e = backup.fwd.installSynced6((int)x[1], new long[] {x[6], x[7], x[8], x[9], x[10], x[11]},
                new int[] {(int)x[3], (int)x[4], (int)x[5]}, 0, template,
                0 != (x[0] & ConnectionTable.F_INACTIVE), (int)x[2], 900_000, backup.now);
            assertTrue(e >= 0, "installed");
        }
        final byte[] out = backup.send(Ipv6ForwardTest.tcp(CLIENT, VIP, 40000, 80, ACK));
        assertNotNull(out, backup.counters.toString());
        assertEquals(server, Ipv6ForwardTest.mac(out, 0), "the server the master chose");
        // The template carries the client's /64 too: a new connection from it goes to the same server.
        assertEquals(server, Ipv6ForwardTest.mac(backup.send(Ipv6ForwardTest.tcp(IpAddress.parse("2001:2:1::77"),
            VIP, 40001, 80, SYN)), 0));
        assertEquals(-1, backup.fwd.installSynced6(6, new long[] {1, 2, VIP.hi(), VIP.lo(), 0, 0x99},
            new int[] {1, 80, 80}, 0, false, false, TcpStates.ESTABLISHED, 1000, backup.now), "no such server");
    }
}
