package dev.jvs.engine.service;

import dev.jvs.engine.frame.IpAddress;
import dev.jvs.schedulers.RandomSource;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntHashSet;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;
import java.util.List;

/**
 * The virtual services of one worker, found as IPVS finds them ({@code ip_vs_service_find}): by firewall
 * mark first, then by (protocol, VIP, port), then by (protocol, VIP, 0) for port-zero services. Lookups
 * allocate nothing (primitive-keyed maps).
 */
public final class ServiceTable
{
    private final Long2ObjectHashMap<VirtualService> byKey = new Long2ObjectHashMap<>();
    private final Int2ObjectHashMap<VirtualService> byMark = new Int2ObjectHashMap<>();
    /** IPv6 services (IPVS keys a service by its family too), for the control path. */
    private final java.util.Map<Key6, VirtualService> byKey6 = new java.util.HashMap<>();
    private final Int2ObjectHashMap<VirtualService> byMark6 = new Int2ObjectHashMap<>();
    /** The same IPv6 services for the frame path: by a mix of the key, each bucket checked in full. */
    private final Long2ObjectHashMap<VirtualService[]> byHash6 = new Long2ObjectHashMap<>();
    /** IPv6 VIPs, by a mix of the address, each bucket checked in full. */
    private final Long2ObjectHashMap<IpAddress[]> vips6 = new Long2ObjectHashMap<>();
    private int portZeroServices6;
    /** Every IPv6 real server address ever added, by a mix of the address (neighbour discovery learns them). */
    private final Long2ObjectHashMap<IpAddress[]> realServers6 = new Long2ObjectHashMap<>();
    private IpAddress[] realServerList6 = new IpAddress[0];
    /** IPv6 NAT real servers, as a 65536-bit filter on a mix of the address (see {@link #natServerBits}). */
    private final long[] natServerBits6 = new long[1024];
    private final List<VirtualService> all = new ArrayList<>();
    private VirtualService[] byIndex = new VirtualService[0];
    private final List<FwmarkRule> rules = new ArrayList<>();
    private final IntHashSet vips = new IntHashSet();
    /** NAT real servers' addresses, as a 65536-bit filter on the low 16 bits: one L1-resident word to test. */
    private final long[] natServerBits = new long[1024];
    private final IntHashSet realServers = new IntHashSet();
    /** Every real server address ever added, in order; grown by doubling (a large file adds tens of thousands). */
    private int[] realServerArray = new int[16];
    private int realServerCount;
    /** {@link #realServerArray} trimmed, made again only when an address was added. */
    private int[] realServerView = new int[0];
    private FwmarkRule[] ruleArray = new FwmarkRule[0];
    private FwmarkRule6[] rules6 = new FwmarkRule6[0];
    private final RandomSource random;
    private int portZeroServices;
    private CountBoard board;
    private int slot;

    /** @param random draws for twos. */
    public ServiceTable(final RandomSource random)
    {
        this.random = random;
    }

    /**
     * Share connection counts with the other workers' tables: call before adding services.
     *
     * @param counts the director's board.
     * @param workerSlot this worker's index.
     */
    public void share(final CountBoard counts, final int workerSlot)
    {
        this.board = counts;
        this.slot = workerSlot;
    }

    /** Attach a new real server to its cell of the board, if counts are shared. */
    void shareCounts(final VirtualService s, final int id)
    {
        if (null != board)
        {
            s.dests().share(id, board.cell(s, id), slot);
        }
    }

    /** Read the other workers' counts (on the timer): schedulers and thresholds see every connection. */
    public void refreshCounts()
    {
        if (null != board)
        {
            for (final VirtualService s : byIndex)
            {
                s.dests().refresh();
            }
        }
    }

    private static long key(final int protocol, final int vaddr, final int vport)
    {
        return ((long)protocol << 48) | ((long)(vport & 0xFFFF) << 32) | (vaddr & 0xFFFFFFFFL);
    }

