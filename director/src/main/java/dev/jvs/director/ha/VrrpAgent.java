package dev.jvs.director.ha;

import dev.jvs.director.config.VrrpConfig;
import dev.jvs.director.notify.Notifier;
import dev.jvs.engine.Forwarder;
import dev.jvs.engine.Neighbors;
import dev.jvs.engine.Ownership;
import dev.jvs.engine.agent.Forwarders;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.io.Sender;
import dev.jvs.vrrp.SyncGroup;
import dev.jvs.vrrp.VrrpCounter;
import dev.jvs.vrrp.VrrpInstance;
import dev.jvs.vrrp.VrrpOutput;
import dev.jvs.vrrp.VrrpPacket;
import dev.jvs.vrrp.VrrpState;
import org.agrona.DirectBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The director's VRRP: the instances of keepalived.conf that run on the forwarding interface, on the
 * conductor's thread. Advertisements and gratuitous ARPs (IPv6: unsolicited neighbour advertisements) go out
 * through a transmitter of its own; received advertisements come from the workers (IP protocol or IPv6 next
 * header 112, copied to the conductor). An IPv6 instance speaks VRRPv3 over IPv6 from the port's link-local
 * address; its VRIDs are apart from IPv4's. Becoming master makes the engine answer ARP
 * for the instances' addresses and forward for the virtual services; no instance master means standby:
 * nothing forwarded, nothing answered (connection sync keeps the table warm meanwhile).
 */
public final class VrrpAgent implements VrrpOutput
{
    /**
     * A port VRRP runs on: its interface, the director's address and MAC there, and a transmitter of the
     * conductor's own.
     *
     * @param port the port's number.
     * @param iface its interface.
     * @param ip the director's address there (the adverts' source unless unicast_src_ip).
     * @param mac its MAC.
     * @param tx the conductor's transmitter there.
     * @param linkLocal6 its IPv6 link-local address (an IPv6 instance's source), or null.
     * @param router6 whether it forwards IPv6 (unsolicited neighbour advertisements then say router).
     */
    public record Link(int port, String iface, int ip, long mac, Sender tx, byte[] linkLocal6, boolean router6)
    {
        /**
         * An interface without IPv6.
         *
         * @param port the port's number.
         * @param iface its interface.
         * @param ip the director's address there.
         * @param mac its MAC.
         * @param tx the conductor's transmitter there.
         */
        public Link(final int port, final String iface, final int ip, final long mac, final Sender tx)
        {
            this(port, iface, ip, mac, tx, null, false);
        }
    }

    private final Forwarders workers;
    private final List<Link> links;
    private final Neighbors neighbors;
    private final Consumer<String> log;
    private final Notifier notifier;
    private Tracker tracker;
    /** By port, by VRID: a VRID is an instance's per interface and family (RFC 5798: IPv4 and IPv6 apart). */
    private final VrrpInstance[][] byVrid;
    private final VrrpInstance[][] byVrid6;
    private final Map<VrrpInstance, Link> linkOf = new java.util.IdentityHashMap<>();
    /** The port each instance address is answered on: its {@code dev}, else its instance's. */
    private final org.agrona.collections.Int2IntHashMap addressPort = new org.agrona.collections.Int2IntHashMap(-1);
    private final Map<IpAddress, Integer> addressPort6 = new java.util.HashMap<>();
    private final List<VrrpInstance> instances = new ArrayList<>();
    private final Map<VrrpInstance, VrrpConfig.Instance> configs = new LinkedHashMap<>();
    private final AdvertDrops drops;
    private VipOwner vipOwner;
    private final org.agrona.collections.IntHashSet managed = new org.agrona.collections.IntHashSet();
    private final java.util.Set<IpAddress> managed6 = new java.util.LinkedHashSet<>();
    private VrrpInstance syncInstance;
    private final Notifications notifications;
    private boolean syncRole;
    private java.util.function.BiConsumer<VrrpConfig.Instance, VrrpState> transitions = (i, st) -> { };
    private final org.agrona.collections.IntHashSet kernelOwned = new org.agrona.collections.IntHashSet();
    private Consumer<Boolean> roleListener;
    private long nextDeadline;

