package dev.jvs.engine;

/**
 * What VRRP says this director owns, as one value handed to every worker (the HA code never touches a
 * worker's tables): the gate, the addresses of the instances it is master of, the virtual MACs they answer
 * ARP from (use_vmac), and every address some instance manages. A service VIP no instance manages is always
 * owned; each worker adds those from its own service table, and again after a reload ({@link Forwarder#own}).
 *
 * @param gate {@link Forwarder#GATE_OPEN} (master of every instance) or {@link Forwarder#GATE_OWNED}.
 * @param addresses the addresses of the instances this director is master of.
 * @param ports the port each of those addresses is answered on (-1: any).
 * @param vmacs pairs of address and MAC: owned addresses that answer ARP from a virtual router MAC.
 * @param managed every address of every instance, master or not.
 * @param addresses6 the IPv6 addresses of the instances this director is master of, high and low 64 bits each.
 * @param ports6 the port each of those is answered on (-1: any).
 * @param macs6 the MAC each answers neighbour solicitations from (0: the port's; use_vmac: 00:00:5e:00:02:VRID).
 * @param managed6 every IPv6 address of every instance, high and low 64 bits each.
 */
public record Ownership(int gate, int[] addresses, int[] ports, long[] vmacs, int[] managed, long[] addresses6,
    int[] ports6, long[] macs6, long[] managed6)
{
    /** Before VRRP has spoken: a director with instances forwards nothing. */
    public static final Ownership CLOSED = new Ownership(Forwarder.GATE_OWNED, new int[0], new long[0], new int[0]);

    /**
     * IPv4 only, each address answered on the port given.
     *
     * @param gate the gate.
     * @param addresses owned addresses.
     * @param ports their ports.
     * @param vmacs address and MAC pairs.
     * @param managed managed addresses.
     */
    public Ownership(final int gate, final int[] addresses, final int[] ports, final long[] vmacs,
        final int[] managed)
    {
        this(gate, addresses, ports, vmacs, managed, new long[0], new int[0], new long[0], new long[0]);
    }

    /**
     * Owned addresses answered on any port.
     *
     * @param gate the gate.
     * @param addresses owned addresses.
     * @param vmacs address and MAC pairs.
     * @param managed managed addresses.
     */
    public Ownership(final int gate, final int[] addresses, final long[] vmacs, final int[] managed)
    {
        this(gate, addresses, any(addresses.length), vmacs, managed);
    }

    private static int[] any(final int n)
    {
        final int[] p = new int[n];
        java.util.Arrays.fill(p, -1);
        return p;
    }

    /**
     * @param gate the gate.
     * @param addresses owned addresses.
     * @param ports their ports.
     * @param vmacs address and MAC pairs.
     * @param managed managed addresses.
     * @param addresses6 owned IPv6 addresses.
     * @param ports6 their ports.
     * @param macs6 their MACs.
     * @param managed6 managed IPv6 addresses.
     */
    public Ownership
    {
        if (ports.length != addresses.length || 2 * ports6.length != addresses6.length ||
            ports6.length != macs6.length)
        {
            throw new IllegalArgumentException("a port for every address");
        }
        addresses6 = addresses6.clone();
        ports6 = ports6.clone();
        macs6 = macs6.clone();
        managed6 = managed6.clone();
        ports = ports.clone();
        addresses = addresses.clone();
        vmacs = vmacs.clone();
        managed = managed.clone();
    }
}
