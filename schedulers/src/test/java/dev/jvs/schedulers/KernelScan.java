package dev.jvs.schedulers;

/**
 * The kernel's linear scans for the least-connection family, written loop for loop after
 * {@code ip_vs_lc.c}, {@code ip_vs_wlc.c}, {@code ip_vs_sed.c}, {@code ip_vs_nq.c}, {@code ip_vs_fo.c} and
 * {@code ip_vs_ovf.c}: the oracle the indexed schedulers must agree with on every pick.
 */
final class KernelScan
{
    private KernelScan()
    {
    }

    static int pick(final String name, final Destinations d)
    {
        return switch (name)
        {
            case "lc" -> lc(d);
            case "wlc" -> wlc(d, false);
            case "sed" -> wlc(d, true);
            case "nq" -> nq(d);
            case "fo" -> fo(d);
            case "ovf" -> ovf(d);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static boolean overloaded(final Destinations d, final int id)
    {
        return 0 != (d.flags(id) & Destinations.F_OVERLOAD);
    }

    static int lc(final Destinations d)
    {
        int least = -1;
        int loh = 0;
        for (int p = 0; p < d.count(); p++)
        {
            final int id = d.idAt(p);
            if (overloaded(d, id) || 0 == d.weight(id))
            {
                continue;
            }
            final int doh = d.overhead(id);
            if (-1 == least || doh < loh)
            {
                least = id;
                loh = doh;
            }
        }
        return least;
    }

    static int wlc(final Destinations d, final boolean sed)
    {
        int p = 0;
        int least = -1;
        int loh = 0;
        for (; p < d.count(); p++)
        {
            final int id = d.idAt(p);
            if (!overloaded(d, id) && d.weight(id) > 0)
            {
                least = id;
                loh = sed ? d.activeConns(id) + 1 : d.overhead(id);
                break;
            }
        }
        if (-1 == least)
        {
            return -1;
        }
        for (p = p + 1; p < d.count(); p++)
        {
            final int id = d.idAt(p);
            if (overloaded(d, id))
            {
                continue;
            }
            final int doh = sed ? d.activeConns(id) + 1 : d.overhead(id);
            if ((long)loh * d.weight(id) > (long)doh * d.weight(least))
            {
                least = id;
                loh = doh;
            }
        }
        return least;
    }

    static int nq(final Destinations d)
    {
        int least = -1;
        int loh = 0;
        for (int p = 0; p < d.count(); p++)
        {
            final int id = d.idAt(p);
            if (overloaded(d, id) || 0 == d.weight(id))
            {
                continue;
            }
            final int doh = d.activeConns(id) + 1;
            if (0 == d.activeConns(id))
            {
                return id;
            }
            if (-1 == least || (long)loh * d.weight(id) > (long)doh * d.weight(least))
            {
                least = id;
                loh = doh;
            }
        }
        return least;
    }

    static int fo(final Destinations d)
    {
        int h = -1;
        for (int p = 0; p < d.count(); p++)
        {
            final int id = d.idAt(p);
            if (!overloaded(d, id) && d.weight(id) > 0 && (-1 == h || d.weight(id) > d.weight(h)))
            {
                h = id;
            }
        }
        return h;
    }

    static int ovf(final Destinations d)
    {
        int h = -1;
        for (int p = 0; p < d.count(); p++)
        {
            final int id = d.idAt(p);
            final int w = d.weight(id);
            if (overloaded(d, id) || d.activeConns(id) > w || 0 == w)
            {
                continue;
            }
            if (-1 == h || w > d.weight(h))
            {
                h = id;
            }
        }
        return h;
    }
}
