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
 */
public record Ownership(int gate, int[] addresses, int[] ports, long[] vmacs, int[] managed)
{
    /** Before VRRP has spoken: a director with instances forwards nothing. */
    public static final Ownership CLOSED = new Ownership(Forwarder.GATE_OWNED, new int[0], new long[0], new int[0]);

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
     */
    public Ownership
    {
        if (ports.length != addresses.length)
        {
            throw new IllegalArgumentException("a port for every address");
        }
        ports = ports.clone();
        addresses = addresses.clone();
        vmacs = vmacs.clone();
        managed = managed.clone();
    }
}
