package dev.jvs.engine.conn;

import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

import static dev.jvs.engine.conn.ConnectionEntries.CADDR;
import static dev.jvs.engine.conn.ConnectionEntries.CPORT;
import static dev.jvs.engine.conn.ConnectionEntries.DADDR;
import static dev.jvs.engine.conn.ConnectionEntries.DPORT;
import static dev.jvs.engine.conn.ConnectionEntries.ENTRY_LENGTH;
import static dev.jvs.engine.conn.ConnectionEntries.EXT_CADDR;
import static dev.jvs.engine.conn.ConnectionEntries.EXT_DADDR;
import static dev.jvs.engine.conn.ConnectionEntries.EXT_LENGTH;
import static dev.jvs.engine.conn.ConnectionEntries.EXT_VADDR;
import static dev.jvs.engine.conn.ConnectionEntries.F_TEMPLATE;
import static dev.jvs.engine.conn.ConnectionEntries.KIND;
import static dev.jvs.engine.conn.ConnectionEntries.KIND_CONN6;
import static dev.jvs.engine.conn.ConnectionEntries.KIND_TEMPLATE6;
import static dev.jvs.engine.conn.ConnectionEntries.PROTO;
import static dev.jvs.engine.conn.ConnectionEntries.VADDR;
import static dev.jvs.engine.conn.ConnectionEntries.VPORT;
import static dev.jvs.engine.conn.ConnectionTable.NONE;

/**
 * The IPv6 side of a {@link ConnectionTable}: IPv6 connections and templates in the same entries, indexes and
 * timer wheel, their key's address fields a seeded 32-bit digest of each address and the addresses themselves
 * in the entries' extension (see {@link ConnectionEntries}). A hit on the digests is confirmed against the full
 * addresses, and the probe goes on when they differ: two addresses with one digest are two connections.
 * Single writer, as the table.
 */
public final class Ipv6Connections
{
    private final ConnectionTable t;
    private final long seed;
    private final long seedHigh;

    Ipv6Connections(final ConnectionTable t, final long seed, final long seedHigh)
    {
        this.t = t;
        this.seed = seed;
        this.seedHigh = seedHigh;
    }

    /**
     * The 32-bit digest an IPv6 address is indexed by: seeded, so no client can choose addresses that share
     * one; equal digests are told apart by the full addresses in the extension.
     *
     * @param hi the address's first 64 bits.
     * @param lo its last 64 bits.
     * @return the digest.
     */
    public int digest(final long hi, final long lo)
    {
        long h = (hi ^ seedHigh) * 0x9E3779B97F4A7C15L + (lo ^ seed) * 0xC2B2AE3D27D4EB4FL;
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        return (int)(h ^ (h >>> 32));
    }

    /**
     * Find the IPv6 connection of a packet from the client side.
     *
     * @return the entry, or -1.
     */
    public int lookupIn(final int proto, final long chi, final long clo, final int cport, final long vhi,
        final long vlo, final int vport)
    {
        return find(KIND_CONN6, proto, chi, clo, cport, vhi, vlo, vport);
    }

    /**
     * Find an IPv6 persistence template.
     *
     * @param proto the template's protocol (0 for a firewall-mark service's).
     * @param shi the client network's first 64 bits (the address masked by the granularity).
     * @param slo its last 64 bits.
     * @param vhi the virtual address's first 64 bits (0 for a firewall-mark service).
     * @param vlo its last 64 bits (the mark for a firewall-mark service).
     * @param vport virtual port, 0 for port-zero and firewall-mark services.
     * @return the template entry, or -1.
     */
    public int lookupTemplate(final int proto, final long shi, final long slo, final long vhi, final long vlo,
        final int vport)
    {
        return find(KIND_TEMPLATE6, proto, shi, slo, 0, vhi, vlo, vport);
    }

    private int find(final int kind, final int proto, final long chi, final long clo, final int cport,
        final long vhi, final long vlo, final int vport)
    {
        if (null == t.ext)
        {
            return NONE;
        }
        final int cd = digest(chi, clo);
        final int vd = digest(vhi, vlo);
        final int h = t.hash((kind << 8) | proto, cd, cport, vd, vport);
        final UnsafeBuffer idx = t.inIndex;
        final UnsafeBuffer en = t.entries;
        final int mask = t.slotMask;
        int i = h & mask;
        while (true)
        {
            final long s = idx.getLong(i << 3);
            if (0 == s)
            {
                return NONE;
            }
            if ((int)(s >>> 32) == h)
            {
                final int e = (int)s - 1;
                final int o = e * ENTRY_LENGTH;
                if (en.getInt(o + CADDR) == cd && en.getInt(o + VADDR) == vd &&
                    en.getShort(o + CPORT) == (short)cport && en.getShort(o + VPORT) == (short)vport &&
                    en.getByte(o + PROTO) == (byte)proto && en.getByte(o + KIND) == (byte)kind &&
                    sameAddress(e, EXT_CADDR, chi, clo) && sameAddress(e, EXT_VADDR, vhi, vlo))
                {
                    return e;
                }
            }
            i = (i + 1) & mask;
        }
    }

