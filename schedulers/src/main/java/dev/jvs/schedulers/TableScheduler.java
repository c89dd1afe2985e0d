package dev.jvs.schedulers;

import java.util.Arrays;

/**
 * The hashing schedulers (dh, sh, mh): a table of destination ids, looked up by a hash of the flow, and
 * rebuilt from the list whenever a destination is added, removed or changed, as their kernel modules do on
 * every {@code add_dest}/{@code del_dest}/{@code upd_dest}. No destination left: every slot is
 * {@link #NO_DEST}.
 */
abstract class TableScheduler extends Scheduler
{
    /** The table: a destination id per slot. */
    final int[] table;

    TableScheduler(final Destinations dests, final int size)
    {
        super(dests);
        table = new int[size];
        Arrays.fill(table, NO_DEST);
    }

    /** Fill {@link #table} from the current list. */
    abstract void reassign();

    /**
     * The slot of a key: {@code ip_vs_sh_hashkey} (mh overrides it with its own).
     *
     * @param addr address.
     * @param port port, or 0.
     * @param offset the fallback walk's offset, or 0.
     * @return the slot.
     */
    int slotOf(final int addr, final int port, final int offset)
    {
        return SourceHashing.hashKey(addr, port, offset);
    }

    /**
     * The key's slot; a destination there that is unusable (weight 0, overloaded) means none, or with
     * {@code fallback} a walk over rehashed slots to the first usable one ({@code ip_vs_sh_get_fallback},
     * {@code ip_vs_mh_get_fallback}).
     */
    final int pickByKey(final int addr, final int port, final boolean fallback)
    {
        final int ihash = slotOf(addr, port, 0);
        int id = table[ihash];
        if (NO_DEST == id || usable(id))
        {
            return id;
        }
        if (!fallback)
        {
            return NO_DEST;
        }
        for (int off = 0; off < table.length; off++)
        {
            id = table[slotOf(addr, port, (off + ihash) % table.length)];
            if (NO_DEST == id)
            {
                break;
            }
            if (usable(id))
            {
                return id;
            }
        }
        return NO_DEST;
    }

    /** @param id destination. @return whether it may take a new connection. */
    final boolean usable(final int id)
    {
        return dests.weight[id] > 0 && 0 == (dests.flags[id] & Destinations.F_OVERLOAD);
    }

    @Override
    protected void onInit()
    {
        reassign();
    }

    @Override
    protected void onDone()
    {
        Arrays.fill(table, NO_DEST);
    }

    @Override
    protected void onDestAdded(final int id)
    {
        reassign();
    }

    @Override
    protected void onDestRemoved(final int id, final int formerPosition)
    {
        reassign();
    }

    @Override
    protected void onDestUpdated(final int id)
    {
        reassign();
    }
}
