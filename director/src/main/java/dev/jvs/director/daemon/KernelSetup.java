package dev.jvs.director.daemon;

import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.frame.Ipv4;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the director changes in its kernel, and undoes (DESIGN.md, "The director and the kernel"):
 * <ul>
 * <li>an nftables table {@code netdev jvs_IFACE} whose ingress hook drops what the engine owns after
 * AF_PACKET has taken its copy: frames to a VIP, and NAT real servers' replies to clients (not those to the
 * director's own addresses: health checks and ARP stay the kernel's). So the kernel never answers a VIP with
 * a RST nor forwards a reply, whatever ip_forward says;</li>
 * <li>GRO and LRO off on the interface, so the ring sees frames as they were on the wire.</li>
 * </ul>
 * The previous offload settings are saved in {@code /run/jvs/IFACE.state} before changing them; a start
 * that finds that file (the last run crashed) restores them first, and deletes any table left over.
 */
final class KernelSetup implements AutoCloseable
{
    private static final Path STATE_DIR = Path.of("/run/jvs");
    private boolean keepAddresses;

    private final String iface;
    private final Path state;
    private boolean tableCreated;
    private final List<String> addedAddresses = new ArrayList<>();
    private final List<String> restoreOffloads = new ArrayList<>();

    KernelSetup(final String iface)
    {
        this.iface = iface;
        this.state = STATE_DIR.resolve(iface + ".state");
    }

    private String table()
    {
        return "jvs_" + iface.replaceAll("[^A-Za-z0-9_]", "_");
    }

    /** Clean what a crashed run left. */
    void recover()
    {
        try
        {
            if (Files.exists(state))
            {
                for (final String line : Files.readAllLines(state))
                {
                    if (line.startsWith("addr "))
                    {
                        try
                        {
                            Commands.run(List.of("ip", "addr", "del", line.substring(5), "dev", iface));
                        }
                        catch (final IOException gone)
                        {
                            // already removed
                        }
                    }
                    else if (!line.isBlank())
                    {
                        Commands.run(List.of("ethtool", "-K", iface, line.split(" ")[0], line.split(" ")[1]));
                    }
                }
                Files.delete(state);
                Log.info("restored what a previous run left changed on " + iface);
            }
        }
        catch (final IOException ex)
        {
            Log.info("warning: could not restore offloads of a previous run: " + ex.getMessage());
        }
        try
        {
            Commands.run(List.of("nft", "delete", "table", "netdev", table()));
            Log.info("removed nftables table " + table() + " a previous run left");
        }
        catch (final IOException ignored)
        {
            // no table: the normal case
        }
    }

