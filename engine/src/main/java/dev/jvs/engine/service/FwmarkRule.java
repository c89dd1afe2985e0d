package dev.jvs.engine.service;

/**
 * A classification rule standing in for netfilter's MARK target: AF_PACKET sees a frame before netfilter
 * marks it, so jvs marks frames itself. Matches protocol (0 any), destination prefix and port range.
 *
 * @param protocol IP protocol, 0 for any.
 * @param addr destination network, host order.
 * @param prefixLength 0..32.
 * @param portLow first destination port (0 with portHigh 65535 for any).
 * @param portHigh last destination port.
 * @param mark the mark to give.
 */
public record FwmarkRule(int protocol, int addr, int prefixLength, int portLow, int portHigh, int mark)
{
    /** Validate. */
    public FwmarkRule
    {
        if (prefixLength < 0 || prefixLength > 32 || portLow < 0 || portHigh > 65535 || portLow > portHigh || mark <= 0)
        {
            throw new IllegalArgumentException("bad fwmark rule: prefix=" + prefixLength + " ports=" + portLow + "-" +
                portHigh + " mark=" + mark);
        }
    }

    /** @return the netmask of the prefix. */
    public int netmask()
    {
        return 0 == prefixLength ? 0 : -1 << (32 - prefixLength);
    }

    boolean matches(final int proto, final int daddr, final int dport)
    {
        return (0 == protocol || protocol == proto) && ((daddr ^ addr) & netmask()) == 0 &&
            dport >= portLow && dport <= portHigh;
    }
}
