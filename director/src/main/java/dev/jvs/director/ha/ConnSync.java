package dev.jvs.director.ha;

import dev.jvs.director.config.VrrpConfig;
import dev.jvs.engine.EngineConfig;
import dev.jvs.engine.Forwarder;
import dev.jvs.engine.Method;
import dev.jvs.engine.SyncSink;
import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.conn.TcpStates;
import dev.jvs.engine.frame.Checksums;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.frame.Udp;
import dev.jvs.engine.io.Sender;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * Connection sync ({@code lvs_sync_daemon}) on a worker's thread, one per worker, in IPVS's message format: the master
 * batches the entries the forwarder hands it into messages of up to maxlen bytes and multicasts each when
 * full or 200 ms after its first entry (IPVS waits up to 2 s; a shorter wait narrows what a failover
 * loses at the cost of a few more, smaller packets); the backup installs what it receives. Which side this
 * director plays follows VRRP: master while it forwards, backup otherwise.
 */
public final class ConnSync implements SyncSink, SyncMessage.Visitor
{
    private static final long FLUSH_MS = 200;
    private static final int HEADERS = Ethernet.HEADER_LENGTH + Ipv4.MIN_HEADER_LENGTH + Udp.HEADER_LENGTH;

    private final VrrpConfig.SyncDaemon cfg;
    private final Forwarder fwd;
    private final EngineConfig engine;
    private final Sender tx;
    private final long localMac;
    private final int localIp;
    private final int maxLen;
    private final int mtu;
    private final long groupMac;
    private final Consumer<String> log;
    private final UnsafeBuffer msg;
    private boolean master;
    private long firstAt;
    private long now;
    private int ipId;
    private long sentMessages;
    private long sentConns;
    private long receivedMessages;
    private long installed;
    private long unknown;
    private long badMessages;
    private java.util.function.IntPredicate mine = client -> true;
    /** Whether an IPv6 client (its address's two halves) is this worker's, as the fanout decides. */
    private Owner6 mine6 = (hi, lo) -> true;

    /**
     * @param cfg lvs_sync_daemon.
     * @param fwd the engine.
     * @param engine its configuration (default timeouts).
     * @param tx its transmitter.
     * @param localMac the interface's MAC.
     * @param localIp the interface's address (source of messages).
     * @param mtu the interface MTU.
     * @param log log lines.
     */
    public ConnSync(final VrrpConfig.SyncDaemon cfg, final Forwarder fwd, final EngineConfig engine, final Sender tx,
        final long localMac, final int localIp, final int mtu, final Consumer<String> log)
    {
        this.cfg = cfg;
        this.fwd = fwd;
        this.engine = engine;
        this.tx = tx;
        this.localMac = localMac;
        this.localIp = localIp;
        this.mtu = mtu;
        final int room = Math.min(mtu, Sender.SLOT_SIZE - Ethernet.HEADER_LENGTH) - Ipv4.MIN_HEADER_LENGTH -
            Udp.HEADER_LENGTH;
        final int wanted = 0 != cfg.maxLen() ? Math.min(cfg.maxLen(), room) : room;
        // Whole entries only, and nr_conns is one byte.
        this.maxLen = SyncMessage.HEADER_LENGTH +
            Math.min(255, (wanted - SyncMessage.HEADER_LENGTH) / SyncMessage.CONN_LENGTH) * SyncMessage.CONN_LENGTH;
        this.groupMac = 0x01005E000000L | (cfg.group() & 0x7FFFFF);
        this.log = log;
        this.msg = new UnsafeBuffer(new byte[maxLen]);
        SyncMessage.header(msg, 0, cfg.syncId());
        log.accept("connection sync: backup, listening on " + Ipv4.toString(cfg.group()) + ":" + cfg.port() +
            " (syncid " + cfg.syncId() + ", maxlen " + maxLen + ")");
    }

    /**
     * With several workers: every worker is handed every message, and installs only the entries of the
     * clients the fanout gives it.
     *
     * @param owned whether a client address is this worker's.
     */
    public void owner(final java.util.function.IntPredicate owned)
    {
        this.mine = owned;
    }

    /** Whether an IPv6 client is a worker's. */
    @FunctionalInterface
    public interface Owner6
    {
        /**
         * @param hi the client's address, high 64 bits.
         * @param lo low 64 bits.
         * @return whether it is this worker's.
         */
        boolean test(long hi, long lo);
    }

