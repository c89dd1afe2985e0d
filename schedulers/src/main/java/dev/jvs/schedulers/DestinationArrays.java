package dev.jvs.schedulers;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The destinations' fields, one array each, indexed by destination id, and their accessors; the list order
 * and the rules that change them are {@link Destinations}'s.
 */
public abstract class DestinationArrays
{
    /** Flag: the destination is in the service's list (cleared when it is removed). */
    public static final int F_AVAILABLE = 0x1;
    /** Flag: the destination reached its upper connection threshold. */
    public static final int F_OVERLOAD = 0x2;

    int[] weight;
    int[] lastWeight;
    /** Active connections as the schedulers see them: this list's own plus the other workers' (see {@link Destinations#share}). */
    int[] active;
    /** Inactive connections, likewise. */
    int[] inactive;
    /** This list's own connections, which it alone changes. */
    int[] ownActive;
    int[] ownInactive;
    /** The other workers' connections as last read ({@link Destinations#refresh}). */
    int[] remoteActive;
    int[] remoteInactive;
    /** Per id, the cell every worker's list publishes its own counts in, or null. */
    AtomicIntegerArray[] cells;
    int[] persistent;
    int[] upper;
    int[] lower;
    int[] flags;
    int[] addr;
    int[] port;
    int[] pos;
    boolean[] used;

    /** Destination ids in list order; position 0 is the head. */
    int[] order;
    int count;

    /** One past the highest id ever handed out. */
    int idLimit;

    DestinationArrays(final int c)
    {
        weight = new int[c];
        lastWeight = new int[c];
        active = new int[c];
        inactive = new int[c];
        ownActive = new int[c];
        ownInactive = new int[c];
        remoteActive = new int[c];
        remoteInactive = new int[c];
        cells = new AtomicIntegerArray[c];
        persistent = new int[c];
        upper = new int[c];
        lower = new int[c];
        flags = new int[c];
        addr = new int[c];
        port = new int[c];
        pos = new int[c];
        used = new boolean[c];
        order = new int[c];
        Arrays.fill(pos, -1);
    }

    /** @return number of destinations in the list. */
    public final int count()
    {
        return count;
    }

    /**
     * @param position 0 for the head.
     * @return the destination id at that list position.
     */
    public final int idAt(final int position)
    {
        return order[position];
    }

    /**
     * @param id destination.
     * @return true while it is in the service's list.
     */
    public final boolean isListed(final int id)
    {
        return id >= 0 && id < idLimit && used[id] && pos[id] >= 0;
    }

    /**
     * @param id destination.
     * @return true when removed from the list but not yet released (still holding connections).
     */
    public final boolean inTrash(final int id)
    {
        return id >= 0 && id < idLimit && used[id] && pos[id] < 0;
    }

    /**
     * @param id destination.
     * @return its list position, or -1 when removed.
     */
    public final int position(final int id)
    {
        return pos[id];
    }

    /** @param id destination. @return current weight. */
    public final int weight(final int id)
    {
        return weight[id];
    }

    /** @param id destination. @return last non-zero weight (mh builds its table from it). */
    public final int lastWeight(final int id)
    {
        return lastWeight[id];
    }

    /** @param id destination. @return active connections (every worker's, as last refreshed). */
    public final int activeConns(final int id)
    {
        return active[id];
    }

    /** @param id destination. @return inactive connections (every worker's, as last refreshed). */
    public final int inactiveConns(final int id)
    {
        return inactive[id];
    }

    /** @param id destination. @return the active connections this list bound itself. */
    public final int ownActiveConns(final int id)
    {
        return ownActive[id];
    }

    /** @param id destination. @return the inactive connections this list bound itself. */
    public final int ownInactiveConns(final int id)
    {
        return ownInactive[id];
    }

    /** @param id destination. @return persistence templates. */
    public final int persistentConns(final int id)
    {
        return persistent[id];
    }

    /** @param id destination. @return flag bits. */
    public final int flags(final int id)
    {
        return flags[id];
    }

    /** @param id destination. @return true when marked overloaded. */
    public final boolean isOverloaded(final int id)
    {
        return 0 != (flags[id] & F_OVERLOAD);
    }

    /** @param id destination. @return upper threshold. */
    public final int upperThreshold(final int id)
    {
        return upper[id];
    }

    /** @param id destination. @return lower threshold. */
    public final int lowerThreshold(final int id)
    {
        return lower[id];
    }

    /** @param id destination. @return IPv4 address, host order. */
    public final int address(final int id)
    {
        return addr[id];
    }

    /** @param id destination. @return port. */
    public final int port(final int id)
    {
        return port[id];
    }

    final void ensureOrderCapacity(final int n)
    {
        if (n > order.length)
        {
            order = Arrays.copyOf(order, Math.max(n, order.length * 2));
        }
    }

    final void grow(final int c)
    {
        weight = Arrays.copyOf(weight, c);
        lastWeight = Arrays.copyOf(lastWeight, c);
        active = Arrays.copyOf(active, c);
        inactive = Arrays.copyOf(inactive, c);
        ownActive = Arrays.copyOf(ownActive, c);
        ownInactive = Arrays.copyOf(ownInactive, c);
        remoteActive = Arrays.copyOf(remoteActive, c);
        remoteInactive = Arrays.copyOf(remoteInactive, c);
        cells = Arrays.copyOf(cells, c);
        persistent = Arrays.copyOf(persistent, c);
        upper = Arrays.copyOf(upper, c);
        lower = Arrays.copyOf(lower, c);
        flags = Arrays.copyOf(flags, c);
        addr = Arrays.copyOf(addr, c);
        port = Arrays.copyOf(port, c);
        final int old = pos.length;
        pos = Arrays.copyOf(pos, c);
        Arrays.fill(pos, old, c, -1);
        used = Arrays.copyOf(used, c);
    }

    /** @return one past the highest id ever handed out. */
    public int idLimit()
    {
        return idLimit;
    }
}
