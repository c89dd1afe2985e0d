package dev.jvs.vrrp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One {@code vrrp_instance} as keepalived reads it, with keepalived's defaults: an immutable value, made by a
 * {@link Builder} and compared by value (a reload leaves an instance whose value is equal alone).
 *
 * @param name the instance's name.
 * @param iface the interface it runs on.
 * @param vrid virtual_router_id, 1..255.
 * @param version VRRP version, 2 (keepalived's default) or 3.
 * @param priority 1..255 (255: the address owner). keepalived's default is 100.
 * @param advertCentis advert_int in centiseconds (keepalived's default 1 s).
 * @param authPass v2 auth_pass, zero-padded to 8 bytes, or null for no authentication.
 * @param addresses virtual_ipaddress, in the order of the configuration (the order of the advertisement).
 * @param source the source and tie-break address: unicast_src_ip or the interface's primary address.
 * @param unicastPeers unicast_peer: adverts go to each instead of the group.
 * @param preempt preempt a lower priority master (default; {@code nopreempt} turns it off).
 * @param preemptDelayMs preempt_delay: how long a backup lets a lower priority master be before it preempts.
 * @param garpMasterDelayMs garp_master_delay: the second round of gratuitous ARPs after becoming master (0: none).
 * @param garpMasterRepeat garp_master_repeat: gratuitous ARPs per address in a round.
 * @param garpMasterRefreshMs garp_master_refresh: periodic rounds while master (0: off).
 * @param garpMasterRefreshRepeat garp_master_refresh_repeat.
 * @param garpLowerPrioRepeat garp_lower_prio_repeat: gratuitous ARPs per address a master sends on a lower
 *     priority advert.
 * @param lowerPrioNoAdvert a master does not answer a lower priority advert with one of its own.
 * @param higherPrioSendAdvert a master sends one more advert before yielding to a higher priority one.
 * @param initialState the configured initial state (keepalived still starts as backup unless it owns the
 *     addresses).
 * @param checkUnicastSource check_unicast_src: with unicast peers, take adverts from them only.
 * @param excludedAddresses virtual_ipaddress_excluded: owned by the master like the addresses, not advertised.
 * @param useVmac use_vmac: the addresses answer from the virtual router MAC 00:00:5e:00:01:VRID (RFC 5798 7.3).
 * @param vmacXmitBase vmac_xmit_base: with use_vmac, adverts still leave from the interface's own MAC.
 * @param addresses6 an IPv6 instance's virtual_ipaddress, 16 bytes each (empty for IPv4): an instance is of
 *     one family, as keepalived's, and an IPv6 one speaks VRRPv3 over IPv6 (RFC 5798: ff02::12).
 * @param source6 an IPv6 instance's source and tie-break address: unicast_src_ip or the interface's link-local
 *     address (null until known).
 * @param unicastPeers6 an IPv6 instance's unicast_peer, 16 bytes each.
 * @param excludedAddresses6 an IPv6 instance's virtual_ipaddress_excluded, 16 bytes each.
 */
public record InstanceConfig(
    String name, String iface, int vrid, int version, int priority, int advertCentis, byte[] authPass,
    int[] addresses, int source, int[] unicastPeers, boolean preempt, long preemptDelayMs, long garpMasterDelayMs,
    int garpMasterRepeat, long garpMasterRefreshMs, int garpMasterRefreshRepeat, int garpLowerPrioRepeat,
    boolean lowerPrioNoAdvert, boolean higherPrioSendAdvert, String initialState, boolean checkUnicastSource,
    int[] excludedAddresses, boolean useVmac, boolean vmacXmitBase, byte[] addresses6, byte[] source6,
    byte[] unicastPeers6, byte[] excludedAddresses6)
{
    /** @return whether this is an IPv6 instance (VRRPv3 over IPv6). */
    public boolean ipv6()
    {
        return addresses6.length > 0;
    }

    /** @return how many addresses the advertisement carries. */
    public int addressCount()
    {
        return ipv6() ? addresses6.length / 16 : addresses.length;
    }

    /** @return an IPv6 instance's addresses and excluded ones (16 bytes each): what its master owns. */
    public byte[] ownedAddresses6()
    {
        if (0 == excludedAddresses6.length)
        {
            return addresses6;
        }
        final byte[] all = Arrays.copyOf(addresses6, addresses6.length + excludedAddresses6.length);
        System.arraycopy(excludedAddresses6, 0, all, addresses6.length, excludedAddresses6.length);
        return all;
    }

    /** @return the addresses and the excluded ones: what the master owns. */
    public int[] ownedAddresses()
    {
        if (0 == excludedAddresses.length)
        {
            return addresses;
        }
        final int[] all = Arrays.copyOf(addresses, addresses.length + excludedAddresses.length);
        System.arraycopy(excludedAddresses, 0, all, addresses.length, excludedAddresses.length);
        return all;
    }

    /** @return the virtual router MAC of this instance's VRID: 00:00:5e:00:01:VRID, for IPv6 00:00:5e:00:02:VRID. */
    public long vmac()
    {
        return (ipv6() ? 0x00005E000200L : 0x00005E000100L) | (vrid & 0xFF);
    }

    /** @return the advertisement interval in ms. */
    public long advertMs()
    {
        return advertCentis * 10L;
    }

    /**
     * @param address the interface's primary address, for an instance that names no source.
     * @return this instance with that source.
     */
    public InstanceConfig withSource(final int address)
    {
        return new InstanceConfig(name, iface, vrid, version, priority, advertCentis, authPass, addresses, address,
            unicastPeers, preempt, preemptDelayMs, garpMasterDelayMs, garpMasterRepeat, garpMasterRefreshMs,
            garpMasterRefreshRepeat, garpLowerPrioRepeat, lowerPrioNoAdvert, higherPrioSendAdvert, initialState,
            checkUnicastSource, excludedAddresses, useVmac, vmacXmitBase, addresses6, source6, unicastPeers6,
            excludedAddresses6);
    }

    /**
     * @param address the interface's link-local address, for an IPv6 instance that names no source.
     * @return this instance with that source.
     */
    public InstanceConfig withSource6(final byte[] address)
    {
        return new InstanceConfig(name, iface, vrid, version, priority, advertCentis, authPass, addresses, source,
            unicastPeers, preempt, preemptDelayMs, garpMasterDelayMs, garpMasterRepeat, garpMasterRefreshMs,
            garpMasterRefreshRepeat, garpLowerPrioRepeat, lowerPrioNoAdvert, higherPrioSendAdvert, initialState,
            checkUnicastSource, excludedAddresses, useVmac, vmacXmitBase, addresses6, address.clone(), unicastPeers6,
            excludedAddresses6);
    }

    // A record compares arrays by reference; these compare the addresses and password by content.
    @Override
    public boolean equals(final Object o)
    {
        return o instanceof InstanceConfig c && name.equals(c.name) && iface.equals(c.iface) && vrid == c.vrid &&
            version == c.version && priority == c.priority && advertCentis == c.advertCentis &&
            Arrays.equals(authPass, c.authPass) && Arrays.equals(addresses, c.addresses) && source == c.source &&
            Arrays.equals(unicastPeers, c.unicastPeers) && preempt == c.preempt &&
            preemptDelayMs == c.preemptDelayMs && garpMasterDelayMs == c.garpMasterDelayMs &&
            garpMasterRepeat == c.garpMasterRepeat && garpMasterRefreshMs == c.garpMasterRefreshMs &&
            garpMasterRefreshRepeat == c.garpMasterRefreshRepeat && garpLowerPrioRepeat == c.garpLowerPrioRepeat &&
            lowerPrioNoAdvert == c.lowerPrioNoAdvert && higherPrioSendAdvert == c.higherPrioSendAdvert &&
            initialState.equals(c.initialState) && checkUnicastSource == c.checkUnicastSource &&
            Arrays.equals(excludedAddresses, c.excludedAddresses) && useVmac == c.useVmac &&
            vmacXmitBase == c.vmacXmitBase && Arrays.equals(addresses6, c.addresses6) &&
            Arrays.equals(source6, c.source6) && Arrays.equals(unicastPeers6, c.unicastPeers6) &&
            Arrays.equals(excludedAddresses6, c.excludedAddresses6);
    }

    @Override
    public int hashCode()
    {
        return Objects.hash(name, iface, vrid, priority, Arrays.hashCode(addresses), Arrays.hashCode(addresses6));
    }

    @Override
    public String toString()
    {
        return name + "(vrid " + vrid + " on " + iface + ", priority " + priority + ")";
    }

    /** The mutable form, filled keyword by keyword by the configuration reader (keepalived's defaults). */
    public static final class Builder
    {
        /** See {@link InstanceConfig}. */
        public String name = "VI";
        /** See {@link InstanceConfig}. */
        public String iface = "";
        /** See {@link InstanceConfig}. */
        public int vrid;
        /** See {@link InstanceConfig}. */
        public int version = 2;
        /** See {@link InstanceConfig}. */
        public int priority = 100;
        /** See {@link InstanceConfig}. */
        public int advertCentis = 100;
        /** See {@link InstanceConfig}. */
        public byte[] authPass;
        /** See {@link InstanceConfig}. */
        public int[] addresses = new int[0];
        /** See {@link InstanceConfig}. */
        public int source;
        /** See {@link InstanceConfig}. */
        public int[] unicastPeers = new int[0];
        /** See {@link InstanceConfig}. */
        public boolean preempt = true;
        /** See {@link InstanceConfig}. */
        public long preemptDelayMs;
        /** See {@link InstanceConfig}. */
        public long garpMasterDelayMs = 5_000;
        /** See {@link InstanceConfig}. */
        public int garpMasterRepeat = 5;
        /** See {@link InstanceConfig}. */
        public long garpMasterRefreshMs;
        /** See {@link InstanceConfig}. */
        public int garpMasterRefreshRepeat = 1;
        /** See {@link InstanceConfig}. */
        public int garpLowerPrioRepeat = 5;
        /** See {@link InstanceConfig}. */
        public boolean lowerPrioNoAdvert;
        /** See {@link InstanceConfig}. */
        public boolean higherPrioSendAdvert;
        /** See {@link InstanceConfig}. */
        public String initialState = "BACKUP";
        /** See {@link InstanceConfig}. */
        public boolean checkUnicastSource;
        /** See {@link InstanceConfig}. */
        public int[] excludedAddresses = new int[0];
        /** See {@link InstanceConfig}. */
        public boolean useVmac;
        /** See {@link InstanceConfig}. */
        public boolean vmacXmitBase;
        /** See {@link InstanceConfig}. */
        public byte[] addresses6 = new byte[0];
        /** See {@link InstanceConfig}. */
        public byte[] source6;
        /** See {@link InstanceConfig}. */
        public byte[] unicastPeers6 = new byte[0];
        /** See {@link InstanceConfig}. */
        public byte[] excludedAddresses6 = new byte[0];

        /**
         * Set a v2 password (keepalived uses the first 8 bytes).
         *
         * @param pass the auth_pass.
         * @return this.
         */
        public Builder password(final String pass)
        {
            authPass = Arrays.copyOf(pass.getBytes(StandardCharsets.US_ASCII), VrrpPacket.AUTH_LENGTH);
            return this;
        }

        /** @return the value (arrays are copied: the value does not change when the builder does). */
        public InstanceConfig build()
        {
            return new InstanceConfig(name, iface, vrid, version, priority, advertCentis,
                null == authPass ? null : authPass.clone(), addresses.clone(), source, unicastPeers.clone(), preempt,
                preemptDelayMs, garpMasterDelayMs, garpMasterRepeat, garpMasterRefreshMs, garpMasterRefreshRepeat,
                garpLowerPrioRepeat, lowerPrioNoAdvert, higherPrioSendAdvert, initialState, checkUnicastSource,
                excludedAddresses.clone(), useVmac, vmacXmitBase, addresses6.clone(),
                null == source6 ? null : source6.clone(), unicastPeers6.clone(), excludedAddresses6.clone());
        }
    }
}
