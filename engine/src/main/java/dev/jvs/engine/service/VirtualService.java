package dev.jvs.engine.service;

import dev.jvs.engine.Method;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.schedulers.Destinations;
import dev.jvs.schedulers.RandomSource;
import dev.jvs.schedulers.Scheduler;
import dev.jvs.schedulers.Schedulers;

import java.util.Arrays;

/**
 * One virtual service (IPVS {@code struct ip_vs_service}): a (protocol, VIP, port) or a firewall mark, its
 * scheduler, persistence, and real servers with their forwarding method. Real servers are the scheduler's
 * {@link Destinations}; this class adds what the data plane needs per destination id (method) and the
 * per-service and per-real-server traffic counters. Mutated only by the worker that owns it.
 */
public final class VirtualService
{
    /** Service index in its table (stored in connection entries). */
    final int index;
    /** IP protocol (6, 17), or 0 for a firewall-mark service. */
    final int protocol;
    /** Virtual address, or 0 for a firewall-mark service. */
    final int vaddr;
    /** Virtual port; 0 means "all ports" (the kernel's port-zero service). */
    final int vport;
    /** Firewall mark, or 0. */
    final int fwmark;
    /**
     * An IPv6 service (IPVS's af): its address is {@link #vaddr6}, and {@link #vaddr} and the destinations'
     * addresses hold the kernel's fold of theirs (what the schedulers hash). Forwarded by the IPv6 path; nothing
     * IPv4 (ARP, the shields' IPv4 rules, the NAT-server filter) sees it.
     */
    final boolean ipv6;
    /** The IPv6 address, or null. */
    final IpAddress vaddr6;
    /** IPv6 services: each destination's address, by id. */
    private IpAddress[] addr6;
    /** IPv6 services: each destination's MAC and port, cached from the neighbours until they change. */
    private long[] mac6 = new long[0];
    private int mac6Version = -1;

    private final Destinations dests = new Destinations();
    private Scheduler scheduler;
    private String schedulerName;
    private int schedulerFlags;
    private final RandomSource random;

    /** Taken out of lookups by a reload or ipvsadm -D. */
    boolean removed;
    private int persistenceTimeoutMs;
    private int persistenceNetmask = 0xFFFFFFFF;
    private boolean onePacket;

    private int[] method = new int[16];
    /** {@link #mac} when no route leads to the real server. */
    public static final long NO_ROUTE = -2L;
    private long[] mac = new long[16];
    private int[] port = new int[16];
    private int macVersion = -1;
    private dev.jvs.engine.Routes macRoutes;

    /** Per service: connections, packets and bytes in (to real servers) and out (NAT replies). */
    long conns;
    long inPkts;
    long outPkts;
    long inBytes;
    long outBytes;
    /** Per destination id, the same counters, interleaved: [conns, inPkts, inBytes, outPkts, outBytes, pad...]. */
    private static final int STATS = 8;
    long[] destStats = new long[16 * STATS];

    private final ServiceTable table;

    VirtualService(final ServiceTable table, final int index, final int protocol, final IpAddress vaddr,
        final int vport, final int fwmark, final String scheduler, final int flags, final RandomSource random,
        final long nowMs)
    {
        this.table = table;
        this.index = index;
        this.protocol = protocol;
        this.ipv6 = vaddr.v6();
        this.vaddr6 = ipv6 && 0 == fwmark ? vaddr : null;
        this.vaddr = vaddr.fold();
        this.addr6 = new IpAddress[ipv6 ? 16 : 0];
        this.vport = vport;
        this.fwmark = fwmark;
        this.random = random;
        scheduler(scheduler, flags, nowMs);
    }

    /**
     * Re-bind the scheduler (ipvsadm -E -s); existing connections are unaffected.
     *
     * @param name scheduler name.
     * @param flags scheduler flags.
     * @param nowMs the time.
     */
    public void scheduler(final String name, final int flags, final long nowMs)
    {
        final Scheduler s = Schedulers.create(name, dests, flags, random, nowMs);
        dests.scheduler(s);
        scheduler = s;
        schedulerName = name;
        schedulerFlags = flags;
    }

