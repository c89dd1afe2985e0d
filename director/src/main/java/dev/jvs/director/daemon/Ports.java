package dev.jvs.director.daemon;

import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.director.config.VirtualServer;
import dev.jvs.director.config.VrrpConfig;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.io.PacketIoException;

import java.io.IOException;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which interfaces a director serves: those given with {@code -i}, in order, or else those the configuration
 * names, as keepalived would use them: the interface the route to the first virtual server's address leaves
 * by (port 0, where clients come from), the VRRP instances' interfaces and their addresses' {@code dev},
 * lvs_sync_daemon's, and the interfaces the routes to the other virtual servers and the real servers leave by.
 */
final class Ports
{
    private Ports()
    {
    }

    /**
     * @param names the interfaces given, or empty.
     * @param directorIp port 0's address if given.
     * @param kc the configuration.
     * @return the ports, port 0 first.
     * @throws PacketIoException when an interface does not exist.
     * @throws SocketException when its addresses cannot be read.
     * @throws IllegalArgumentException when the configuration names none.
     */
    static List<Port> resolve(final List<String> names, final String directorIp, final KeepalivedConfig kc)
        throws PacketIoException, SocketException
    {
        final List<String> chosen = names.isEmpty() ? named(kc) : names;
        if (chosen.isEmpty())
        {
            throw new IllegalArgumentException("no interface to serve: the configuration names none and no route " +
                "leads to its addresses; give -i");
        }
        final List<Port> ports = new ArrayList<>();
        for (final String n : new LinkedHashSet<>(chosen))
        {
            ports.add(Port.open(ports.size(), n, 0 == ports.size() ? directorIp : null, kc));
        }
        return ports;
    }

    /** RTF_REJECT: an unreachable route. */
    private static final long RTF_REJECT = 0x0200;

    /** The interfaces the configuration names, port 0 first. */
    static List<String> named(final KeepalivedConfig kc)
    {
        final List<String> routes = routeLines();
        final Set<String> out = new LinkedHashSet<>();
        kc.virtualServers.stream().filter(vs -> !vs.ipv6() && 0 != vs.vip()).findFirst()
            .map(vs -> interfaceFor(routes, vs.vip())).ifPresent(out::add);
        for (final VrrpConfig.Instance i : kc.vrrp.instances())
        {
            out.add(i.cfg().iface());
            out.addAll(i.devices().values());
        }
        if (null != kc.vrrp.syncDaemon())
        {
            out.add(kc.vrrp.syncDaemon().iface());
        }
        final List<String> routes6 = lines(Path.of("/proc/net/ipv6_route"));
        for (final VirtualServer vs : kc.virtualServers)
        {
            if (!vs.ipv6() && 0 != vs.vip())
            {
                out.add(interfaceFor(routes, vs.vip()));
            }
            else if (vs.ipv6() && null != vs.address())
            {
                out.add(interfaceFor6(routes6, vs.address()));
            }
            vs.realServers().forEach(rs -> out.add(rs.address().v6() ? interfaceFor6(routes6, rs.address()) :
                interfaceFor(routes, rs.addr())));
        }
        out.remove(null);
        out.remove("lo");
        return List.copyOf(out);
    }

    private static List<String> routeLines()
    {
        return lines(Path.of("/proc/net/route"));
    }

    private static List<String> lines(final Path file)
    {
        try
        {
            return Files.readAllLines(file);
        }
        catch (final IOException ex)
        {
            return List.of();
        }
    }

    /** The interface of the kernel's longest-prefix route to an address, or null. */
    private static String interfaceFor(final List<String> lines, final int addr)
    {
        String best = null;
        int bestLength = -1;
        int bestMetric = Integer.MAX_VALUE;
        for (final String line : lines.subList(Math.min(1, lines.size()), lines.size()))
        {
            final String[] f = line.trim().split("\\s+");
            if (f.length < 8 || 0 == (Integer.parseInt(f[3], 16) & 1))
            {
                continue;
            }
            final int dest = Integer.reverseBytes((int)Long.parseLong(f[1], 16));
            final int mask = Integer.reverseBytes((int)Long.parseLong(f[7], 16));
            final int length = Integer.bitCount(mask);
            final int metric = Integer.parseInt(f[6]);
            if ((addr & mask) == dest && (length > bestLength || length == bestLength && metric < bestMetric))
            {
                best = f[0];
                bestLength = length;
                bestMetric = metric;
            }
        }
        return best;
    }

    /**
     * The interface of the kernel's longest-prefix IPv6 route to an address (/proc/net/ipv6_route: every
     * table's routes, destination and prefix length in hex; loopback and reject routes skipped), or null.
     */
    static String interfaceFor6(final List<String> lines, final IpAddress addr)
    {
        String best = null;
        int bestLength = -1;
        long bestMetric = Long.MAX_VALUE;
        for (final String line : lines)
        {
            final String[] f = line.trim().split("\\s+");
            if (f.length < 10 || "lo".equals(f[9]) || 0 != (Long.parseLong(f[8], 16) & RTF_REJECT))
            {
                continue;
            }
            final int length = Integer.parseInt(f[1], 16);
            final long hi = Long.parseUnsignedLong(f[0].substring(0, 16), 16);
            final long lo = Long.parseUnsignedLong(f[0].substring(16), 16);
            final long mhi = 0 == length ? 0 : length >= 64 ? -1L : -1L << (64 - length);
            final long mlo = length <= 64 ? 0 : -1L << (128 - length);
            final long metric = Long.parseLong(f[5], 16);
            if ((addr.hi() & mhi) == hi && (addr.lo() & mlo) == lo &&
                (length > bestLength || length == bestLength && metric < bestMetric))
            {
                best = f[9];
                bestLength = length;
                bestMetric = metric;
            }
        }
        return best;
    }
}
