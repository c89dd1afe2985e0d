package dev.jvs.engine.service;

import dev.jvs.engine.frame.IpAddress;

/**
 * {@link FwmarkRule} for IPv6 destinations ({@code ip6tables -t mangle ... -j MARK} in the LVS guides): matches
 * protocol (0 any), a destination prefix of up to 128 bits and a port range.
 *
 * @param protocol IP protocol, 0 for any.
 * @param addr destination network (the address cut to the prefix).
 * @param prefixLength 0..128.
 * @param portLow first destination port (0 with portHigh 65535 for any).
 * @param portHigh last destination port.
 * @param mark the mark to give.
 */
public record FwmarkRule6(int protocol, IpAddress addr, int prefixLength, int portLow, int portHigh, int mark)
{
    /** Validate, and cut the address to its prefix. */
    public FwmarkRule6
    {
        if (!addr.v6() || prefixLength < 0 || prefixLength > 128 || portLow < 0 || portHigh > 65535 ||
            portLow > portHigh || mark <= 0)
        {
            throw new IllegalArgumentException("bad IPv6 fwmark rule: " + addr + "/" + prefixLength + " ports=" +
                portLow + "-" + portHigh + " mark=" + mark);
        }
        addr = new IpAddress(true, addr.hi() & maskHi(prefixLength), addr.lo() & maskLo(prefixLength));
    }

    private static long maskHi(final int len)
    {
        return 0 == len ? 0 : len >= 64 ? -1L : -1L << (64 - len);
    }

    private static long maskLo(final int len)
    {
        return len <= 64 ? 0 : -1L << (128 - len);
    }

    boolean matches(final int proto, final long hi, final long lo, final int dport)
    {
        return (0 == protocol || protocol == proto) && ((hi & maskHi(prefixLength)) == addr.hi()) &&
            ((lo & maskLo(prefixLength)) == addr.lo()) && dport >= portLow && dport <= portHigh;
    }
}