    /**
     * Persistence ({@code persistence_timeout}, {@code persistence_granularity}).
     *
     * @param timeoutMs 0 for none.
     * @param netmask client netmask, host order.
     */
    public void persistence(final int timeoutMs, final int netmask)
    {
        persistenceTimeoutMs = timeoutMs;
        persistenceNetmask = netmask;
    }

    /** @param on UDP one-packet scheduling ({@code ops}). */
    public void onePacket(final boolean on)
    {
        onePacket = on;
    }

    /**
     * Add a real server (at the head of the list, as the kernel does).
     *
     * @param addr address.
     * @param port port (0: keep the client's destination port).
     * @param fwdMethod {@link Method} code.
     * @param weight weight.
     * @param upper upper threshold.
     * @param lower lower threshold.
     * @return its destination id.
     */
    public int addRealServer(final int addr, final int port, final int fwdMethod, final int weight, final int upper,
        final int lower)
    {
        if (findRealServer(addr, port) >= 0)
        {
            throw new IllegalArgumentException("real server already in the service");
        }
        for (int id = 0; id < dests.idLimit(); id++)
        {
            if (dests.inTrash(id) && dests.address(id) == addr && dests.port(id) == port)
            {
                dests.revive(id, weight, upper, lower);
                method(id, fwdMethod);
                return id;
            }
        }
        final int id = dests.add(addr, port, weight, upper, lower);
        ensure(id);
        table.shareCounts(this, id);
        method(id, fwdMethod);
        macVersion = -1;
        return id;
    }

    /**
     * Add a real server of either family (the service's: {@link ServiceTable} keeps the families apart).
     *
     * @param addr address.
     * @param port port (0: keep the client's destination port).
     * @param fwdMethod {@link Method} code.
     * @param weight weight.
     * @param upper upper threshold.
     * @param lower lower threshold.
     * @return its destination id.
     */
    public int addRealServer(final IpAddress addr, final int port, final int fwdMethod, final int weight,
        final int upper, final int lower)
    {
        if (!ipv6)
        {
            return addRealServer(addr.v4(), port, fwdMethod, weight, upper, lower);
        }
        if (!addr.v6())
        {
            throw new IllegalArgumentException("an IPv4 real server in an IPv6 service");
        }
        if (findRealServer(addr, port) >= 0)
        {
            throw new IllegalArgumentException("real server already in the service");
        }
        for (int id = 0; id < dests.idLimit(); id++)
        {
            if (dests.inTrash(id) && addr.equals(addr6[id]) && dests.port(id) == port)
            {
                dests.revive(id, weight, upper, lower);
                method(id, fwdMethod);
                return id;
            }
        }
        final int id = dests.add(addr.fold(), port, weight, upper, lower);
        ensure(id);
        addr6[id] = addr;
        table.realServerAdded6(addr);
        table.shareCounts(this, id);
        method(id, fwdMethod);
        mac6Version = -1;
        return id;
    }

    /**
     * @param addr address, of either family.
     * @param port port.
     * @return the listed destination with that address, or -1.
     */
    public int findRealServer(final IpAddress addr, final int port)
    {
        if (!ipv6)
        {
            return addr.v6() ? -1 : findRealServer(addr.v4(), port);
        }
        for (int p = 0; p < dests.count(); p++)
        {
            final int id = dests.idAt(p);
            if (addr.equals(addr6[id]) && dests.port(id) == port)
            {
                return id;
            }
        }
        return -1;
    }

    /**
     * An IPv6 destination's MAC with the port it was learnt on (bits 48-55), cached from the neighbours until
     * they change, as {@link #mac} caches IPv4's.
     *
     * @param id destination id.
     * @param neighbors the neighbour table.
     * @return it, or {@link dev.jvs.engine.Neighbors#UNKNOWN}.
     */
    public long mac6(final int id, final dev.jvs.engine.Neighbors neighbors)
    {
        final int v = neighbors.version();
        if (mac6Version != v || id >= mac6.length)
        {
            // The version is read before the map, so a change made meanwhile leaves the cache behind.
            final long[] m = new long[addr6.length];
            for (int d = 0; d < dests.idLimit() && d < m.length; d++)
            {
                m[d] = null == addr6[d] ? dev.jvs.engine.Neighbors.UNKNOWN : neighbors.get6(addr6[d]);
            }
            mac6 = m;
            mac6Version = v;
        }
        return mac6[id];
    }