    /** Turn GRO and LRO off, remembering their state. */
    void offloads()
    {
        try
        {
            final String k = Commands.run(List.of("ethtool", "-k", iface));
            for (final String[] f : new String[][] {{"generic-receive-offload", "gro"},
                {"large-receive-offload", "lro"}})
            {
                for (final String line : k.split("\n"))
                {
                    final String l = line.trim();
                    if (l.startsWith(f[0] + ": on") && !l.contains("[fixed]"))
                    {
                        Commands.run(List.of("ethtool", "-K", iface, f[1], "off"));
                        restoreOffloads.add(f[1] + " on");
                    }
                }
            }
            if (!restoreOffloads.isEmpty())
            {
                Files.createDirectories(STATE_DIR);
                Files.write(state, restoreOffloads, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
                Log.info("turned off on " + iface + ": " + String.join(", ", restoreOffloads).replace(" on", ""));
            }
        }
        catch (final IOException ex)
        {
            Log.info("warning: cannot check GRO/LRO on " + iface + " (" + ex.getMessage() +
                "); frames merged by them would be dropped");
        }
    }

    /**
     * Install the ingress drops.
     *
     * @param vips VIP addresses.
     * @param natServers NAT real servers' addresses.
     * @param local the director's own addresses on the interface.
     * @throws IOException when nft fails.
     */
    void dropOwnedTraffic(final int[] vips, final int[] natServers, final int[] local) throws IOException
    {
        dropOwnedTraffic(vips, natServers, local, List.of(), List.of());
    }

    /**
     * Install the ingress drops, IPv6 too: the IPv6 VIPs' traffic, and the IPv6 NAT real servers' except what
     * is for the director itself, its link-local addresses or a multicast group (neighbour discovery, which
     * the kernel must go on answering for the director's own addresses).
     *
     * @param vips VIP addresses.
     * @param natServers NAT real servers' addresses.
     * @param local the director's own addresses on the interface.
     * @param vips6 IPv6 VIPs.
     * @param natServers6 IPv6 NAT real servers.
     * @throws IOException when nft fails.
     */
    void dropOwnedTraffic(final int[] vips, final int[] natServers, final int[] local,
        final List<IpAddress> vips6, final List<IpAddress> natServers6) throws IOException
    {
        final StringBuilder b = new StringBuilder();
        b.append("table netdev ").append(table()).append(" {\n");
        b.append("  chain ingress {\n    type filter hook ingress device \"").append(iface)
            .append("\" priority -500; policy accept;\n");
        if (vips.length > 0)
        {
            b.append("    ip daddr ").append(set(vips)).append(" counter drop\n");
        }
        if (natServers.length > 0)
        {
            b.append("    ip saddr ").append(set(natServers)).append(" ip daddr != ")
                .append(local.length > 0 ? set(local) : "{ 255.255.255.255 }").append(" counter drop\n");
        }
        if (!vips6.isEmpty())
        {
            b.append("    ip6 daddr ").append(set6(vips6)).append(" counter drop\n");
        }
        if (!natServers6.isEmpty())
        {
            final List<String> keep = new java.util.ArrayList<>(List.of("fe80::/10", "ff00::/8"));
            local6().forEach(a -> keep.add(a.toString()));
            b.append("    ip6 saddr ").append(set6(natServers6)).append(" ip6 daddr != { ")
                .append(String.join(", ", keep)).append(" } counter drop\n");
        }
        b.append("  }\n}\n");
        final Path f = Files.createTempFile("jvs", ".nft");
        try
        {
            Files.writeString(f, b.toString());
            Commands.run(List.of("nft", "-f", f.toString()));
        }
        finally
        {
            Files.delete(f);
        }
        tableCreated = true;
        Log.info("nftables table netdev " + table() + " drops VIP traffic" +
            (natServers.length + natServers6.size() > 0 ? " and NAT replies" : "") + " after capture");
    }

    /**
     * vip_mode kernel: the VIPs become addresses of the interface, so the kernel answers ARP for them; the
     * ingress drops (installed first) keep it out of their traffic, so it sends no RST.
     *
     * @param vips VIP addresses.
     * @throws IOException when ip fails.
     */
    synchronized void addVipAddresses(final int[] vips) throws IOException
    {
        for (final int v : vips)
        {
            final String a = Ipv4.toString(v) + "/32";
            if (Commands.run(List.of("ip", "-4", "addr", "show", "dev", iface)).contains(" " + a + " "))
            {
                continue;
            }
            Commands.run(List.of("ip", "addr", "add", a, "dev", iface));
            addedAddresses.add(a);
            Files.createDirectories(STATE_DIR);
            Files.writeString(state, "addr " + a + "\n", java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        }
        if (!addedAddresses.isEmpty())
        {
            Log.info("vip_mode kernel: added " + String.join(", ", addedAddresses) + " to " + iface);
        }
    }

    /**
     * Take back addresses added by {@link #addVipAddresses} (a VRRP master became backup in vip_mode kernel).
     *
     * @param vips the addresses.
     * @throws IOException when ip fails.
     */
    synchronized void removeVipAddresses(final int[] vips) throws IOException
    {
        final List<String> removed = new ArrayList<>();
        for (final int v : vips)
        {
            final String a = Ipv4.toString(v) + "/32";
            if (addedAddresses.remove(a))
            {
                Commands.run(List.of("ip", "addr", "del", a, "dev", iface));
                removed.add(a);
            }
        }
        if (!removed.isEmpty())
        {
            Log.info("vip_mode kernel: removed " + String.join(", ", removed) + " from " + iface);
        }
    }

    private static String set6(final List<IpAddress> a)
    {
        return "{ " + String.join(", ", a.stream().map(IpAddress::toString).toList()) + " }";
    }

    /** The interface's global IPv6 addresses (its own traffic is the kernel's). */
    private List<IpAddress> local6() throws IOException
    {
        final java.net.NetworkInterface ni = java.net.NetworkInterface.getByName(iface);
        if (null == ni)
        {
            return List.of();
        }
        return java.util.Collections.list(ni.getInetAddresses()).stream()
            .filter(a -> a instanceof java.net.Inet6Address && !a.isLinkLocalAddress())
            .map(a -> IpAddress.of(a.getAddress())).toList();
    }

    private static String set(final int[] a)
    {
        final StringBuilder s = new StringBuilder("{ ");
        for (int i = 0; i < a.length; i++)
        {
            s.append(i > 0 ? ", " : "").append(Ipv4.toString(a[i]));
        }
        return s.append(" }").toString();
    }

    /**
     * keepalived --dont-release-vrrp: {@link #close} leaves the addresses VRRP added, and their lines in the
     * state file, so that the next start takes them back first (as keepalived -V's next start does).
     */
    synchronized void keepAddresses()
    {
        keepAddresses = true;
    }

    @Override
    public synchronized void close()
    {
        for (final String a : keepAddresses ? List.<String>of() : addedAddresses)
        {
            try
            {
                Commands.run(List.of("ip", "addr", "del", a, "dev", iface));
            }
            catch (final IOException ex)
            {
                Log.info("warning: could not remove " + a + " from " + iface + ": " + ex.getMessage());
            }
        }
        if (tableCreated)
        {
            try
            {
                Commands.run(List.of("nft", "delete", "table", "netdev", table()));
            }
            catch (final IOException ex)
            {
                Log.info("warning: could not delete nftables table " + table() + ": " + ex.getMessage());
            }
        }
        for (final String o : restoreOffloads)
        {
            try
            {
                Commands.run(List.of("ethtool", "-K", iface, o.split(" ")[0], o.split(" ")[1]));
            }
            catch (final IOException ex)
            {
                Log.info("warning: could not restore " + o + " on " + iface + ": " + ex.getMessage());
            }
        }
        try
        {
            Files.deleteIfExists(state);
            if (keepAddresses && !addedAddresses.isEmpty())
            {
                Files.writeString(state, addedAddresses.stream().map(a -> "addr " + a + "\n")
                    .collect(java.util.stream.Collectors.joining()));
            }
        }
        catch (final IOException ignored)
        {
            // nothing left to do
        }
        Log.info("kernel settings of " + iface + " restored" + (keepAddresses && !addedAddresses.isEmpty() ?
            ", VRRP addresses " + String.join(" ", addedAddresses) + " kept (--dont-release-vrrp)" : ""));
    }
}