    /**
     * @param cfg the VRRP configuration.
     * @param iface the forwarding interface (instances on other interfaces are not run here).
     * @param localIp the interface's primary address (source unless unicast_src_ip).
     * @param localMac the interface's MAC.
     * @param workers every worker's forwarder: what this director owns is posted to them.
     * @param tx its transmitter.
     * @param neighbors MACs of unicast peers.
     * @param log log lines.
     */
    public VrrpAgent(final VrrpConfig cfg, final String iface, final int localIp, final long localMac,
        final Forwarders workers, final Sender tx, final Neighbors neighbors, final Consumer<String> log)
    {
        this(cfg, List.of(new Link(0, iface, localIp, localMac, tx)), workers, neighbors, log);
    }

    /**
     * @param cfg the VRRP configuration.
     * @param links the ports VRRP runs on (instances on other interfaces are not run here).
     * @param workers every worker's forwarder: what this director owns is posted to them.
     * @param neighbors MACs of unicast peers.
     * @param log log lines.
     */
    public VrrpAgent(final VrrpConfig cfg, final List<Link> links, final Forwarders workers,
        final Neighbors neighbors, final Consumer<String> log)
    {
        this.workers = workers;
        this.links = List.copyOf(links);
        this.byVrid = new VrrpInstance[links.size()][256];
        this.byVrid6 = new VrrpInstance[links.size()][256];
        this.neighbors = neighbors;
        this.log = log;
        this.notifier = new Notifier(log);
        this.drops = new AdvertDrops(log);
        this.notifications = new Notifications(notifier, log);
        this.tracker = build(cfg);
        if (!instances.isEmpty())
        {
            recompute();
        }
    }

    /** Make the instances of a configuration that run on this interface, their sync groups and tracker. */
    private Tracker build(final VrrpConfig cfg)
    {
        for (int p = 0; p < byVrid.length; p++)
        {
            java.util.Arrays.fill(byVrid[p], null);
            java.util.Arrays.fill(byVrid6[p], null);
        }
        linkOf.clear();
        addressPort.clear();
        addressPort6.clear();
        instances.clear();
        configs.clear();
        managed.clear();
        managed6.clear();
        final List<VrrpConfig.Instance> here = new ArrayList<>();
        final Map<String, VrrpInstance> byName = new LinkedHashMap<>();
        for (final VrrpConfig.Instance i : cfg.instances())
        {
            final Link link = link(i.cfg().iface());
            if (null == link)
            {
                log.accept("warning: vrrp_instance " + i.cfg().name() + " is on " + i.cfg().iface() + ", not " +
                    String.join(" or ", links.stream().map(Link::iface).toList()) + ": not run by this director");
                continue;
            }
            final dev.jvs.vrrp.InstanceConfig c = withSource(i.cfg(), link);
            if (null == c)
            {
                log.accept("warning: vrrp_instance " + i.cfg().name() + " is IPv6 and " + link.iface() + " has no " +
                    "IPv6 link-local address to advertise from (IPv6 disabled there?): not run by this director");
                continue;
            }
            final VrrpInstance v = new VrrpInstance(c, this);
            (c.ipv6() ? byVrid6 : byVrid)[link.port()][c.vrid()] = v;
            linkOf.put(v, link);
            for (final IpAddress a : VrrpConfig.owned(c))
            {
                final Link dev = link(i.devices().getOrDefault(a, c.iface()));
                final int port = null == dev ? link.port() : dev.port();
                if (a.v6())
                {
                    addressPort6.put(a, port);
                    managed6.add(a);
                }
                else
                {
                    addressPort.put(a.v4(), port);
                    managed.add(a.v4());
                }
            }
            instances.add(v);
            configs.put(v, i);
            byName.put(i.cfg().name(), v);
            here.add(i);
        }
        notifications.clear();
        for (final Map.Entry<String, List<String>> g : cfg.syncGroups().entrySet())
        {
            final List<VrrpInstance> members = g.getValue().stream().map(byName::get)
                .filter(java.util.Objects::nonNull).toList();
            if (!members.isEmpty())
            {
                final SyncGroup group = new SyncGroup(g.getKey(), members);
                notifications.group(group, cfg.groupNotify().getOrDefault(g.getKey(), Map.of()));
            }
        }
        return new Tracker(cfg, here, log);
    }

