package dev.jvs.director.ha;

import dev.jvs.engine.Forwarder;
import dev.jvs.engine.Ownership;
import dev.jvs.engine.frame.IpAddress;
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
     * @param addressPort6 the port of each IPv6 address (null: answered on any).
     * @param managed6 every IPv6 address an instance manages.
     * @return the ownership.
     */
    static Ownership by(final List<VrrpInstance> instances, final IntHashSet master, final Int2IntHashMap addressPort,
        final IntHashSet managed, final java.util.Map<IpAddress, Integer> addressPort6,
        final java.util.Set<IpAddress> managed6)
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
        final LongArrayList owned6 = new LongArrayList();
        final org.agrona.collections.IntArrayList ports6 = new org.agrona.collections.IntArrayList();
        final LongArrayList macs6 = new LongArrayList();
        for (final VrrpInstance i : instances)
        {
            final byte[] six = i.config().ownedAddresses6();
            for (int k = 0; VrrpState.MASTER == i.state() && k < six.length; k += 16)
            {
                final IpAddress a = IpAddress.of(java.util.Arrays.copyOfRange(six, k, k + 16));
                owned6.addLong(a.hi());
                owned6.addLong(a.lo());
                ports6.addInt(null != addressPort6 ? addressPort6.getOrDefault(a, -1) : -1);
                macs6.addLong(i.config().useVmac() ? i.config().vmac() : 0);
            }
        }
        final LongArrayList all6 = new LongArrayList();
        managed6.forEach(a ->
        {
            all6.addLong(a.hi());
            all6.addLong(a.lo());
        });
        return new Ownership(all ? Forwarder.GATE_OPEN : Forwarder.GATE_OWNED, owned, ports, vmacs.toLongArray(),
            managed.stream().mapToInt(Integer::intValue).toArray(), owned6.toLongArray(), ports6.toIntArray(),
            macs6.toLongArray(), all6.toLongArray());
    }
}
