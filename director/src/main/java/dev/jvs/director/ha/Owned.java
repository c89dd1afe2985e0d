package dev.jvs.director.ha;

import dev.jvs.engine.Forwarder;
import dev.jvs.engine.Ownership;
import dev.jvs.vrrp.VrrpInstance;
import dev.jvs.vrrp.VrrpState;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.IntHashSet;
import org.agrona.collections.LongArrayList;

import java.util.List;

/** What the instances' states make this director own, as the workers take it. */
final class Owned
{
    private Owned()
    {
    }

    /** @param instances the instances. @return the addresses of those it is master of. */
    static IntHashSet masterAddresses(final List<VrrpInstance> instances)
    {
        final IntHashSet addresses = new IntHashSet();
        for (final VrrpInstance i : instances)
        {
            if (VrrpState.MASTER == i.state())
            {
                for (final int a : i.config().ownedAddresses())
                {
                    addresses.add(a);
                }
            }
        }
        return addresses;
    }

    /**
     * The addresses of the instances this director is master of, the port each is answered on, the virtual
     * MACs of use_vmac instances, and the gate: open when it is master of every instance.
     *
     * @param instances the instances.
     * @param master {@link #masterAddresses} of them.
     * @param addressPort the port of each address (null: one port, answered on any).
     * @param managed every address an instance manages (service VIPs outside it are always owned).
     * @return the ownership.
     */
    static Ownership by(final List<VrrpInstance> instances, final IntHashSet master, final Int2IntHashMap addressPort,
        final IntHashSet managed)
    {
        final boolean all = instances.stream().allMatch(i -> VrrpState.MASTER == i.state());
        // use_vmac: the master's addresses answer ARP from the virtual router MAC.
        final LongArrayList vmacs = new LongArrayList();
        for (final VrrpInstance i : instances)
        {
            if (VrrpState.MASTER == i.state() && i.config().useVmac())
            {
                for (final int a : i.config().ownedAddresses())
                {
                    vmacs.addLong(a);
                    vmacs.addLong(i.config().vmac());
                }
            }
        }
        final int[] owned = master.stream().mapToInt(Integer::intValue).toArray();
        final int[] ports = new int[owned.length];
        for (int k = 0; k < owned.length; k++)
        {
            ports[k] = null != addressPort ? addressPort.get(owned[k]) : -1;
        }
        return new Ownership(all ? Forwarder.GATE_OPEN : Forwarder.GATE_OWNED, owned, ports, vmacs.toLongArray(),
            managed.stream().mapToInt(Integer::intValue).toArray());
    }
}
