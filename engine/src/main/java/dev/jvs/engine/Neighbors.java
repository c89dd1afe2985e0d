package dev.jvs.engine;

import org.agrona.collections.Long2LongHashMap;

/**
 * IPv4 address to MAC address, for real servers (and next hops). Filled from the configuration, a neighbour
 * file, or ARP resolution; lookups allocate nothing.
 */
public final class Neighbors
{
    /** Returned when an address has no known MAC. */
    public static final long UNKNOWN = -1L;

    private final Long2LongHashMap macs = new Long2LongHashMap(UNKNOWN);
    private int version;

    /**
     * @param ip address.
     * @param mac MAC in the low 48 bits.
     */
    public void put(final int ip, final long mac)
    {
        if (macs.put(ip & 0xFFFFFFFFL, mac) != mac)
        {
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
        macs.remove(ip & 0xFFFFFFFFL);
        version++;
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