    /** No unicast_src_ip: the interface's address, as keepalived takes it (IPv6: its link-local one). */
    private static dev.jvs.vrrp.InstanceConfig withSource(final dev.jvs.vrrp.InstanceConfig c, final Link link)
    {
        if (c.ipv6())
        {
            return null != c.source6() ? c : null == link.linkLocal6() ? null : c.withSource6(link.linkLocal6());
        }
        return 0 == c.source() ? c.withSource(link.ip()) : c;
    }

    private Link link(final String iface)
    {
        for (final Link l : links)
        {
            if (l.iface().equals(iface))
            {
                return l;
            }
        }
        return null;
    }

    /**
     * SIGHUP: run the new configuration's instances, as keepalived reloads them. An instance that keeps its
     * name keeps its state (a master stays master and advertises its new settings at once; but one whose
     * priority changed, unless nopreempt, goes back to backup and the election decides again); a new one
     * starts as backup; one that is gone stops, with priority 0 if it was master. On the conductor's thread.
     *
     * @param cfg the new configuration.
     * @param now ms.
     */
    public void reload(final VrrpConfig cfg, final long now)
    {
        final Map<String, VrrpInstance> old = new LinkedHashMap<>();
        instances.forEach(i -> old.put(i.config().name(), i));
        tracker.close();
        final String syncName = null == syncInstance ? null : syncInstance.config().name();
        // The new instances' transitions come after the old ones are out of the way.
        final List<VrrpInstance> gone = new ArrayList<>();
        final java.util.Set<String> names = new java.util.HashSet<>();
        cfg.instances().stream().filter(i -> null != link(i.cfg().iface())).forEach(i -> names.add(i.cfg().name()));
        old.forEach((n, i) ->
        {
            if (!names.contains(n))
            {
                gone.add(i);
            }
        });
        for (final VrrpInstance i : gone)
        {
            i.stop(now);
            log.accept("VRRP " + i.config().name() + ": removed by the reload");
        }
        tracker = build(cfg);
        for (final VrrpInstance i : instances)
        {
            final Tracker.Update u = tracker.initial(i.config().name());
            i.priorityDelta(u.delta());
            final VrrpInstance before = old.get(i.config().name());
            final VrrpState was = null == before || gone.contains(before) ? VrrpState.INIT : before.state();
            final boolean reelect = VrrpState.MASTER == was && before.config().priority() != i.config().priority() &&
                i.config().preempt();
            if (u.fault())
            {
                i.fault(true, now);
            }
            i.resume(reelect ? VrrpState.BACKUP : was, now);
        }
        syncInstance(syncName);
        tracker.start();
        recompute();
        nextDeadline = 0;
        log.accept("VRRP reloaded: " + instances.size() + " instances, " + gone.size() + " removed");
    }

    /** vip_mode kernel: who adds and removes the addresses of the interface (off the forwarding thread). */
    public interface VipOwner
    {
        /**
         * Take addresses (a master's).
         *
         * @param addresses the addresses.
         */
        void own(int[] addresses);

        /**
         * Give addresses up.
         *
         * @param addresses the addresses.
         */
        void release(int[] addresses);
    }

    /**
     * vip_mode kernel: addresses become the interface's while master, instead of the engine answering ARP.
     *
     * @param owner the owner.
     */
    public void vipOwner(final VipOwner owner)
    {
        this.vipOwner = owner;
    }

    /**
     * Told of every instance's state change (smtp_alert), on the conductor's thread; must not block.
     *
     * @param listener (instance, new state).
     */
    public void onTransition(final java.util.function.BiConsumer<VrrpConfig.Instance, VrrpState> listener)
    {
        this.transitions = listener;
    }

    /** @return whether any instance runs here. */
    public boolean isEmpty()
    {
        return instances.isEmpty();
    }

    /** @return the instances, in configuration order. */
    public List<VrrpInstance> instances()
    {
        return instances;
    }

    /** @param c a drop reason. @return packets dropped before any instance saw them. */
    public long dropped(final VrrpCounter c)
    {
        return drops.dropped(c);
    }

    /**
     * Told true when this director becomes active (some instance master), false when it stops being active.
     *
     * @param listener the listener (connection sync's role).
     */
    public void roleListener(final Consumer<Boolean> listener)
    {
        this.roleListener = listener;
    }