    /** @param owned whether an IPv6 client is this worker's (the fanout's IPv6 function). */
    public void owner6(final Owner6 owned)
    {
        this.mine6 = owned;
    }

    /**
     * Where a received frame's sync message starts, if it is one for this director's backup: UDP to the sync
     * port, sent to the group (or to this director), not by this director itself.
     *
     * @param cfg lvs_sync_daemon.
     * @param localIp this director's address.
     * @param b the frame.
     * @param ip the IPv4 header's offset (checked).
     * @param ipTotal the IP total length.
     * @param protocol the IP protocol.
     * @return the message's offset, or -1 when the frame is no sync message, -2 when it is our own.
     */
    public static int messageOffset(final VrrpConfig.SyncDaemon cfg, final int localIp, final DirectBuffer b,
        final int ip, final int ipTotal, final int protocol)
    {
        final int udp = ip + Ipv4.headerLength(b, ip);
        if (Ipv4.PROTO_UDP != protocol || ipTotal < udp - ip + Udp.HEADER_LENGTH ||
            (b.getShort(udp + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF) != cfg.port() ||
            Ipv4.dst(b, ip) != cfg.group() && Ipv4.dst(b, ip) != localIp)
        {
            return -1;
        }
        return Ipv4.src(b, ip) == localIp ? -2 : udp + Udp.HEADER_LENGTH;
    }

    /**
     * @param b the frame.
     * @param ip the IPv4 header's offset.
     * @param ipTotal the IP total length.
     * @param offset the message's offset ({@link #messageOffset}).
     * @return the message's length by its UDP header, cut to what the packet holds.
     */
    public static int messageLength(final DirectBuffer b, final int ip, final int ipTotal, final int offset)
    {
        final int len = Udp.length(b, offset - Udp.HEADER_LENGTH) - Udp.HEADER_LENGTH;
        return Math.max(0, Math.min(len, ip + ipTotal - offset));
    }

    /**
     * A received message, handed to every worker by the conductor; on this worker's thread.
     *
     * @param message the sync message bytes.
     * @param nowMs the time.
     */
    public void receive(final byte[] message, final long nowMs)
    {
        if (master)
        {
            return;
        }
        now = nowMs;
        receivedMessages++;
        if (SyncMessage.Verdict.OK != SyncMessage.parse(new UnsafeBuffer(message), 0, message.length, cfg.syncId(),
            this))
        {
            badMessages++;
        }
    }

    /**
     * Master (send) or backup (receive), as VRRP decides.
     *
     * @param active true on the VRRP master.
     */
    public void master(final boolean active)
    {
        if (active == master)
        {
            return;
        }
        master = active;
        fwd.syncSink(active ? this : null);
        log.accept("connection sync: " + (active ? "master, sending to " : "backup, listening on ") +
            Ipv4.toString(cfg.group()) + ":" + cfg.port() + " (syncid " + cfg.syncId() + ", maxlen " + maxLen + ")");
    }

    @Override
    public void onSync(final ConnectionTable t, final int e)
    {
        final boolean v6 = t.isIpv6(e);
        if (SyncMessage.size(msg, 0) + (v6 ? SyncMessage.CONN6_LENGTH : SyncMessage.CONN_LENGTH) > maxLen)
        {
            send();
        }
        if (0 == SyncMessage.count(msg, 0))
        {
            firstAt = now;
        }
        final int f = t.flags(e);
        final boolean template = 0 != (f & ConnectionTable.F_TEMPLATE);
        int flags = switch (t.fwd(e))
        {
            case Method.TUN -> SyncMessage.F_TUNNEL;
            case Method.DR -> SyncMessage.F_DROUTE;
            default -> SyncMessage.F_MASQ;
        };
        if (template)
        {
            // A kernel template carries its real server's conn_flags: INACTIVE, and NOOUTPUT unless NAT.
            flags |= SyncMessage.F_TEMPLATE | SyncMessage.F_INACTIVE |
                (SyncMessage.F_MASQ != flags ? SyncMessage.F_NOOUTPUT : 0);
        }
        else
        {
            flags |= 0 != (f & ConnectionTable.F_INACTIVE) ? SyncMessage.F_INACTIVE : 0;
            flags |= 0 != (f & ConnectionTable.F_NOOUTPUT) ? SyncMessage.F_NOOUTPUT : 0;
        }
        final int proto = t.proto(e);
        // ip_vs_sync_conn_v2 sends cp->state: a template's is NONE or ASSURED, a UDP connection's NORMAL (0).
        final int state = template ? t.state(e) : Ipv4.PROTO_TCP != proto ? 0 : t.state(e);
        final int mark = template ? 0 : fwd.services().get(t.service(e)).fwmark();
        if (v6)
        {
            SyncMessage.append6(msg, 0, proto, flags, state, new int[] {t.cport(e), t.vport(e), t.dport(e)}, mark,
                Math.max(1, t.timeout(e) / 1000), new long[] {t.address6(e, ConnectionTable.EXT_CADDR),
                    t.address6(e, ConnectionTable.EXT_CADDR + 8), t.address6(e, ConnectionTable.EXT_VADDR),
                    t.address6(e, ConnectionTable.EXT_VADDR + 8), t.address6(e, ConnectionTable.EXT_DADDR),
                    t.address6(e, ConnectionTable.EXT_DADDR + 8)});
        }
        else
        {
            SyncMessage.append(msg, 0, proto, flags, state, t.caddr(e), t.cport(e), t.vaddr(e), t.vport(e),
                t.daddr(e), t.dport(e), mark, Math.max(1, t.timeout(e) / 1000));
        }
        sentConns++;
    }

    /**
     * Once per worker cycle: send what waited long enough.
     *
     * @param nowMs the time.
     * @return work done.
     */
    public int onCycle(final long nowMs)
    {
        now = nowMs;
        if (master && SyncMessage.count(msg, 0) > 0 && nowMs - firstAt >= FLUSH_MS)
        {
            send();
            return 1;
        }
        return 0;
    }

    /** @return when a batch is due to be sent (ms), or Long.MAX_VALUE. */
    public long nextDeadlineMs()
    {
        return master && SyncMessage.count(msg, 0) > 0 ? firstAt + FLUSH_MS : Long.MAX_VALUE;
    }

    private void send()
    {
        if (tx.isFull())
        {
            tx.flush();
        }
        final MutableDirectBuffer out = tx.buffer();
        final int off = tx.slotOffset();
        final int payload = SyncMessage.size(msg, 0);
        Ethernet.mac(out, off + Ethernet.DST_OFFSET, groupMac);
        Ethernet.mac(out, off + Ethernet.SRC_OFFSET, localMac);
        out.putShort(off + Ethernet.TYPE_OFFSET, (short)Ethernet.TYPE_IPV4, ByteOrder.BIG_ENDIAN);
        final int ip = off + Ethernet.HEADER_LENGTH;
        final int udp = ip + Ipv4.MIN_HEADER_LENGTH;
        out.putByte(ip, (byte)0x45);
        out.putByte(ip + Ipv4.TOS_OFFSET, (byte)0);
        Ipv4.totalLength(out, ip, Ipv4.MIN_HEADER_LENGTH + Udp.HEADER_LENGTH + payload);
        ipId = (ipId + 1) & 0xFFFF;
        out.putShort(ip + Ipv4.ID_OFFSET, (short)ipId, ByteOrder.BIG_ENDIAN);
        out.putShort(ip + Ipv4.FRAG_OFFSET, (short)0);
        out.putByte(ip + Ipv4.TTL_OFFSET, (byte)cfg.ttl());
        out.putByte(ip + Ipv4.PROTOCOL_OFFSET, (byte)Ipv4.PROTO_UDP);
        Ipv4.src(out, ip, localIp);
        Ipv4.dst(out, ip, cfg.group());
        Ipv4.fillChecksum(out, ip);
        out.putShort(udp, (short)cfg.port(), ByteOrder.BIG_ENDIAN);
        out.putShort(udp + 2, (short)cfg.port(), ByteOrder.BIG_ENDIAN);
        out.putShort(udp + Udp.LENGTH_OFFSET, (short)(Udp.HEADER_LENGTH + payload), ByteOrder.BIG_ENDIAN);
        out.putBytes(udp + Udp.HEADER_LENGTH, msg, 0, payload);
        Checksums.fillL4(out, ip, udp, Udp.HEADER_LENGTH + payload, Udp.CHECKSUM_OFFSET, true);
        tx.commit(HEADERS + payload);
        sentMessages++;
        SyncMessage.header(msg, 0, cfg.syncId());
    }

    @Override
    public void onConn(final int protocol, final int flags, final int state, final int caddr, final int cport,
        final int vaddr, final int vport, final int daddr, final int dport, final int fwmark, final int timeoutS)
    {
        if (!mine.test(caddr))
        {
            return;
        }
        final int timeoutMs = timeoutMs(protocol, flags, state, timeoutS);
        if (timeoutMs < 0)
        {
            unknown++;
            return;
        }
        count(fwd.installSynced(protocol, caddr, cport, vaddr, vport, daddr, dport, fwmark,
            0 != (flags & SyncMessage.F_TEMPLATE), 0 != (flags & SyncMessage.F_INACTIVE), state, timeoutMs, now));
    }

    @Override
    public void onConn6(final int protocol, final int flags, final int state, final int[] ports, final int fwmark,
        final int timeoutS, final long[] a)
    {
        if (!mine6.test(a[0], a[1]))
        {
            return;
        }
        final int timeoutMs = timeoutMs(protocol, flags, state, timeoutS);
        if (timeoutMs < 0)
        {
            unknown++;
            return;
        }
        count(fwd.installSynced6(protocol, a, ports, fwmark, 0 != (flags & SyncMessage.F_TEMPLATE),
            0 != (flags & SyncMessage.F_INACTIVE), state, timeoutMs, now));
    }

    /** The entry's timeout as ip_vs_proc_conn takes it, ms; -1 for a TCP state it does not know. */
    private int timeoutMs(final int protocol, final int flags, final int state, final int timeoutS)
    {
        if (Ipv4.PROTO_TCP == protocol && state >= TcpStates.COUNT)
        {
            return -1;
        }
        if (0 == timeoutS)
        {
            // ip_vs_proc_conn: no timeout sent, the state's own (templates: 3 minutes).
            return 0 != (flags & SyncMessage.F_TEMPLATE) ? 180_000 : Ipv4.PROTO_TCP == protocol ?
                engine.tcpTimeoutsMs[state] : engine.udpTimeoutMs;
        }
        // The field is unsigned seconds; the table holds int milliseconds (IPVS too clamps what it is sent).
        return (int)Math.min(Integer.toUnsignedLong(timeoutS) * 1000, Integer.MAX_VALUE);
    }

    private void count(final int entry)
    {
        if (entry < 0)
        {
            unknown++;
        }
        else
        {
            installed++;
        }
    }

    /**
     * ipvsadm 1.31's list_daemon line, with what the kernel's start_sync_thread reports: the group, port and TTL
     * (their defaults filled in), and maxlen as configured (clamped to 1 or, for a backup, 1024 .. 65535 less the
     * IP and UDP headers) or else the MTU less them (a master's MTU taken as 1500, a backup's clamped to 1500 ..
     * 65535).
     *
     * @return ipvsadm -L --daemon's line for this daemon.
     */
    public String daemonLine()
    {
        return daemonLine(cfg, master, mtu);
    }

    static String daemonLine(final VrrpConfig.SyncDaemon cfg, final boolean master, final int mtu)
    {
        final int headers = Ipv4.MIN_HEADER_LENGTH + Udp.HEADER_LENGTH;
        final int len = 0 != cfg.maxLen() ? Math.max(master ? 1 : 1024, Math.min(cfg.maxLen(), 65_535 - headers)) :
            (master ? 1500 : Math.max(1500, Math.min(mtu, 65_535))) - headers;
        return (master ? "master" : "backup") + " sync daemon (mcast=" + cfg.iface() + ", syncid=" + cfg.syncId() +
            ", maxlen=" + len + ", group=" + Ipv4.toString(cfg.group()) + ", port=" + cfg.port() + ", ttl=" +
            cfg.ttl() + ")";
    }

    /** @return a line for the log. */
    public String summary()
    {
        return String.format(java.util.Locale.ROOT, "connection sync: sent %d messages (%d entries), received %d " +
            "(%d entries installed, %d for no configured real server, %d malformed)", sentMessages, sentConns,
            receivedMessages, installed, unknown, badMessages);
    }
}