    /**
     * Add a (protocol, VIP, port) service.
     *
     * @param protocol 6 or 17.
     * @param vaddr VIP.
     * @param vport port, 0 for all ports.
     * @param scheduler scheduler name.
     * @param flags scheduler flags.
     * @param nowMs the time.
     * @return the service.
     */
    public VirtualService add(final int protocol, final int vaddr, final int vport, final String scheduler,
        final int flags, final long nowMs)
    {
        final long k = key(protocol, vaddr, vport);
        if (byKey.containsKey(k))
        {
            throw new IllegalArgumentException("service already exists");
        }
        final VirtualService s = new VirtualService(this, all.size(), protocol, IpAddress.ofV4(vaddr), vport, 0,
            scheduler, flags, random, nowMs);
        byKey.put(k, s);
        all.add(s);
        byIndex = all.toArray(new VirtualService[0]);
        vips.add(vaddr);
        if (0 == vport)
        {
            portZeroServices++;
        }
        return s;
    }

    /**
     * Add a firewall-mark service.
     *
     * @param mark the mark.
     * @param scheduler scheduler name.
     * @param flags scheduler flags.
     * @param nowMs the time.
     * @return the service.
     */
    public VirtualService addFwmark(final int mark, final String scheduler, final int flags, final long nowMs)
    {
        if (byMark.containsKey(mark))
        {
            throw new IllegalArgumentException("fwmark service " + mark + " already exists");
        }
        final VirtualService s = new VirtualService(this, all.size(), 0, IpAddress.ofV4(0), 0, mark, scheduler, flags,
            random, nowMs);
        byMark.put(mark, s);
        all.add(s);
        byIndex = all.toArray(new VirtualService[0]);
        return s;
    }

    private record Key6(int protocol, IpAddress vaddr, int vport)
    {
    }

    /**
     * Add a service of either family.
     *
     * @param protocol 6 or 17.
     * @param vaddr VIP.
     * @param vport port, 0 for all ports.
     * @param scheduler scheduler name.
     * @param flags scheduler flags.
     * @param nowMs the time.
     * @return the service.
     */
    public VirtualService add(final int protocol, final IpAddress vaddr, final int vport, final String scheduler,
        final int flags, final long nowMs)
    {
        if (!vaddr.v6())
        {
            return add(protocol, vaddr.v4(), vport, scheduler, flags, nowMs);
        }
        final Key6 k = new Key6(protocol, vaddr, vport);
        if (byKey6.containsKey(k))
        {
            throw new IllegalArgumentException("service already exists");
        }
        final VirtualService s = new VirtualService(this, all.size(), protocol, vaddr, vport, 0, scheduler, flags,
            random, nowMs);
        byKey6.put(k, s);
        all.add(s);
        byIndex = all.toArray(new VirtualService[0]);
        final long h = mix6(protocol, vaddr.hi(), vaddr.lo(), vport);
        byHash6.put(h, append(byHash6.get(h), s));
        addVip6(vaddr);
        if (0 == vport)
        {
            portZeroServices6++;
        }
        return s;
    }

    private void addVip6(final IpAddress vaddr)
    {
        final long v = mix6(0, vaddr.hi(), vaddr.lo(), 0);
        final IpAddress[] same = vips6.get(v);
        if (null == same || java.util.Arrays.stream(same).noneMatch(vaddr::equals))
        {
            vips6.put(v, null == same ? new IpAddress[] {vaddr} : append(same, vaddr));
        }
    }

    /**
     * Add a firewall-mark service of either family (ipvsadm -f N [-6]).
     *
     * @param mark the mark.
     * @param ipv6 its family is IPv6.
     * @param scheduler scheduler name.
     * @param flags scheduler flags.
     * @param nowMs the time.
     * @return the service.
     */
    public VirtualService addFwmark(final int mark, final boolean ipv6, final String scheduler, final int flags,
        final long nowMs)
    {
        if (!ipv6)
        {
            return addFwmark(mark, scheduler, flags, nowMs);
        }
        if (byMark6.containsKey(mark))
        {
            throw new IllegalArgumentException("IPv6 fwmark service " + mark + " already exists");
        }
        final VirtualService s = new VirtualService(this, all.size(), 0, new IpAddress(true, 0, 0), 0, mark,
            scheduler, flags, random, nowMs);
        byMark6.put(mark, s);
        all.add(s);
        byIndex = all.toArray(new VirtualService[0]);
        return s;
    }

