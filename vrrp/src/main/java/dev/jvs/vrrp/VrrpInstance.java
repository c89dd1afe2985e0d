package dev.jvs.vrrp;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * One VRRP instance's state machine: RFC 3768 / RFC 5798 section 6.4 with keepalived's choices where the RFCs
 * leave room (all from keepalived 2.2's vrrp.c and vrrp_scheduler.c):
 * <ul>
 * <li>it starts as backup unless it owns the addresses (priority 255); {@code state MASTER} does not skip the
 *     master-down wait;</li>
 * <li>a master hearing a lower priority (or an equal priority from a lower address) answers at once with an
 *     advertisement and a round of gratuitous ARPs, so a peer that just started settles fast;</li>
 * <li>preempt_delay: a backup lets a lower priority master be until preempt_delay after it first heard it;</li>
 * <li>VRRPv3 backups adopt the master's advertisement interval; VRRPv2 drops an advert whose interval
 *     differs;</li>
 * <li>leaving master for FAULT or STOP sends priority 0, so the backup takes over after its skew time.</li>
 * </ul>
 * Single-threaded: packets and {@link #tick} come from one thread, which passes the time (ms) in; a test
 * drives it with a fake clock.
 */
public final class VrrpInstance
{
    private final InstanceConfig cfg;
    private final VrrpOutput out;
    private final long[] counters = new long[VrrpCounter.values().length];
    private SyncGroup group;
    private VrrpState state = VrrpState.INIT;
    private int effectivePriority;
    private boolean fault;
    private long masterAdverMs;
    private long masterDownAt;
    private long advertAt;
    private long preemptAt;
    private long garpRoundAt = Long.MAX_VALUE;
    private long garpRefreshAt = Long.MAX_VALUE;
    /** A master has been heard (a VRRPv3 backup keeps the interval it learnt from it). */
    private boolean masterHeard;
    private int ipId;

    /**
     * @param cfg the configuration.
     * @param out the packet channel and VIP owner.
     */
    public VrrpInstance(final InstanceConfig cfg, final VrrpOutput out)
    {
        if (cfg.vrid() < 1 || cfg.vrid() > 255)
        {
            throw new IllegalArgumentException("virtual_router_id must be 1..255: vrid=" + cfg.vrid());
        }
        if (cfg.priority() < 1 || cfg.priority() > 255)
        {
            throw new IllegalArgumentException("priority must be 1..255: priority=" + cfg.priority());
        }
        if (2 != cfg.version() && 3 != cfg.version())
        {
            throw new IllegalArgumentException("version must be 2 or 3: version=" + cfg.version());
        }
        this.cfg = cfg;
        this.out = out;
        this.effectivePriority = cfg.priority();
        this.masterAdverMs = cfg.advertMs();
    }

    /** @return the configuration. */
    public InstanceConfig config()
    {
        return cfg;
    }

    /** @return the state. */
    public VrrpState state()
    {
        return state;
    }

    /** @return the priority advertised now (configured plus tracking weights). */
    public int effectivePriority()
    {
        return effectivePriority;
    }

    /** @param c a counter. @return its value. */
    public long counter(final VrrpCounter c)
    {
        return counters[c.ordinal()];
    }

    /** Count a packet dropped for this instance before it reached {@link #onAdvert}. @param c why. */
    public void count(final VrrpCounter c)
    {
        counters[c.ordinal()]++;
    }

    /** @return the IP identification for the next advertisement (keepalived counts from 1). */
    public int nextIpId()
    {
        ipId = (ipId + 1) & 0xFFFF;
        return ipId;
    }

    void group(final SyncGroup g)
    {
        this.group = g;
    }

    /** @return the sync group, or null. */
    public SyncGroup group()
    {
        return group;
    }

    /** RFC 5798: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256. @return ms. */
    public long skewMs()
    {
        return (256 - effectivePriority) * masterAdverMs / 256;
    }

    /** Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time. @return ms. */
    public long masterDownMs()
    {
        return 3 * masterAdverMs + skewMs();
    }

    /**
     * Start: master at once when owning the addresses, else backup waiting for the master-down interval.
     *
     * @param now ms.
     */
    public void start(final long now)
    {
        if (fault)
        {
            change(VrrpState.FAULT, "a tracked interface or script is down", now);
        }
        else if (255 == effectivePriority)
        {
            becomeMaster(now, "address owner");
        }
        else
        {
            enterBackup(now, "init");
        }
    }

    /**
     * Start again in the state a previous instance of the same name had (a reload): a master goes on as
     * master at once (advertising and with a round of gratuitous ARPs, as its addresses may have changed),
     * a backup waits out a fresh master-down interval, INIT or STOP starts as {@link #start} does.
     *
     * @param previous the state before the reload.
     * @param now ms.
     */
    public void resume(final VrrpState previous, final long now)
    {
        if (fault)
        {
            change(VrrpState.FAULT, "reload: a tracked interface or script is down", now);
        }
        else if (VrrpState.MASTER == previous)
        {
            becomeMaster(now, "reload, was master");
        }
        else if (VrrpState.BACKUP == previous)
        {
            enterBackup(now, "reload, was backup");
        }
        else
        {
            start(now);
        }
    }

    /**
     * Shut down: a master sends priority 0 so a backup takes over after its skew time.
     *
     * @param now ms.
     */
    public void stop(final long now)
    {
        if (VrrpState.MASTER == state)
        {
            sendPriorityZero();
        }
        change(VrrpState.STOP, "shutdown", now);
    }

    /**
     * An advertisement for this instance's VRID, already checked by {@link VrrpPacket#check}.
     *
     * @param b buffer.
     * @param ip IP header offset.
     * @param now ms.
     */
    public void onAdvert(final DirectBuffer b, final int ip, final long now)
    {
        final int v = VrrpPacket.vrrpOffset(b, ip);
        final boolean v6 = VrrpPacket.isIpv6(b, ip);
        if (VrrpPacket.version(b, v) != cfg.version() || v6 != cfg.ipv6())
        {
            count(VrrpCounter.VERSION_ERRORS);
            return;
        }
        if (2 == cfg.version() && !authOk(b, v))
        {
            return;
        }
        if (!sameAddresses(b, v, v6))
        {
            count(VrrpCounter.ADDRESS_LIST_ERRORS);
            return;
        }
        final int advertCentis = VrrpPacket.advertCentis(b, v);
        if (2 == cfg.version() && advertCentis != cfg.advertCentis())
        {
            count(VrrpCounter.ADVERT_INTERVAL_ERRORS);
            return;
        }
        count(VrrpCounter.ADVERT_RECEIVED);
        final int priority = VrrpPacket.priority(b, v);
        // The tie-break of equal priorities: the higher primary address wins (unsigned, as keepalived compares).
        final int higherSource = v6 ? VrrpPacket.compareSource6(b, ip, cfg.source6()) :
            Integer.compareUnsigned(b.getInt(ip + 12, ByteOrder.BIG_ENDIAN), cfg.source());
        if (0 == priority)
        {
            count(VrrpCounter.PRIORITY_ZERO_RECEIVED);
        }
        if (VrrpState.BACKUP == state)
        {
            backupReceive(priority, advertCentis, now);
        }
        else if (VrrpState.MASTER == state)
        {
            masterReceive(priority, higherSource > 0, advertCentis, now, b, ip);
        }
    }

    /** The advert carries this instance's addresses, as many and each of them (in any order). */
    private boolean sameAddresses(final DirectBuffer b, final int v, final boolean v6)
    {
        final int n = VrrpPacket.addressCount(b, v);
        if (n != cfg.addressCount())
        {
            return false;
        }
        for (int i = 0; i < n; i++)
        {
            if (v6 ? !contains6(b, v, i) : !contains(cfg.addresses(), VrrpPacket.address(b, v, i)))
            {
                return false;
            }
        }
        return true;
    }

    private boolean contains6(final DirectBuffer b, final int v, final int i)
    {
        for (int j = 0; j < cfg.addressCount(); j++)
        {
            if (VrrpPacket.address6Equals(b, v, i, cfg.addresses6(), j))
            {
                return true;
            }
        }
        return false;
    }

    private boolean authOk(final DirectBuffer b, final int v)
    {
        final int type = VrrpPacket.authType(b, v);
        final int expected = null == cfg.authPass() ? VrrpPacket.AUTH_NONE : VrrpPacket.AUTH_PASS;
        if (type != expected)
        {
            // keepalived: a type that is no type at all is invalid_authtype, another known one a mismatch.
            count(type > VrrpPacket.AUTH_AH ? VrrpCounter.INVALID_AUTH_TYPE : VrrpCounter.AUTH_TYPE_MISMATCH);
            return false;
        }
        if (VrrpPacket.AUTH_PASS == type)
        {
            final int a = v + VrrpPacket.HEADER_LENGTH + 4 * VrrpPacket.addressCount(b, v);
            for (int i = 0; i < VrrpPacket.AUTH_LENGTH; i++)
            {
                if (b.getByte(a + i) != cfg.authPass()[i])
                {
                    count(VrrpCounter.AUTH_FAILURE);
                    return false;
                }
            }
        }
        return true;
    }

    private void backupReceive(final int priority, final int advertCentis, final long now)
    {
        if (0 == priority)
        {
            masterDownAt = now + skewMs();
            return;
        }
        final boolean delayed = 0 != cfg.preemptDelayMs() && (0 == preemptAt || now < preemptAt);
        if (!cfg.preempt() || priority >= effectivePriority || delayed)
        {
            if (3 == cfg.version())
            {
                masterAdverMs = advertCentis * 10L;
            }
            masterHeard = true;
            masterDownAt = now + masterDownMs();
            if (0 != cfg.preemptDelayMs())
            {
                if (priority > effectivePriority)
                {
                    preemptAt = 0;
                }
                else if (0 == preemptAt)
                {
                    preemptAt = now + cfg.preemptDelayMs();
                }
            }
        }
        // Otherwise a lower priority master is ignored: the master-down timer runs out and we preempt.
    }

    private void masterReceive(final int priority, final boolean higherSource, final int advertCentis,
        final long now, final DirectBuffer b, final int ip)
    {
        if (0 == priority)
        {
            advertise(now);
            return;
        }
        if (priority > effectivePriority ||
            (priority == effectivePriority && higherSource))
        {
            if (cfg.higherPrioSendAdvert())
            {
                advertise(now);
            }
            if (3 == cfg.version())
            {
                masterAdverMs = advertCentis * 10L;
            }
            masterHeard = true;
            count(VrrpCounter.RELEASE_MASTER);
            enterBackup(now, "higher priority advert from " + out.sourceText(b, ip));
            return;
        }
        // A lower priority master (a peer that just started, or preempting late): assert ourselves now, unless
        // lower_prio_no_advert (strict mode: RFC 5798 has the master ignore it), and refresh the ARP caches.
        if (!cfg.lowerPrioNoAdvert())
        {
            advertise(now);
        }
        for (int i = 0; i < cfg.garpLowerPrioRepeat(); i++)
        {
            out.gratuitousArp(this);
        }
    }

    /**
     * Timers: advertisements while master, the master-down timer while backup, gratuitous ARP rounds.
     *
     * @param now ms.
     */
    public void tick(final long now)
    {
        if (VrrpState.BACKUP == state)
        {
            if (now >= masterDownAt)
            {
                becomeMaster(now, "advertisement timeout");
            }
        }
        else if (VrrpState.MASTER == state)
        {
            if (now >= advertAt)
            {
                advertise(now);
            }
            if (now >= garpRoundAt)
            {
                garpRoundAt = Long.MAX_VALUE;
                for (int i = 0; i < cfg.garpMasterRepeat(); i++)
                {
                    out.gratuitousArp(this);
                }
            }
            if (now >= garpRefreshAt)
            {
                garpRefreshAt = now + cfg.garpMasterRefreshMs();
                for (int i = 0; i < cfg.garpMasterRefreshRepeat(); i++)
                {
                    out.gratuitousArp(this);
                }
            }
        }
    }

    /** @return when {@link #tick} next has something to do, ms. */
    public long nextDeadline()
    {
        if (VrrpState.BACKUP == state)
        {
            return masterDownAt;
        }
        if (VrrpState.MASTER == state)
        {
            return Math.min(advertAt, Math.min(garpRoundAt, garpRefreshAt));
        }
        return Long.MAX_VALUE;
    }

    /**
     * A tracked interface or script with no weight failed or recovered (keepalived's FAULT state).
     *
     * @param down whether something tracked is down.
     * @param now ms.
     */
    public void fault(final boolean down, final long now)
    {
        if (down == fault)
        {
            return;
        }
        fault = down;
        if (VrrpState.INIT == state || VrrpState.STOP == state)
        {
            return;
        }
        if (down)
        {
            if (VrrpState.MASTER == state)
            {
                sendPriorityZero();
                count(VrrpCounter.RELEASE_MASTER);
            }
            change(VrrpState.FAULT, "a tracked interface or script is down", now);
        }
        else
        {
            enterBackup(now, "tracked interfaces and scripts are up");
        }
    }

    /** @return whether something tracked holds the instance in FAULT. */
    public boolean isFaulted()
    {
        return fault;
    }

    /**
     * Tracking weights changed: the effective priority is the configured one plus their sum, within 1..254
     * (an owner's 255 is not adjusted, as in keepalived).
     *
     * @param delta the sum of the weights that apply now.
     */
    public void priorityDelta(final int delta)
    {
        effectivePriority = 255 == cfg.priority() ? 255 : Math.max(1, Math.min(254, cfg.priority() + delta));
    }

    void forceMaster(final long now, final String why)
    {
        if (VrrpState.BACKUP == state)
        {
            becomeMaster(now, why);
        }
    }

    void forceBackup(final long now, final String why)
    {
        if (VrrpState.MASTER == state)
        {
            count(VrrpCounter.RELEASE_MASTER);
            enterBackup(now, why);
        }
    }

    void forceFault(final long now, final String why)
    {
        if (VrrpState.MASTER == state)
        {
            sendPriorityZero();
            count(VrrpCounter.RELEASE_MASTER);
        }
        if (VrrpState.FAULT != state && VrrpState.STOP != state && VrrpState.INIT != state)
        {
            change(VrrpState.FAULT, why, now);
        }
    }

    void leaveForcedFault(final long now, final String why)
    {
        if (VrrpState.FAULT == state && !fault)
        {
            enterBackup(now, why);
        }
    }

    private void becomeMaster(final long now, final String why)
    {
        count(VrrpCounter.BECOME_MASTER);
        advertise(now);
        for (int i = 0; i < cfg.garpMasterRepeat(); i++)
        {
            out.gratuitousArp(this);
        }
        garpRoundAt = cfg.garpMasterDelayMs() > 0 ? now + cfg.garpMasterDelayMs() : Long.MAX_VALUE;
        garpRefreshAt = cfg.garpMasterRefreshMs() > 0 ? now + cfg.garpMasterRefreshMs() : Long.MAX_VALUE;
        change(VrrpState.MASTER, why, now);
    }

    private void enterBackup(final long now, final String why)
    {
        if (3 != cfg.version() || VrrpState.MASTER != state && !masterHeard)
        {
            masterAdverMs = cfg.advertMs();
        }
        masterDownAt = now + masterDownMs();
        garpRoundAt = Long.MAX_VALUE;
        garpRefreshAt = Long.MAX_VALUE;
        change(VrrpState.BACKUP, why, now);
    }

    private void advertise(final long now)
    {
        out.advertise(this, effectivePriority);
        count(VrrpCounter.ADVERT_SENT);
        advertAt = now + cfg.advertMs();
    }

    private void sendPriorityZero()
    {
        out.advertise(this, 0);
        count(VrrpCounter.ADVERT_SENT);
        count(VrrpCounter.PRIORITY_ZERO_SENT);
    }

    private void change(final VrrpState to, final String why, final long now)
    {
        final VrrpState from = state;
        state = to;
        if (from != to)
        {
            out.stateChanged(this, from, to, why);
            if (null != group)
            {
                group.onMemberChanged(this, to, now);
            }
        }
    }

    private static boolean contains(final int[] a, final int x)
    {
        for (final int y : a)
        {
            if (y == x)
            {
                return true;
            }
        }
        return false;
    }

    /** @param a an address. @return dotted quad. */
    public static String dotted(final int a)
    {
        return (a >>> 24) + "." + ((a >>> 16) & 0xFF) + "." + ((a >>> 8) & 0xFF) + "." + (a & 0xFF);
    }

    @Override
    public String toString()
    {
        return cfg.name() + "(" + state + ")";
    }
}
