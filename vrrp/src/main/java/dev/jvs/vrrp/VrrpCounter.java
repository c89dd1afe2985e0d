package dev.jvs.vrrp;

/**
 * Per-instance VRRP statistics, keepalived's ({@code vrrp_stats}) under the same names. Every packet that is
 * dropped is counted under exactly one of the error counters and never changes state.
 */
public enum VrrpCounter
{
    /** Advertisements accepted. */
    ADVERT_RECEIVED("advert_rcvd", false),
    /** Advertisements sent. */
    ADVERT_SENT("advert_sent", false),
    /** Times this instance became master. */
    BECOME_MASTER("become_master", false),
    /** Times it left master. */
    RELEASE_MASTER("release_master", false),
    /** Priority 0 advertisements received. */
    PRIORITY_ZERO_RECEIVED("pri_zero_rcvd", false),
    /** Priority 0 advertisements sent. */
    PRIORITY_ZERO_SENT("pri_zero_sent", false),
    /** Dropped: shorter than its headers and addresses say. */
    PACKET_LENGTH_ERRORS("packet_len_err", true),
    /** Dropped: TTL other than 255. */
    TTL_ERRORS("ip_ttl_err", true),
    /** Dropped: a VRRP version this instance does not speak. */
    VERSION_ERRORS("version_err", true),
    /** Dropped: a type other than advertisement. */
    INVALID_TYPE("invalid_type_rcvd", true),
    /** Dropped: bad checksum. */
    CHECKSUM_ERRORS("checksum_err", true),
    /** Dropped: no instance has this VRID on the interface. */
    VRID_ERRORS("vrid_err", true),
    /** Dropped: authentication type differs from ours. */
    AUTH_TYPE_MISMATCH("authtype_mismatch", true),
    /** Dropped: wrong password. */
    AUTH_FAILURE("auth_failure", true),
    /** Dropped: address count or list differs from ours. */
    ADDRESS_LIST_ERRORS("addr_list_err", true),
    /** Dropped: v2 advertisement interval differs from ours. */
    ADVERT_INTERVAL_ERRORS("advert_interval_err", true),
    /** Dropped: a unicast advert from no configured peer (check_unicast_src); keepalived only logs it. */
    UNKNOWN_PEER("unicast_src_unknown", true),
    /** Dropped: a VRRPv2 auth type that is none of NONE, PASS and AH. */
    INVALID_AUTH_TYPE("invalid_authtype", true);

    private final String label;
    private final boolean drop;

    VrrpCounter(final String label, final boolean drop)
    {
        this.label = label;
        this.drop = drop;
    }

    /** @return keepalived's name. */
    public String label()
    {
        return label;
    }

    /** @return whether a packet counted here was dropped. */
    public boolean isDrop()
    {
        return drop;
    }
}
