package dev.jvs.engine;

import dev.jvs.engine.frame.IpAddress;
import org.agrona.collections.Long2LongHashMap;

/**
 * IPv4 address to MAC address, for real servers (and next hops). Filled from the configuration, a neighbour
 * file, or ARP resolution; lookups allocate nothing.
 *
 * <p>Shared by every worker: ARP replies reach worker 0 only (the fanout sends it every non-IPv4 frame), and
 * the others forward to what it learnt. So the map is copied on write and published whole (writes are rare:
 * an ARP answer that changes something, a configuration change); a reader sees one consistent map.
 */
public final class Neighbors
{
    /** Returned when an address has no known MAC. */
    public static final long UNKNOWN = -1L;

    private volatile Long2LongHashMap macs = new Long2LongHashMap(UNKNOWN);
    /** IPv6 real servers' MACs (neighbour discovery), with the port each was learnt on in bits 48-55. */
    private volatile java.util.Map<IpAddress, Long> macs6 = java.util.Map.of();
    private volatile int version;

    /**
     * @param ip address.
     * @param mac MAC in the low 48 bits.
     */
    public void put(final int ip, final long mac)
    {
        if (macs.get(ip & 0xFFFFFFFFL) == mac)
        {
            return;
        }
        synchronized (this)
        {
            final Long2LongHashMap next = copy();
            next.put(ip & 0xFFFFFFFFL, mac);
            macs = next;
            version++;
        }
    }

    /**
     * @param ip address.
     * @return the MAC, or {@link #UNKNOWN}.
     */
    public long get(final int ip)
    {
        return macs.get(ip & 0xFFFFFFFFL);
    }

    /** @param ip address to forget. */
    public void remove(final int ip)
    {
        if (!macs.containsKey(ip & 0xFFFFFFFFL))
        {
            return;
        }
        synchronized (this)
        {
            final Long2LongHashMap next = copy();
            next.remove(ip & 0xFFFFFFFFL);
            macs = next;
            version++;
        }
    }

    private Long2LongHashMap copy()
    {
        final Long2LongHashMap next = new Long2LongHashMap(UNKNOWN);
        next.putAll(macs);
        return next;
    }

    /**
     * @param ip an IPv6 address.
     * @param macAndPort its MAC, and in bits 48-55 the port it was learnt on.
     */
    public void put6(final IpAddress ip, final long macAndPort)
    {
        final Long now = macs6.get(ip);
        if (null != now && now == macAndPort)
        {
            return;
        }
        synchronized (this)
        {
            final java.util.Map<IpAddress, Long> next = new java.util.HashMap<>(macs6);
            next.put(ip, macAndPort);
            macs6 = next;
            version++;
        }
    }

    /**
     * @param ip an IPv6 address.
     * @return its MAC with the port it was learnt on in bits 48-55, or {@link #UNKNOWN}; allocates nothing.
     */
    public long get6(final IpAddress ip)
    {
        final Long v = macs6.get(ip);
        return null == v ? UNKNOWN : v;
    }

    /** @return a number that changes whenever a mapping changes (caches compare it). */
    public int version()
    {
        return version;
    }

    /** @return number of entries. */
    public int size()
    {
        return macs.size();
    }
}
