package dev.jvs.engine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The director's IPv4 routes as the engine reads them: an immutable snapshot, longest prefix first, each to a
 * port (an interface the director serves) and a next hop (0: on-link, the destination itself). The daemon
 * builds one from the kernel's table and hands every worker the new one when it changes; a lookup is a short
 * linear walk, and its result is cached per real server (so the frame path pays it once per change).
 */
public final class Routes
{
    /** No routes: every destination is on-link on port 0 (a one-armed director). */
    public static final Routes NONE = new Routes(List.of());

    /** One route. */
    public record Route(int prefix, int length, int port, int gateway)
    {
    }

    private final int[] prefix;
    private final int[] mask;
    private final int[] port;
    private final int[] gateway;
    private final List<Route> routes;

    /**
     * @param routes the routes, in any order (the longest prefix wins, then the first given).
     */
    public Routes(final List<Route> routes)
    {
        final List<Route> sorted = new ArrayList<>(routes);
        sorted.sort(Comparator.comparingInt(Route::length).reversed());
        this.routes = List.copyOf(sorted);
        final int n = sorted.size();
        prefix = new int[n];
        mask = new int[n];
        port = new int[n];
        gateway = new int[n];
        for (int i = 0; i < n; i++)
        {
            final Route r = sorted.get(i);
            mask[i] = 0 == r.length() ? 0 : -1 << (32 - r.length());
            prefix[i] = r.prefix() & mask[i];
            port[i] = r.port();
            gateway[i] = r.gateway();
        }
    }

    /**
     * @param addr a destination.
     * @return the port in the high 32 bits and the next hop (the gateway, or the destination when on-link) in
     *     the low ones; -1 when no route goes there.
     */
    public long lookup(final int addr)
    {
        if (0 == prefix.length)
        {
            return addr & 0xFFFFFFFFL;
        }
        for (int i = 0; i < prefix.length; i++)
        {
            if ((addr & mask[i]) == prefix[i])
            {
                final int hop = 0 != gateway[i] ? gateway[i] : addr;
                return (long)port[i] << 32 | hop & 0xFFFFFFFFL;
            }
        }
        return -1;
    }

    /** @return the routes, longest prefix first. */
    public List<Route> routes()
    {
        return routes;
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof Routes r && r.routes.equals(routes);
    }

    @Override
    public int hashCode()
    {
        return routes.hashCode();
    }
}