    /**
     * @param protocol IP protocol.
     * @param vaddr VIP, of either family.
     * @param vport port.
     * @return the live service with that key, or null.
     */
    public VirtualService get(final int protocol, final IpAddress vaddr, final int vport)
    {
        return vaddr.v6() ? byKey6.get(new Key6(protocol, vaddr, vport)) : get(protocol, vaddr.v4(), vport);
    }

    /**
     * @param mark firewall mark.
     * @param ipv6 the family.
     * @return the live firewall-mark service, or null.
     */
    public VirtualService getFwmark(final int mark, final boolean ipv6)
    {
        return ipv6 ? byMark6.get(mark) : byMark.get(mark);
    }

    private static long mix6(final int protocol, final long hi, final long lo, final int port)
    {
        final long h = (hi * 0x9E3779B97F4A7C15L) ^ (lo * 0xC2B2AE3D27D4EB4FL) ^ ((long)protocol << 16 | port);
        return h ^ (h >>> 29);
    }

    private static <T> T[] append(final T[] a, final T x)
    {
        if (null == a)
        {
            @SuppressWarnings("unchecked")
            final T[] one = (T[])java.lang.reflect.Array.newInstance(x.getClass(), 1);
            one[0] = x;
            return one;
        }
        final T[] b = java.util.Arrays.copyOf(a, a.length + 1);
        b[a.length] = x;
        return b;
    }

    /**
     * Find the IPv6 service of a packet by (protocol, VIP, port), then (protocol, VIP, 0), allocating nothing.
     *
     * @param protocol IP protocol.
     * @param hi the destination's first 64 bits.
     * @param lo its last 64 bits.
     * @param dport destination port.
     * @return the service or null.
     */
    public VirtualService find6(final int protocol, final long hi, final long lo, final int dport)
    {
        VirtualService s = bucket6(protocol, hi, lo, dport);
        if (null == s && portZeroServices6 > 0)
        {
            s = bucket6(protocol, hi, lo, 0);
        }
        return s;
    }

    private VirtualService bucket6(final int protocol, final long hi, final long lo, final int port)
    {
        final VirtualService[] b = byHash6.get(mix6(protocol, hi, lo, port));
        if (null != b)
        {
            for (final VirtualService s : b)
            {
                if (s.vport == port && s.protocol == protocol && s.vaddr6.hi() == hi && s.vaddr6.lo() == lo)
                {
                    return s;
                }
            }
        }
        return null;
    }

