package dev.jvs.director.ha;

import dev.jvs.director.config.VrrpConfig;
import dev.jvs.engine.Counters;
import dev.jvs.engine.EngineConfig;
import dev.jvs.engine.Forwarder;
import dev.jvs.engine.Method;
import dev.jvs.engine.Neighbors;
import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.frame.Checksums;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What a master puts on the wire for a persistent DR connection, entry by entry, as ip_vs_sync_conn_v2 does. */
class ConnSyncTest
{
    private static final long DIRECTOR_MAC = 0x020000000002L;
    private static final int DIRECTOR = Ipv4.parse("198.19.0.2");
    private static final int VIP = Ipv4.parse("198.19.0.80");
    private static final int RS = Ipv4.parse("198.19.0.11");
    private static final int CLIENT = Ipv4.parse("198.18.0.5");
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;

    /** An entry as parsed back. */
    record Entry(int protocol, int flags, int state, int cport, int vport, int dport, int timeoutS)
    {
    }

    @Test
    void aTemplateShouldCarryItsServersFlagsAndItsAssuredState()
    {
        final EngineConfig cfg = new EngineConfig();
        cfg.localMac = DIRECTOR_MAC;
        cfg.localIp = DIRECTOR;
        final ServiceTable services = new ServiceTable(() -> 1);
        final VirtualService s = services.add(6, VIP, 80, "rr", 0, 0);
        s.persistence(60_000, -1);
        s.addRealServer(RS, 80, Method.DR, 1, 0, 0);
        final Neighbors neighbors = new Neighbors();
        neighbors.put(RS, 0x020000000011L);
        final Forwarder fwd = new Forwarder(cfg, services, new ConnectionTable(1024, 1, 0), neighbors, new Counters());
        final VrrpAgentTest.Frames tx = new VrrpAgentTest.Frames();
        final ConnSync sync = new ConnSync(new VrrpConfig.SyncDaemon("eth0", null, 0, 0, 8848, 1, 0xE0000051), fwd,
            cfg, tx, DIRECTOR_MAC, DIRECTOR, 1500, l -> { });
        sync.master(true);
        final UnsafeBuffer out = new UnsafeBuffer(new byte[2048]);
        for (final int flags : new int[] {SYN, ACK, ACK})
        {
            final byte[] f = tcp(flags);
            fwd.process(new UnsafeBuffer(f), 0, f.length, 0, out, 0, out.capacity(), 1000);
        }
        sync.onCycle(5000);
        assertEquals(1, tx.sent.size(), "one message");
        final byte[] m = tx.sent.get(0);
        final int payload = 14 + 20 + 8;
        final List<Entry> entries = new ArrayList<>();
        SyncMessage.parse(new UnsafeBuffer(m), payload, m.length - payload, 0,
            (protocol, flags, state, caddr, cport, vaddr, vport, daddr, dport, fwmark, timeoutS) ->
                entries.add(new Entry(protocol, flags, state, cport, vport, dport, timeoutS)));
        assertEquals(List.of(
            // The connection: DROUTE | NOOUTPUT (no reply through a DR director), ESTABLISHED, 15 minutes.
            new Entry(6, SyncMessage.F_DROUTE | SyncMessage.F_NOOUTPUT, 1, 40000, 80, 80, 900),
            // Its template: TEMPLATE | DROUTE | NOOUTPUT | INACTIVE from its real server, ASSURED by the
            // established connection, the persistence timeout.
            new Entry(6, SyncMessage.F_TEMPLATE | SyncMessage.F_DROUTE | SyncMessage.F_NOOUTPUT |
                SyncMessage.F_INACTIVE, ConnectionTable.TPL_ASSURED, 0, 80, 80, 60)), entries);
    }

    private static byte[] tcp(final int tcpFlags)
    {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[54]);
        b.putShort(0, (short)(DIRECTOR_MAC >>> 32), ByteOrder.BIG_ENDIAN);
        b.putInt(2, (int)DIRECTOR_MAC, ByteOrder.BIG_ENDIAN);
        b.putShort(6, (short)0x0200, ByteOrder.BIG_ENDIAN);
        b.putInt(8, 0x00000005, ByteOrder.BIG_ENDIAN);
        b.putShort(12, (short)0x0800, ByteOrder.BIG_ENDIAN);
        b.putByte(14, (byte)0x45);
        b.putShort(16, (short)40, ByteOrder.BIG_ENDIAN);
        b.putByte(22, (byte)64);
        b.putByte(23, (byte)6);
        b.putInt(26, CLIENT, ByteOrder.BIG_ENDIAN);
        b.putInt(30, VIP, ByteOrder.BIG_ENDIAN);
        Ipv4.fillChecksum(b, 14);
        b.putShort(34, (short)40000, ByteOrder.BIG_ENDIAN);
        b.putShort(36, (short)80, ByteOrder.BIG_ENDIAN);
        b.putInt(38, 1, ByteOrder.BIG_ENDIAN);
        b.putByte(46, (byte)0x50);
        b.putByte(47, (byte)tcpFlags);
        b.putShort(48, (short)65535, ByteOrder.BIG_ENDIAN);
        Checksums.fillL4(b, 14, 34, 20, 16, false);
        return b.byteArray();
    }
}
