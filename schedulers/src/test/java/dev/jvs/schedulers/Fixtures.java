package dev.jvs.schedulers;

/** Small helpers shared by the scheduler tests. */
final class Fixtures
{
    static final int VIP = ip(198, 19, 0, 80);

    private Fixtures()
    {
    }

    static int ip(final int a, final int b, final int c, final int d)
    {
        return (a << 24) | (b << 16) | (c << 8) | d;
    }

    /** A real server address in 198.19.0.0/24. */
    static int rip(final int host)
    {
        return ip(198, 19, 0, host);
    }

    /** A client address in 198.18.0.0/16. */
    static int client(final int n)
    {
        return ip(198, 18, (n >> 8) & 0xff, n & 0xff);
    }

    static Flow tcp(final int saddr, final int sport)
    {
        return new Flow().set(Flow.TCP, saddr, sport, VIP, 80, 0);
    }

    static Scheduler bind(final String name, final Destinations d, final int flags)
    {
        final Scheduler s = Schedulers.create(name, d, flags, () -> 0, 0);
        d.scheduler(s);
        return s;
    }

    /** Pick, bind a new connection to the pick, and return it. */
    static int connect(final Scheduler s, final Destinations d, final Flow f)
    {
        final int id = s.pick(f);
        if (id >= 0)
        {
            d.bind(id, Destinations.CONN_INACTIVE);
        }
        return id;
    }
}