    /**
     * Start the instances (on the conductor's thread).
     *
     * @param now ms.
     */
    public void start(final long now)
    {
        for (final VrrpInstance i : instances)
        {
            final Tracker.Update u = tracker.initial(i.config().name());
            i.priorityDelta(u.delta());
            i.fault(u.fault(), now);
        }
        for (final VrrpInstance i : instances)
        {
            if (VrrpState.INIT == i.state())
            {
                i.start(now);
            }
        }
        tracker.start();
        nextDeadline = 0;
    }

    /**
     * Stop: masters send priority 0 so the peer takes over at once; notify_stop runs.
     *
     * @param now ms.
     */
    public void stop(final long now)
    {
        tracker.close();
        for (final VrrpInstance i : instances)
        {
            i.stop(now);
        }
        flush();
        notifier.close();
    }

    /** Send what the instances wrote, on every port. */
    public void flush()
    {
        for (final Link l : links)
        {
            l.tx().flush();
        }
    }

    /**
     * An advert (or any frame) received on port 0.
     *
     * @param b buffer.
     * @param ip offset of the IPv4 header.
     * @param ipTotal its total length.
     * @param protocol the IP protocol.
     * @param now ms.
     * @return whether it was VRRP's.
     */
    public boolean onFrame(final DirectBuffer b, final int ip, final int ipTotal, final int protocol, final long now)
    {
        return onFrame(0, b, ip, ipTotal, protocol, now);
    }

    /**
     * An advert (or any frame) received on a port.
     *
     * @param port the port.
     * @param b buffer.
     * @param ip offset of the IPv4 header.
     * @param ipTotal its total length.
     * @param protocol the IP protocol.
     * @param now ms.
     * @return whether it was VRRP's.
     */
    public boolean onFrame(final int port, final DirectBuffer b, final int ip, final int ipTotal, final int protocol,
        final long now)
    {
        if (VrrpPacket.PROTOCOL != protocol || instances.isEmpty())
        {
            return false;
        }
        final boolean v6 = VrrpPacket.isIpv6(b, ip);
        final int v = VrrpPacket.vrrpOffset(b, ip);
        final VrrpInstance i = ipTotal >= v - ip + 2 && port < byVrid.length ?
            (v6 ? byVrid6 : byVrid)[port][VrrpPacket.vrid(b, v)] : null;
        final boolean multicast = null == i ||
            0 == i.config().unicastPeers().length + i.config().unicastPeers6().length;
        final VrrpCounter bad = VrrpPacket.check(b, ip, ipTotal, multicast);
        if (null != bad)
        {
            drops.drop(i, bad, b, ip, "");
            return true;
        }
        if (null == i)
        {
            drops.drop(null, VrrpCounter.VRID_ERRORS, b, ip, "");
            return true;
        }
        if (isOwn(i.config(), b, ip))
        {
            return true;
        }
        // IPv4: 224.0.0.0/4; IPv6: ff00::/8.
        final boolean toGroup = v6 ? (b.getByte(ip + 24) & 0xFF) == 0xFF :
            0xE0000000 == (b.getInt(ip + 16, ByteOrder.BIG_ENDIAN) & 0xF0000000);
        if (multicast != toGroup)
        {
            // keepalived: "Expected multicast packet but received unicast packet" (and the reverse).
            drops.drop(i, VrrpCounter.ADDRESS_LIST_ERRORS, b, ip, multicast ? ": expected a multicast packet, " +
                "received a unicast one" : ": expected a unicast packet, received a multicast one");
            return true;
        }
        if (i.config().checkUnicastSource() && !multicast && !isPeer(i.config(), b, ip))
        {
            drops.drop(i, VrrpCounter.UNKNOWN_PEER, b, ip, "");
            return true;
        }
        drops.before(i);
        i.onAdvert(b, ip, now);
        drops.logNew(i, b, ip);
        nextDeadline = 0;
        return true;
    }

    /** Our own advert, looped back: its source is the instance's. */
    private static boolean isOwn(final dev.jvs.vrrp.InstanceConfig c, final DirectBuffer b, final int ip)
    {
        return c.ipv6() ? 0 == VrrpPacket.compareSource6(b, ip, c.source6()) :
            b.getInt(ip + 12, ByteOrder.BIG_ENDIAN) == c.source();
    }

