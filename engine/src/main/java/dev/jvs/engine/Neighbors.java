package dev.jvs.engine;

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