    /**
     * @param hi an address's first 64 bits.
     * @param lo its last 64 bits.
     * @return whether some IPv6 service has it as its VIP.
     */
    public boolean isVip6(final long hi, final long lo)
    {
        final IpAddress[] b = vips6.isEmpty() ? null : vips6.get(mix6(0, hi, lo, 0));
        if (null != b)
        {
            for (final IpAddress a : b)
            {
                if (a.hi() == hi && a.lo() == lo)
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static int natBit6(final long hi, final long lo)
    {
        final long h = (hi ^ lo) * 0x9E3779B97F4A7C15L;
        return (int)(h >>> 48);
    }

    void natServerAdded6(final IpAddress a)
    {
        final int b = natBit6(a.hi(), a.lo());
        natServerBits6[b >>> 6] |= 1L << b;
    }

    /**
     * @param hi an address's first 64 bits.
     * @param lo its last 64 bits.
     * @return true when some IPv6 NAT real server may have it (a filter: false positives cost one lookup).
     */
    public boolean isNatServer6(final long hi, final long lo)
    {
        final int b = natBit6(hi, lo);
        return 0 != (natServerBits6[b >>> 6] & (1L << b));
    }

    void realServerAdded6(final IpAddress a)
    {
        if (null == realServer6(a.hi(), a.lo()))
        {
            final long k = mix6(0, a.hi(), a.lo(), 0);
            realServers6.put(k, append(realServers6.get(k), a));
            realServerList6 = append(realServerList6, a);
        }
    }

    /**
     * @param hi an address's first 64 bits.
     * @param lo its last 64 bits.
     * @return the IPv6 real server at it (the configuration's value), or null; allocates nothing.
     */
    public IpAddress realServer6(final long hi, final long lo)
    {
        final IpAddress[] b = realServers6.isEmpty() ? null : realServers6.get(mix6(0, hi, lo, 0));
        if (null != b)
        {
            for (final IpAddress a : b)
            {
                if (a.hi() == hi && a.lo() == lo)
                {
                    return a;
                }
            }
        }
        return null;
    }

    /** @return every IPv6 real server address ever added, for neighbour discovery (do not modify). */
    public IpAddress[] realServerAddresses6()
    {
        return realServerList6;
    }

    /** @return every IPv6 VIP (control path). */
    public List<IpAddress> vipAddresses6()
    {
        final List<IpAddress> a = new ArrayList<>();
        vips6.values().forEach(b -> a.addAll(List.of(b)));
        return a;
    }

    /** @return the IPv6 real servers that are NAT destinations of a service, each once (control path). */
    public List<IpAddress> natServerAddresses6()
    {
        final java.util.Set<IpAddress> a = new java.util.TreeSet<>();
        for (final VirtualService s : all)
        {
            for (int p = 0; s.ipv6() && p < s.dests().count(); p++)
            {
                final int id = s.dests().idAt(p);
                if (dev.jvs.engine.Method.NAT == s.method(id))
                {
                    a.add(s.realServer(id));
                }
            }
        }
        return new ArrayList<>(a);
    }

    /**
     * @return whether any IPv6 service or marking rule was ever added (its VIPs stay answered after a removal,
     *     as IPv4's).
     */
    public boolean hasIpv6()
    {
        return !vips6.isEmpty() || !byMark6.isEmpty() || rules6.length > 0;
    }

    /** @param rule an IPv6 marking rule, tried in the order added (a /128 one's address is answered as a VIP). */
    public void addRule6(final FwmarkRule6 rule)
    {
        rules6 = java.util.Arrays.copyOf(rules6, rules6.length + 1);
        rules6[rules6.length - 1] = rule;
        if (128 == rule.prefixLength())
        {
            addVip6(rule.addr());
        }
    }

    /**
     * @param protocol IP protocol.
     * @param hi destination, high 64 bits.
     * @param lo low 64 bits.
     * @param dport destination port.
     * @return the mark of the first matching IPv6 rule, or 0.
     */
    public int classify6(final int protocol, final long hi, final long lo, final int dport)
    {
        final FwmarkRule6[] r = rules6;
        for (int i = 0; i < r.length; i++)
        {
            if (r[i].matches(protocol, hi, lo, dport))
            {
                return r[i].mark();
            }
        }
        return 0;
    }

    /** @param rule a marking rule, tried in the order added. */
    public void addRule(final FwmarkRule rule)
    {
        rules.add(rule);
        ruleArray = rules.toArray(new FwmarkRule[0]);
        if (32 == rule.prefixLength())
        {
            vips.add(rule.addr());
        }
    }

    /**
     * @param protocol IP protocol.
     * @param daddr destination.
     * @param dport destination port.
     * @return the mark of the first matching rule, or 0.
     */
    public int classify(final int protocol, final int daddr, final int dport)
    {
        final FwmarkRule[] r = ruleArray;
        for (int i = 0; i < r.length; i++)
        {
            if (r[i].matches(protocol, daddr, dport))
            {
                return r[i].mark();
            }
        }
        return 0;
    }

    /**
     * Take a service out of lookups (ipvsadm -D): new connections no longer find it; its index stays valid for
     * the connections still open.
     *
     * @param s the service.
     */
    public void remove(final VirtualService s)
    {
        if (s.ipv6())
        {
            if (0 != s.fwmark())
            {
                byMark6.remove(s.fwmark());
            }
            else
            {
                byKey6.remove(new Key6(s.protocol(), s.vaddr6, s.vport()));
                final long h = mix6(s.protocol(), s.vaddr6.hi(), s.vaddr6.lo(), s.vport());
                final VirtualService[] left = java.util.Arrays.stream(byHash6.get(h)).filter(x -> x != s)
                    .toArray(VirtualService[]::new);
                if (0 == left.length)
                {
                    byHash6.remove(h);
                }
                else
                {
                    byHash6.put(h, left);
                }
                if (0 == s.vport())
                {
                    portZeroServices6--;
                }
            }
        }
        else if (0 != s.fwmark())
        {
            byMark.remove(s.fwmark());
        }
        else
        {
            byKey.remove(key(s.protocol(), s.vaddr(), s.vport()));
            if (0 == s.vport())
            {
                portZeroServices--;
            }
        }
        s.removed = true;
    }

    /**
     * @param protocol IP protocol.
     * @param vaddr VIP.
     * @param vport port.
     * @return the live service with that key, or null.
     */
    public VirtualService get(final int protocol, final int vaddr, final int vport)
    {
        return byKey.get(key(protocol, vaddr, vport));
    }

    /**
     * @param mark firewall mark.
     * @return the live firewall-mark service, or null.
     */
    public VirtualService getFwmark(final int mark)
    {
        return byMark.get(mark);
    }

    /** Forget every marking rule (a reload installs the new ones). */
    public void clearRules()
    {
        rules.clear();
        ruleArray = new FwmarkRule[0];
        rules6 = new FwmarkRule6[0];
    }

    /**
     * Find the service of a packet, as {@code ip_vs_service_find} does.
     *
     * @param mark the packet's mark (0 none).
     * @param protocol IP protocol.
     * @param daddr destination.
     * @param dport destination port.
     * @return the service or null.
     */
    public VirtualService find(final int mark, final int protocol, final int daddr, final int dport)
    {
        if (0 != mark)
        {
            final VirtualService s = byMark.get(mark);
            if (null != s)
            {
                return s;
            }
        }
        VirtualService s = byKey.get(key(protocol, daddr, dport));
        if (null == s && portZeroServices > 0)
        {
            s = byKey.get(key(protocol, daddr, 0));
        }
        return s;
    }

    /**
     * @param index service index (from a connection entry).
     * @return the service.
     */
    public VirtualService get(final int index)
    {
        return byIndex[index];
    }

    /** @return every service, in the order added. */
    public List<VirtualService> all()
    {
        return all;
    }

    /**
     * @param ip an address.
     * @return true when some service (or marking rule with a host prefix) has it as its VIP.
     */
    public boolean isVip(final int ip)
    {
        return vips.contains(ip);
    }

    /**
     * @param ip an address.
     * @return true when some NAT real server may have it (a filter: false positives cost one extra lookup).
     */
    public boolean isNatServer(final int ip)
    {
        return 0 != (natServerBits[(ip & 0xFFFF) >>> 6] & (1L << ip));
    }

    void natServerAdded(final int ip)
    {
        natServerBits[(ip & 0xFFFF) >>> 6] |= 1L << ip;
    }

    void realServerAdded(final int ip)
    {
        if (realServers.add(ip))
        {
            if (realServerCount == realServerArray.length)
            {
                realServerArray = java.util.Arrays.copyOf(realServerArray, realServerCount * 2);
            }
            realServerArray[realServerCount++] = ip;
        }
    }

    /**
     * @param ip an address.
     * @return true when some service has a real server at it.
     */
    public boolean isRealServer(final int ip)
    {
        return realServers.contains(ip);
    }

    /** @return the addresses of every real server ever configured, for ARP resolution (do not modify). */
    public int[] realServerAddresses()
    {
        if (realServerView.length != realServerCount)
        {
            realServerView = java.util.Arrays.copyOf(realServerArray, realServerCount);
        }
        return realServerView;
    }

    /**
     * @return the addresses of the real servers that are NAT destinations of a service, sorted, each once
     *         (their replies come back through the director; a removed service's count too, as its open
     *         connections still run; made on the control path).
     */
    public int[] natServerAddresses()
    {
        final java.util.TreeSet<Integer> a = new java.util.TreeSet<>();
        for (final VirtualService s : all)
        {
            if (s.ipv6())
            {
                continue;
            }
            for (int p = 0; p < s.dests().count(); p++)
            {
                final int id = s.dests().idAt(p);
                if (dev.jvs.engine.Method.NAT == s.method(id))
                {
                    a.add(s.dests().address(id));
                }
            }
        }
        return a.stream().mapToInt(Integer::intValue).toArray();
    }

    /** @return the number of services ever added (indexes 0 .. n-1 for {@link #get(int)}). */
    public int size()
    {
        return byIndex.length;
    }

    /**
     * Declare an address as a VIP without a service of its own (e.g. a firewall-mark service's address
     * range member), so the engine answers ARP for it.
     *
     * @param ip address.
     */
    public void addVip(final int ip)
    {
        vips.add(ip);
    }
}