    private boolean sameAddress(final int e, final int which, final long hi, final long lo)
    {
        final int x = e * EXT_LENGTH + which;
        return t.ext.getLong(x, ByteOrder.BIG_ENDIAN) == hi && t.ext.getLong(x + 8, ByteOrder.BIG_ENDIAN) == lo;
    }

    /**
     * Find the IPv6 NAT connection of a reply from a real server.
     *
     * @return the entry, or -1.
     */
    public int lookupOut(final int proto, final long dhi, final long dlo, final int dport, final long chi,
        final long clo, final int cport)
    {
        if (null == t.ext)
        {
            return NONE;
        }
        final int dd = digest(dhi, dlo);
        final int cd = digest(chi, clo);
        final int h = t.hash(proto, dd, dport, cd, cport);
        final UnsafeBuffer idx = t.outIndex;
        final UnsafeBuffer en = t.entries;
        final int mask = t.slotMask;
        int i = h & mask;
        while (true)
        {
            final long s = idx.getLong(i << 3);
            if (0 == s)
            {
                return NONE;
            }
            if ((int)(s >>> 32) == h)
            {
                final int e = (int)s - 1;
                final int o = e * ENTRY_LENGTH;
                if (en.getInt(o + DADDR) == dd && en.getInt(o + CADDR) == cd &&
                    en.getShort(o + DPORT) == (short)dport && en.getShort(o + CPORT) == (short)cport &&
                    en.getByte(o + PROTO) == (byte)proto && en.getByte(o + KIND) == (byte)KIND_CONN6 &&
                    sameAddress(e, EXT_DADDR, dhi, dlo) && sameAddress(e, EXT_CADDR, chi, clo))
                {
                    return e;
                }
            }
            i = (i + 1) & mask;
        }
    }

    /**
     * Add an IPv6 connection.
     *
     * @return the entry, or -1 when the table is full.
     */
    public int insert(final int proto, final long chi, final long clo, final int cport, final long vhi,
        final long vlo, final int vport, final long dhi, final long dlo, final int dport, final int flags,
        final int timeoutMs, final long nowMs)
    {
        t.ensureExt();
        final int e = t.put(KIND_CONN6, proto, digest(chi, clo), cport, digest(vhi, vlo), vport, digest(dhi, dlo),
            dport, flags & ~F_TEMPLATE, timeoutMs, nowMs);
        putAddresses(e, chi, clo, vhi, vlo, dhi, dlo);
        return e;
    }

    /**
     * Add an IPv6 persistence template (addresses as {@link #lookupTemplate} takes them).
     *
     * @return the entry, or -1 when full.
     */
    public int insertTemplate(final int proto, final long shi, final long slo, final long vhi, final long vlo,
        final int vport, final long dhi, final long dlo, final int dport, final int timeoutMs, final long nowMs)
    {
        t.ensureExt();
        final int e = t.put(KIND_TEMPLATE6, proto, digest(shi, slo), 0, digest(vhi, vlo), vport, digest(dhi, dlo),
            dport, F_TEMPLATE, timeoutMs, nowMs);
        putAddresses(e, shi, slo, vhi, vlo, dhi, dlo);
        return e;
    }

    private void putAddresses(final int e, final long chi, final long clo, final long vhi, final long vlo,
        final long dhi, final long dlo)
    {
        if (NONE == e)
        {
            return;
        }
        final int x = e * EXT_LENGTH;
        t.ext.putLong(x + EXT_CADDR, chi, ByteOrder.BIG_ENDIAN);
        t.ext.putLong(x + EXT_CADDR + 8, clo, ByteOrder.BIG_ENDIAN);
        t.ext.putLong(x + EXT_VADDR, vhi, ByteOrder.BIG_ENDIAN);
        t.ext.putLong(x + EXT_VADDR + 8, vlo, ByteOrder.BIG_ENDIAN);
        t.ext.putLong(x + EXT_DADDR, dhi, ByteOrder.BIG_ENDIAN);
        t.ext.putLong(x + EXT_DADDR + 8, dlo, ByteOrder.BIG_ENDIAN);
    }
}
