package dev.jvs.engine;

import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.service.ServiceTable;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

import static dev.jvs.engine.Forwarder.GROUP;
import static dev.jvs.engine.Forwarder.PREFETCH_MIN_CONNECTIONS;

/**
 * The prefetch pass over a group of received frames, before they are processed: each frame's connection key
 * is hashed, then the group's index slots and entries are loaded in one short loop, so that their cache
 * misses are in flight together instead of one after another.
 */
final class Prefetch
{
    private static final long GROUP_IN = 1L << 32;
    private static final long GROUP_OUT = 1L << 33;

    private final ServiceTable services;
    private final ConnectionTable conns;
    /** Per frame of a prefetch group: GROUP_IN or GROUP_OUT and the key's hash; 0 for none. */
    private final long[] group = new long[GROUP];
    /** The prefetch loads folded together: stored to a field, they cannot be eliminated. */
    private long sink;

    Prefetch(final ServiceTable services, final ConnectionTable conns)
    {
        this.services = services;
        this.conns = conns;
    }

    /**
     * First step over a group of at most {@link Forwarder#GROUP} received frames: note frame {@code slot}'s connection
     * key (its hash, and whether to look in the reply index: a frame from a NAT real server). Then
     * {@link #entries}, then {@link Forwarder#process} each frame. Any frame is safe here: what is not an
     * untagged IPv4 TCP/UDP frame is skipped, and nothing is counted or changed. While the table holds too few
     * connections to miss the caches, nothing is done: the pass would only cost time.
     *
     * @param slot the frame's place in the group, 0 to {@link Forwarder#GROUP} - 1.
     * @param in buffer.
     * @param off frame offset.
     * @param len frame length.
     */
    void prefetch(final int slot, final DirectBuffer in, final int off, final int len)
    {
        group[slot] = 0;
        if (conns.size() < PREFETCH_MIN_CONNECTIONS || len < 38 || Ethernet.TYPE_IPV4 != Ethernet.type(in, off))
        {
            return;
        }
        final int ip = off + Ethernet.HEADER_LENGTH;
        final int hl = Ipv4.headerLength(in, ip);
        final int p = Ipv4.protocol(in, ip);
        if (hl < Ipv4.MIN_HEADER_LENGTH || Ethernet.HEADER_LENGTH + hl + 4 > len ||
            (Ipv4.PROTO_TCP != p && Ipv4.PROTO_UDP != p))
        {
            return;
        }
        final int ports = in.getInt(ip + hl, ByteOrder.BIG_ENDIAN);
        final int src = Ipv4.src(in, ip);
        final boolean out = services.isNatServer(src);
        final int h = out ? conns.hashOut(p, src, ports >>> 16, Ipv4.dst(in, ip), ports & 0xFFFF) :
            conns.hashIn(p, src, ports >>> 16, Ipv4.dst(in, ip), ports & 0xFFFF);
        group[slot] = (out ? GROUP_OUT : GROUP_IN) | (h & 0xFFFFFFFFL);
    }

    /**
     * Second step over a group: load each noted key's index slot and the entry it names, in one short loop, so
     * that the group's misses are in flight together (see {@link ConnectionTable#touchEntry}).
     *
     * @param count frames in the group.
     */
    void entries(final int count)
    {
        long x = sink;
        for (int i = 0; i < count; i++)
        {
            final long g = group[i];
            if (0 != g)
            {
                x ^= conns.touchEntry(GROUP_OUT == (g & GROUP_OUT), (int)g);
            }
        }
        sink = x;
    }
}