    private static boolean isPeer(final dev.jvs.vrrp.InstanceConfig c, final DirectBuffer b, final int ip)
    {
        if (c.ipv6())
        {
            final byte[] peers = c.unicastPeers6();
            for (int p = 0; p < peers.length; p += 16)
            {
                if (0 == VrrpPacket.compareSource6(b, ip, java.util.Arrays.copyOfRange(peers, p, p + 16)))
                {
                    return true;
                }
            }
            return false;
        }
        return isPeer(c, b.getInt(ip + 12, ByteOrder.BIG_ENDIAN));
    }

    private static boolean isPeer(final dev.jvs.vrrp.InstanceConfig c, final int src)
    {
        for (final int p : c.unicastPeers())
        {
            if (p == src)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * The instances' timers and the trackers' news.
     *
     * @param now ms.
     * @return work done.
     */
    public int onCycle(final long now)
    {
        int work = 0;
        Tracker.Update u;
        while (null != (u = tracker.poll()))
        {
            for (final VrrpInstance i : instances)
            {
                if (i.config().name().equals(u.instance()))
                {
                    i.priorityDelta(u.delta());
                    i.fault(u.fault(), now);
                    log.accept(String.format(Locale.ROOT, "VRRP %s: tracking: priority %d%s", i.config().name(),
                        i.effectivePriority(), u.fault() ? ", FAULT" : ""));
                }
            }
            nextDeadline = 0;
            work++;
        }
        if (now >= nextDeadline)
        {
            long d = Long.MAX_VALUE;
            for (final VrrpInstance i : instances)
            {
                i.tick(now);
                d = Math.min(d, i.nextDeadline());
            }
            nextDeadline = d;
            work++;
        }
        return work;
    }

    /** @return when an instance next has timed work (ms). */
    public long nextDeadlineMs()
    {
        return nextDeadline;
    }

    @Override
    public void advertise(final VrrpInstance instance, final int priority)
    {
        final dev.jvs.vrrp.InstanceConfig c = instance.config();
        if (c.ipv6())
        {
            advertise6(instance, priority);
        }
        else if (0 == c.unicastPeers().length)
        {
            send(instance, priority, VrrpPacket.GROUP, VrrpPacket.GROUP_MAC);
        }
        else
        {
            for (final int peer : c.unicastPeers())
            {
                final long mac = neighbors.get(peer);
                send(instance, priority, peer, Neighbors.UNKNOWN == mac ? 0xFFFFFFFFFFFFL : mac);
            }
        }
    }

    /** To ff02::12, or to each unicast peer (its MAC if a neighbour is known, else broadcast, as IPv4's). */
    private void advertise6(final VrrpInstance instance, final int priority)
    {
        final byte[] peers = instance.config().unicastPeers6();
        final Link link = linkOf.get(instance);
        if (0 == peers.length)
        {
            VrrpFrames.advert6(link, instance, priority, VrrpPacket.GROUP6_HI, VrrpPacket.GROUP6_LO,
                VrrpPacket.GROUP6_MAC);
            return;
        }
        for (int p = 0; p < peers.length; p += 16)
        {
            final IpAddress peer = IpAddress.of(java.util.Arrays.copyOfRange(peers, p, p + 16));
            final long mac = neighbors.get6(peer);
            VrrpFrames.advert6(link, instance, priority, peer.hi(), peer.lo(),
                Neighbors.UNKNOWN == mac ? 0xFFFFFFFFFFFFL : Forwarder.macOf(mac));
        }
    }

    private void send(final VrrpInstance instance, final int priority, final int dst, final long dstMac)
    {
        VrrpFrames.advert(linkOf.get(instance), instance, priority, dst, dstMac);
    }

    @Override
    public String sourceText(final DirectBuffer b, final int ip)
    {
        return AdvertDrops.source(b, ip);
    }

    @Override
    public void gratuitousArp(final VrrpInstance instance)
    {
        final Link home = linkOf.get(instance);
        final dev.jvs.vrrp.InstanceConfig c = instance.config();
        for (final int a : c.ownedAddresses())
        {
            // Each address from the port it lives on (a DIP's on the private side).
            final int p = addressPort.get(a);
            final Link link = p >= 0 ? links.get(p) : home;
            VrrpFrames.gratuitousArp(link, c.useVmac() ? c.vmac() : link.mac(), a);
        }
        // IPv6 addresses: keepalived's unsolicited neighbour advertisements, in the same rounds.
        final byte[] six = c.ownedAddresses6();
        for (int k = 0; k < six.length; k += 16)
        {
            final IpAddress a = IpAddress.of(java.util.Arrays.copyOfRange(six, k, k + 16));
            final Link link = links.get(addressPort6.getOrDefault(a, home.port()));
            VrrpFrames.neighborAdvert(link, c.useVmac() ? c.vmac() : link.mac(), a);
        }
    }

    /**
     * @param vip a service's address.
     * @return true when this director serves it: no instance manages it, or one it is master of does.
     */
    public boolean serves(final int vip)
    {
        boolean managed = false;
        for (final VrrpInstance i : instances)
        {
            for (final int a : i.config().ownedAddresses())
            {
                if (a == vip)
                {
                    if (VrrpState.MASTER == i.state())
                    {
                        return true;
                    }
                    managed = true;
                }
            }
        }
        return !managed;
    }

    /**
     * What this director owns and forwards, from the instances' states: the addresses of the instances it is
     * master of, plus the service VIPs no instance manages (a static address is always its own). Master of
     * every instance: the gate is open. The sync role follows lvs_sync_daemon's instance (any master if it
     * names none), as keepalived starts IPVS's master or backup sync daemon by that instance's state.
     */
    private void recompute()
    {
        final org.agrona.collections.IntHashSet masterAddrs = Owned.masterAddresses(instances);
        final Ownership o = Owned.by(instances, masterAddrs, links.size() > 1 ? addressPort : null, managed,
            links.size() > 1 ? addressPort6 : null, managed6);
        final boolean any = instances.stream().anyMatch(i -> VrrpState.MASTER == i.state());
        workers.post(f -> f.own(o));
        if (null != vipOwner)
        {
            final int[] add = masterAddrs.stream().filter(a -> !kernelOwned.contains(a)).mapToInt(Integer::intValue)
                .toArray();
            final int[] drop = kernelOwned.stream().filter(a -> !masterAddrs.contains(a)).mapToInt(Integer::intValue)
                .toArray();
            kernelOwned.clear();
            kernelOwned.addAll(masterAddrs);
            if (drop.length > 0)
            {
                vipOwner.release(drop);
            }
            if (add.length > 0)
            {
                vipOwner.own(add);
            }
        }
        final boolean role = null != syncInstance ? VrrpState.MASTER == syncInstance.state() : any;
        final boolean stopping = instances.stream().allMatch(i -> VrrpState.STOP == i.state());
        if (role != syncRole && !stopping)
        {
            syncRole = role;
            if (null != roleListener)
            {
                roleListener.accept(role);
            }
        }
    }

    /** @return whether connection sync should send (the sync instance, or any instance, is master). */
    public boolean syncRole()
    {
        return syncRole;
    }

    /** The services changed (a reload, an edit): every worker owns its unmanaged VIPs again. */
    public void refresh()
    {
        if (!instances.isEmpty())
        {
            workers.post(Forwarder::reown);
        }
    }

    /**
     * The instance whose state decides the connection sync role (lvs_sync_daemon's), or null for any master.
     *
     * @param name the instance's name, or null.
     */
    public void syncInstance(final String name)
    {
        syncInstance = null == name ? null : instances.stream().filter(i -> i.config().name().equals(name)).findFirst()
            .orElse(null);
    }

    @Override
    public void stateChanged(final VrrpInstance instance, final VrrpState from, final VrrpState to, final String why)
    {
        log.accept(String.format(Locale.ROOT, "VRRP %s: %s -> %s (%s), priority %d", instance.config().name(), from,
            to, why, instance.effectivePriority()));
        recompute();
        nextDeadline = 0;
        final VrrpConfig.Instance c = configs.get(instance);
        notifications.instance(c, to, instance.effectivePriority(), instance.group(), () -> transitions.accept(c, to));
    }
}