    /** @param id destination id. @return its address, of the service's family. */
    public IpAddress realServer(final int id)
    {
        return ipv6 ? addr6[id] : IpAddress.ofV4(dests.address(id));
    }

    /**
     * @param addr address.
     * @param port port.
     * @return the listed destination with that address, or -1.
     */
    public int findRealServer(final int addr, final int port)
    {
        for (int p = 0; p < dests.count(); p++)
        {
            final int id = dests.idAt(p);
            if (dests.address(id) == addr && dests.port(id) == port)
            {
                return id;
            }
        }
        return -1;
    }

    /**
     * Change a real server (ipvsadm -e): weight, thresholds and method.
     *
     * @param id destination id.
     * @param fwdMethod method.
     * @param weight weight.
     * @param upper upper threshold.
     * @param lower lower threshold.
     */
    public void editRealServer(final int id, final int fwdMethod, final int weight, final int upper, final int lower)
    {
        dests.update(id, weight, upper, lower);
        method(id, fwdMethod);
    }

    /**
     * Remove a real server (ipvsadm -d); its connections keep going unless expire_nodest_conn.
     *
     * @param id destination id.
     */
    public void removeRealServer(final int id)
    {
        dests.remove(id);
    }

    private void method(final int id, final int fwdMethod)
    {
        method[id] = fwdMethod;
        if (ipv6)
        {
            if (Method.NAT == fwdMethod)
            {
                table.natServerAdded6(addr6[id]);
            }
            return;
        }
        table.realServerAdded(dests.address(id));
        if (Method.NAT == fwdMethod)
        {
            table.natServerAdded(dests.address(id));
        }
    }

    private void ensure(final int id)
    {
        if (id >= method.length)
        {
            final int n = Math.max(id + 1, method.length * 2);
            method = Arrays.copyOf(method, n);
            mac = Arrays.copyOf(mac, n);
            port = Arrays.copyOf(port, n);
            macVersion = -1;
            destStats = Arrays.copyOf(destStats, n * STATS);
            addr6 = ipv6 ? Arrays.copyOf(addr6, n) : addr6;
        }
    }

    /** @return the destinations (counters the scheduler reads). */
    public Destinations dests()
    {
        return dests;
    }

    /** @return the bound scheduler. */
    public Scheduler scheduler()
    {
        return scheduler;
    }

    /** @return scheduler name. */
    public String schedulerName()
    {
        return schedulerName;
    }

    /** @return scheduler flags. */
    public int schedulerFlags()
    {
        return schedulerFlags;
    }

    /**
     * The real server's MAC, cached from the neighbour table until it changes.
     *
     * @param id destination id.
     * @param neighbors the neighbour table.
     * @return the MAC or {@link dev.jvs.engine.Neighbors#UNKNOWN}.
     */
    public long mac(final int id, final dev.jvs.engine.Neighbors neighbors)
    {
        return mac(id, neighbors, dev.jvs.engine.Routes.NONE);
    }

    /**
     * The MAC of the real server's next hop (itself when on-link), cached from the routes and the neighbour
     * table until either changes.
     *
     * @param id destination id.
     * @param neighbors the neighbour table.
     * @param routes the director's routes.
     * @return the MAC, {@link dev.jvs.engine.Neighbors#UNKNOWN}, or {@link #NO_ROUTE}.
     */
    public long mac(final int id, final dev.jvs.engine.Neighbors neighbors, final dev.jvs.engine.Routes routes)
    {
        final int v = neighbors.version();
        if (macVersion != v || macRoutes != routes)
        {
            // The version is read before the map (which is published first), so a change made meanwhile
            // leaves the cache behind a version, never ahead of it.
            for (int d = 0; d < dests.idLimit() && d < mac.length; d++)
            {
                final long r = routes.lookup(dests.address(d));
                port[d] = r < 0 ? 0 : (int)(r >>> 32);
                mac[d] = r < 0 ? NO_ROUTE : neighbors.get((int)r);
            }
            macVersion = v;
            macRoutes = routes;
        }
        return mac[id];
    }

