package dev.jvs.vrrp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One {@code vrrp_instance} as keepalived reads it, with keepalived's defaults. Filled by the configuration
 * reader, then handed to a {@link VrrpInstance} and not changed.
 */
public final class InstanceConfig
{
    /** The instance's name. */
    public String name = "VI";
    /** The interface it runs on. */
    public String iface = "";
    /** virtual_router_id, 1..255. */
    public int vrid;
    /** VRRP version, 2 (keepalived's default) or 3. */
    public int version = 2;
    /** priority, 1..255 (255: the address owner). keepalived's default is 100. */
    public int priority = 100;
    /** advert_int in centiseconds (keepalived's default 1 s). */
    public int advertCentis = 100;
    /** v2 auth_pass, zero-padded to 8 bytes, or null for no authentication. */
    public byte[] authPass;
    /** virtual_ipaddress, in the order of the configuration (the order of the advertisement). */
    public int[] addresses = new int[0];
    /** The source and tie-break address: unicast_src_ip or the interface's primary address. */
    public int source;
    /** unicast_peer: adverts go to each instead of the group. */
    public int[] unicastPeers = new int[0];
    /** Preempt a lower priority master (default; {@code nopreempt} turns it off). */
    public boolean preempt = true;
    /** preempt_delay in ms: how long a backup lets a lower priority master be before it preempts. */
    public long preemptDelayMs;
    /** garp_master_delay in ms: the second round of gratuitous ARPs after becoming master (0: none). */
    public long garpMasterDelayMs = 5_000;
    /** garp_master_repeat: gratuitous ARPs per address in a round. */
    public int garpMasterRepeat = 5;
    /** garp_master_refresh in ms: periodic rounds while master (0: off). */
    public long garpMasterRefreshMs;
    /** garp_master_refresh_repeat. */
    public int garpMasterRefreshRepeat = 1;
    /** garp_lower_prio_repeat: gratuitous ARPs per address a master sends on a lower priority advert. */
    public int garpLowerPrioRepeat = 5;
    /** lower_prio_no_advert: a master does not answer a lower priority advert with one of its own. */
    public boolean lowerPrioNoAdvert;
    /** higher_prio_send_advert: a master sends one more advert before yielding to a higher priority one. */
    public boolean higherPrioSendAdvert;
    /** The configured initial state (keepalived still starts as backup unless it owns the addresses). */
    public String initialState = "BACKUP";
    /** check_unicast_src: with unicast peers, take adverts from them only. */
    public boolean checkUnicastSource;
    /** virtual_ipaddress_excluded: owned by the master like the addresses, but not listed in adverts. */
    public int[] excludedAddresses = new int[0];

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

    /** use_vmac: the addresses answer from the virtual router MAC 00:00:5e:00:01:VRID (RFC 5798 7.3). */
    public boolean useVmac;
    /** vmac_xmit_base: with use_vmac, adverts still leave from the interface's own MAC. */
    public boolean vmacXmitBase;

    /** @return the virtual router MAC of this instance's VRID (IPv4). */
    public long vmac()
    {
        return 0x00005E000100L | (vrid & 0xFF);
    }

    /**
     * Set a v2 password (keepalived uses the first 8 bytes).
     *
     * @param pass the auth_pass.
     * @return this.
     */
    public InstanceConfig password(final String pass)
    {
        authPass = Arrays.copyOf(pass.getBytes(StandardCharsets.US_ASCII), VrrpPacket.AUTH_LENGTH);
        return this;
    }

    /** @return the advertisement interval in ms. */
    public long advertMs()
    {
        return advertCentis * 10L;
    }
}
