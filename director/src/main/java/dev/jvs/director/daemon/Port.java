package dev.jvs.director.daemon;

import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.io.PacketIoException;
import dev.jvs.engine.io.Sockets;

import java.net.Inet4Address;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;

/**
 * An interface the director serves, as data: its name and index, MAC, the address jvs speaks from, MTU, and
 * every IPv4 address it holds (their traffic is the kernel's, never a VIP's).
 *
 * @param index its number among the director's ports (0: where clients reach the VIPs).
 * @param name the interface's name.
 * @param ifindex its index.
 * @param mac its MAC.
 * @param ip the address jvs sends from (IPIP outer source, VRRP, sync, ARP requests).
 * @param mtu its MTU.
 * @param addresses its IPv4 addresses.
 * @param ip6 its first global IPv6 address that is no IPv6 VIP (the source of ip6ip6 tunnels), or null.
 * @param linkLocal6 its IPv6 link-local address (the source of VRRPv3 adverts over IPv6), or null.
 */
public record Port(int index, String name, int ifindex, long mac, int ip, int mtu, int[] addresses, IpAddress ip6,
    IpAddress linkLocal6)
{
    /** @return whether the interface forwards IPv6 (its sysctl), as keepalived asks before it says router. */
    public boolean forwardsIpv6()
    {
        try
        {
            return "1".equals(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/ipv6/conf", name,
                "forwarding")).trim());
        }
        catch (final java.io.IOException ex)
        {
            return false;
        }
    }

    /**
     * Look the interface up.
     *
     * @param index its number among the director's ports.
     * @param name its name.
     * @param directorIp the address to send from, or null for its own first one.
     * @param kc the configuration (addresses a crashed keepalived left behind are not ours).
     * @return the port.
     * @throws PacketIoException when there is no such interface.
     * @throws SocketException when its addresses cannot be read.
     */
    public static Port open(final int index, final String name, final String directorIp, final KeepalivedConfig kc)
        throws PacketIoException, SocketException
    {
        final int ifindex = Sockets.ifindex(name);
        final long mac = Sockets.mac(name);
        final int[] addresses = addresses(name);
        final int ip = null != directorIp ? Ipv4.parse(directorIp) : firstIpv4(addresses, kc);
        final NetworkInterface ni = NetworkInterface.getByName(name);
        return new Port(index, name, ifindex, mac, ip, null != ni ? ni.getMTU() : 1500, addresses, firstIpv6(ni, kc),
            linkLocal(ni));
    }

    private static IpAddress linkLocal(final NetworkInterface ni)
    {
        return null == ni ? null : Collections.list(ni.getInetAddresses()).stream()
            .filter(a -> a instanceof java.net.Inet6Address && a.isLinkLocalAddress())
            .map(a -> IpAddress.of(a.getAddress())).findFirst().orElse(null);
    }

    private static IpAddress firstIpv6(final NetworkInterface ni, final KeepalivedConfig kc)
    {
        if (null == ni)
        {
            return null;
        }
        final Set<IpAddress> vips = new HashSet<>();
        kc.virtualServers.stream().filter(v -> v.ipv6() && null != v.address()).forEach(v -> vips.add(v.address()));
        return Collections.list(ni.getInetAddresses()).stream()
            .filter(a -> a instanceof java.net.Inet6Address && !a.isLinkLocalAddress())
            .map(a -> IpAddress.of(a.getAddress()))
            .filter(a -> !vips.contains(a)).findFirst().orElse(null);
    }

    private static int[] addresses(final String name) throws SocketException
    {
        final NetworkInterface ni = NetworkInterface.getByName(name);
        if (null == ni)
        {
            return new int[0];
        }
        return Collections.list(ni.getInetAddresses()).stream().filter(a -> a instanceof Inet4Address)
            .mapToInt(a ->
            {
                final byte[] b = a.getAddress();
                return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
            }).toArray();
    }

    /**
     * The interface's own address: the first IPv4 that is no VIP nor VRRP address (a keepalived that crashed
     * leaves its addresses behind, and one of them must not become jvs's source).
     */
    private static int firstIpv4(final int[] addresses, final KeepalivedConfig kc)
    {
        final Set<Integer> virtual = new HashSet<>();
        kc.vrrp.instances().forEach(i -> Arrays.stream(i.cfg().ownedAddresses()).forEach(virtual::add));
        kc.virtualServers.stream().filter(v -> !v.ipv6()).forEach(v -> virtual.add(v.vip()));
        int fallback = 0;
        for (final int a : addresses)
        {
            if (!virtual.contains(a))
            {
                return a;
            }
            fallback = 0 == fallback ? a : fallback;
        }
        return fallback;
    }
}