    /**
     * @param id destination id.
     * @param neighbors the neighbour table.
     * @param routes the director's routes.
     * @return the port its frames leave by.
     */
    public int port(final int id, final dev.jvs.engine.Neighbors neighbors, final dev.jvs.engine.Routes routes)
    {
        mac(id, neighbors, routes);
        return port[id];
    }

    /** @param id destination id. @return its forwarding method. */
    public int method(final int id)
    {
        return method[id];
    }

    /** @return persistence timeout, ms (0 none). */
    public int persistenceTimeoutMs()
    {
        return persistenceTimeoutMs;
    }

    /** @return persistence netmask. */
    public int persistenceNetmask()
    {
        return persistenceNetmask;
    }

    /** @return true once taken out of lookups. */
    public boolean isRemoved()
    {
        return removed;
    }

    /** @return one-packet scheduling. */
    public boolean onePacket()
    {
        return onePacket;
    }

    /** @return index. */
    public int index()
    {
        return index;
    }

    /** @return protocol (0 for fwmark). */
    public int protocol()
    {
        return protocol;
    }

    /** @return VIP (for an IPv6 service, its fold). */
    public int vaddr()
    {
        return vaddr;
    }

    /** @return the VIP of either family (0.0.0.0 or :: for a firewall-mark service). */
    public IpAddress address()
    {
        return ipv6 ? (null != vaddr6 ? vaddr6 : new IpAddress(true, 0, 0)) : IpAddress.ofV4(vaddr);
    }

    /** @return an IPv6 service (IPVS's af is AF_INET6). */
    public boolean ipv6()
    {
        return ipv6;
    }

    /** @return virtual port. */
    public int vport()
    {
        return vport;
    }

    /** @return firewall mark or 0. */
    public int fwmark()
    {
        return fwmark;
    }

    /**
     * Count a new connection.
     *
     * @param dest destination id.
     */
    public void countNew(final int dest)
    {
        conns++;
        destStats[dest * STATS]++;
    }

    /**
     * Count a packet forwarded to a real server.
     *
     * @param dest destination id.
     * @param bytes IP length.
     */
    public void countIn(final int dest, final int bytes)
    {
        inPkts++;
        inBytes += bytes;
        final long[] st = destStats;
        final int i = dest * STATS;
        st[i + 1]++;
        st[i + 2] += bytes;
    }

    /**
     * Count a NAT reply packet.
     *
     * @param dest destination id.
     * @param bytes IP length.
     */
    public void countOut(final int dest, final int bytes)
    {
        outPkts++;
        outBytes += bytes;
        final long[] st = destStats;
        final int i = dest * STATS;
        st[i + 3]++;
        st[i + 4] += bytes;
    }

    /** Zero the service's and its real servers' counters (ipvsadm -Z). */
    public void zeroStats()
    {
        conns = 0;
        inPkts = 0;
        outPkts = 0;
        inBytes = 0;
        outBytes = 0;
        java.util.Arrays.fill(destStats, 0);
    }

    /** @return connections scheduled. */
    public long conns()
    {
        return conns;
    }

    /** @return packets forwarded to real servers. */
    public long inPkts()
    {
        return inPkts;
    }

    /** @return NAT reply packets forwarded. */
    public long outPkts()
    {
        return outPkts;
    }

    /** @return bytes to real servers. */
    public long inBytes()
    {
        return inBytes;
    }

    /** @return NAT reply bytes. */
    public long outBytes()
    {
        return outBytes;
    }

    /** @param id destination. @return connections scheduled to it. */
    public long destConns(final int id)
    {
        return destStats[id * STATS];
    }

    /** @param id destination. @return packets to it. */
    public long destInPkts(final int id)
    {
        return destStats[id * STATS + 1];
    }

    /** @param id destination. @return reply packets from it. */
    public long destOutPkts(final int id)
    {
        return destStats[id * STATS + 3];
    }

    /** @param id destination. @return bytes to it. */
    public long destInBytes(final int id)
    {
        return destStats[id * STATS + 2];
    }

    /** @param id destination. @return reply bytes from it. */
    public long destOutBytes(final int id)
    {
        return destStats[id * STATS + 4];
    }
}
