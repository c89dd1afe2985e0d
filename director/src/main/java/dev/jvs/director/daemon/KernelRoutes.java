package dev.jvs.director.daemon;

import dev.jvs.engine.Routes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel's IPv4 routes of the main table, as the engine forwards by them: those that leave by an
 * interface the director serves, each to its port. Read from /proc/net/route, which holds exactly the main
 * table, on start, on every reload and once a second by the conductor (a new snapshot goes to the workers only
 * when it differs): routes change rarely, a second of staleness costs nothing a client would see, and reading
 * a few lines spares the daemon a netlink socket and its parser.
 */
final class KernelRoutes
{
    private static final Path PROC = Path.of("/proc/net/route");
    private static final int RTF_UP = 0x1;

    private KernelRoutes()
    {
    }

    /**
     * @param ports the ports, by index.
     * @return the routes by them; with one port, anything without a route is on-link there too (a one-armed
     *     director resolves its real servers by ARP, whatever the kernel's table says).
     */
    static Routes read(final List<Port> ports)
    {
        List<String> lines;
        try
        {
            lines = Files.readAllLines(PROC);
        }
        catch (final IOException ex)
        {
            lines = List.of();
        }
        return parse(lines, ports);
    }

    /**
     * @param lines /proc/net/route's lines, header first.
     * @param ports the ports.
     * @return the routes.
     */
    static Routes parse(final List<String> lines, final List<Port> ports)
    {
        final Map<String, Integer> index = new HashMap<>();
        for (final Port p : ports)
        {
            index.put(p.name(), p.index());
        }
        final Map<Long, int[]> best = new HashMap<>();
        final List<Routes.Route> routes = new ArrayList<>();
        for (final String line : lines.subList(Math.min(1, lines.size()), lines.size()))
        {
            final String[] f = line.trim().split("\\s+");
            if (f.length < 8 || !index.containsKey(f[0]))
            {
                continue;
            }
            final int flags = Integer.parseInt(f[3], 16);
            if (0 == (flags & RTF_UP))
            {
                continue;
            }
            final int dest = hostOrder(f[1]);
            final int gateway = hostOrder(f[2]);
            final int mask = hostOrder(f[7]);
            final int metric = Integer.parseInt(f[6]);
            final int length = Integer.bitCount(mask);
            // Of two routes to one prefix, the lower metric wins, as in the kernel.
            final long key = (long)dest << 8 | length;
            final int[] seen = best.get(key);
            if (null != seen && seen[0] <= metric)
            {
                continue;
            }
            best.put(key, new int[] {metric, routes.size()});
            routes.add(new Routes.Route(dest, length, index.get(f[0]), gateway));
        }
        final List<Routes.Route> kept = new ArrayList<>();
        for (final int[] b : best.values())
        {
            kept.add(routes.get(b[1]));
        }
        kept.sort((a, b) -> Integer.compare(routes.indexOf(a), routes.indexOf(b)));
        if (1 == ports.size())
        {
            kept.add(new Routes.Route(0, 0, 0, 0));
        }
        return new Routes(kept);
    }

    /** /proc/net/route writes addresses as the kernel holds them: network order read as a little-endian word. */
    private static int hostOrder(final String hex)
    {
        return Integer.reverseBytes((int)Long.parseLong(hex, 16));
    }
}
