package dev.jvs.engine;

/**
 * A worker's IPv6 side of {@link Ownership}: which IPv6 addresses this director answers neighbour solicitations
 * for and forwards to. Behind an open gate (master of every instance, or no VRRP) every IPv6 VIP; behind a
 * closed one the IPv6 addresses of the instances it is master of, and the IPv6 VIPs no instance manages (a
 * static VIP is always this director's, as an IPv4 one). Few addresses: arrays scanned in order.
 */
final class Owned6
{
    private boolean open = true;
    private long[] owned = new long[0];
    private int[] ports = new int[0];
    private long[] macs = new long[0];
    private long[] managed = new long[0];

    void own(final Ownership o)
    {
        open = Forwarder.GATE_OPEN == o.gate();
        owned = o.addresses6();
        ports = o.ports6();
        macs = o.macs6();
        managed = o.managed6();
    }

    /**
     * @param hi a destination, high 64 bits.
     * @param lo low 64 bits.
     * @param services the services (a VIP no instance manages is always owned).
     * @return whether the director forwards toward it without looking further: the gate is open, it is the
     *     address of an instance this director is master of, or a VIP no instance manages.
     */
    boolean forwards(final long hi, final long lo, final dev.jvs.engine.service.ServiceTable services)
    {
        return open || indexOf(owned, hi, lo) >= 0 || indexOf(managed, hi, lo) < 0 && services.isVip6(hi, lo);
    }

    /**
     * @param hi an address, high 64 bits.
     * @param lo low 64 bits.
     * @param isVip whether it is a service VIP.
     * @param port the port a solicitation came in by.
     * @return the MAC to advertise it from (0: the port's own), or -1 when this director does not answer for it
     *     there.
     */
    long answer(final long hi, final long lo, final boolean isVip, final int port)
    {
        final int i = indexOf(owned, hi, lo);
        if (i >= 0)
        {
            return ports[i] < 0 || ports[i] == port ? macs[i] : -1;
        }
        return isVip && (open || indexOf(managed, hi, lo) < 0) ? 0 : -1;
    }

    /** @return whether no instance manages an IPv6 address (nothing to gate). */
    boolean unmanaged()
    {
        return 0 == managed.length;
    }

    private static int indexOf(final long[] pairs, final long hi, final long lo)
    {
        for (int i = 0; i + 1 < pairs.length; i += 2)
        {
            if (pairs[i] == hi && pairs[i + 1] == lo)
            {
                return i / 2;
            }
        }
        return -1;
    }
}
