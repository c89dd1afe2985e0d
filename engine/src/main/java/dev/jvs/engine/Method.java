package dev.jvs.engine;

/** Forwarding methods, per real server, as IPVS binds them to each connection. */
public final class Method
{
    /** Masquerading (NAT): rewrite destination, translate replies. */
    public static final int NAT = 0;
    /** IP-in-IP tunnelling. */
    public static final int TUN = 1;
    /** Direct routing: rewrite the destination MAC only. */
    public static final int DR = 2;

    private Method()
    {
    }

    /**
     * @param m method code.
     * @return the name keepalived's lb_kind uses.
     */
    public static String name(final int m)
    {
        return switch (m)
        {
            case NAT -> "NAT";
            case TUN -> "TUN";
            case DR -> "DR";
            default -> "?";
        };
    }

    /**
     * @param lbKind NAT, TUN or DR (case-insensitive).
     * @return the method code.
     * @throws IllegalArgumentException otherwise.
     */
    public static int parse(final String lbKind)
    {
        return switch (lbKind.toUpperCase(java.util.Locale.ROOT))
        {
            case "NAT", "MASQ" -> NAT;
            case "TUN" -> TUN;
            case "DR" -> DR;
            default -> throw new IllegalArgumentException("unknown lb_kind '" + lbKind + "': expected NAT, DR or TUN");
        };
    }
}
