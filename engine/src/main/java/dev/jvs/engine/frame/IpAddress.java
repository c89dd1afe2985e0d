package dev.jvs.engine.frame;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 address as a value, for the control path (configuration, checkers, listings). The IPv4 hot
 * path keeps its addresses as {@code int}s ({@link #v4()}); an IPv6 address is its 128 bits in network order,
 * {@code hi} the first eight bytes.
 *
 * @param v6 the family is IPv6.
 * @param hi IPv6: the first 64 bits; IPv4: 0.
 * @param lo IPv6: the last 64 bits; IPv4: the address, unsigned.
 */
public record IpAddress(boolean v6, long hi, long lo) implements Comparable<IpAddress>
{
    /**
     * @param a an IPv4 address, host order.
     * @return it as a value.
     */
    public static IpAddress ofV4(final int a)
    {
        return new IpAddress(false, 0, a & 0xFFFFFFFFL);
    }

    /**
     * @param text an IPv4 address in dotted quad, or an IPv6 address as inet_pton reads it (with "::" and an
     *             IPv4 tail).
     * @return the address.
     * @throws IllegalArgumentException if it is neither.
     */
    public static IpAddress parse(final String text)
    {
        if (text.indexOf(':') < 0)
        {
            return ofV4(Ipv4.parse(text));
        }
        final int[] g = new int[8];
        final int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0)
        {
            throw new IllegalArgumentException("'" + text + "' has '::' twice");
        }
        final int head = gap < 0 ? groups(text, g, 0, 8) : groups(text.substring(0, gap), g, 0, 7);
        if (gap >= 0)
        {
            final int[] t = new int[8];
            final int tail = groups(text.substring(gap + 2), t, 0, 7 - head);
            System.arraycopy(t, 0, g, 8 - tail, tail);
        }
        else if (head != 8)
        {
            throw new IllegalArgumentException("'" + text + "' is not an IPv6 address: 8 groups needed");
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 4; i++)
        {
            hi = hi << 16 | g[i];
            lo = lo << 16 | g[i + 4];
        }
        return new IpAddress(true, hi, lo);
    }

    /**
     * @param text an address, perhaps with a port.
     * @return it reads as IPv6 (two colons or more), as inet_pton(AF_INET6) is tried first by ipvsadm.
     */
    public static boolean isIpv6Text(final String text)
    {
        return text.indexOf(':') != text.lastIndexOf(':');
    }

    /** Read colon-separated hex groups (the last may be a dotted IPv4 address, two groups) into g from i. */
    private static int groups(final String s, final int[] g, final int from, final int max)
    {
        if (s.isEmpty())
        {
            return 0;
        }
        final String[] parts = s.split(":", -1);
        int n = from;
        for (int p = 0; p < parts.length; p++)
        {
            final String w = parts[p];
            if (p == parts.length - 1 && w.indexOf('.') >= 0)
            {
                if (n + 2 > max)
                {
                    throw new IllegalArgumentException("'" + s + "' has too many groups for IPv6");
                }
                final int v4 = Ipv4.parse(w);
                g[n++] = v4 >>> 16;
                g[n++] = v4 & 0xFFFF;
                continue;
            }
            if (w.isEmpty() || w.length() > 4 || n >= max || !w.chars().allMatch(c -> Character.digit(c, 16) >= 0))
            {
                throw new IllegalArgumentException("'" + s + "' is not an IPv6 address");
            }
            g[n++] = Integer.parseInt(w, 16);
        }
        return n - from;
    }

    /**
     * @param b an address in network order, 4 or 16 bytes (InetAddress.getAddress()).
     * @return it as a value.
     */
    public static IpAddress of(final byte[] b)
    {
        final java.nio.ByteBuffer w = java.nio.ByteBuffer.wrap(b);
        return 16 == b.length ? new IpAddress(true, w.getLong(), w.getLong()) : ofV4(w.getInt());
    }

    /** @return the IPv4 address, host order. @throws IllegalStateException for an IPv6 address. */
    public int v4()
    {
        if (v6)
        {
            throw new IllegalStateException(this + " is an IPv6 address");
        }
        return (int)lo;
    }

    /**
     * The 32 bits the kernel's hashes take from an address: IPv4 as it is, IPv6 folded as
     * {@code ip_vs_svc_hashkey} and {@code ip_vs_rs_hashkey} fold it ({@code ip6[0]^ip6[1]^ip6[2]^ip6[3]},
     * network-order words, then host order).
     *
     * @return the folded address, host order.
     */
    public int fold()
    {
        return v6 ? (int)(hi >>> 32) ^ (int)hi ^ (int)(lo >>> 32) ^ (int)lo : (int)lo;
    }

    /** @param i 0..7. @return the i-th 16-bit group of an IPv6 address. */
    public int group(final int i)
    {
        return (int)((i < 4 ? hi >>> (48 - 16 * i) : lo >>> (48 - 16 * (i - 4))) & 0xFFFF);
    }

    /** @return the address with its last 16 bits replaced (an IPv6 range's end, as keepalived's inet_stor). */
    public IpAddress withLast16(final int last)
    {
        return new IpAddress(v6, hi, lo & ~0xFFFFL | last & 0xFFFF);
    }

    /** @return the address in network order, 4 or 16 bytes. */
    public byte[] bytes()
    {
        final byte[] b = new byte[v6 ? 16 : 4];
        if (!v6)
        {
            for (int i = 0; i < 4; i++)
            {
                b[i] = (byte)(lo >>> (24 - 8 * i));
            }
            return b;
        }
        for (int i = 0; i < 8; i++)
        {
            b[i] = (byte)(hi >>> (56 - 8 * i));
            b[i + 8] = (byte)(lo >>> (56 - 8 * i));
        }
        return b;
    }

    /** @return the address for a socket. */
    public InetAddress inet()
    {
        try
        {
            return InetAddress.getByAddress(bytes());
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    /** @return {@code [addr]} for IPv6, the address for IPv4: how ipvsadm and keepalived write it beside a port. */
    public String withPort(final int port)
    {
        return (v6 ? "[" + this + "]" : toString()) + ":" + port;
    }

    /** IPv4 dotted; IPv6 as glibc's inet_ntop writes it, which is what ipvsadm and keepalived print. */
    @Override
    public String toString()
    {
        if (!v6)
        {
            return Ipv4.toString((int)lo);
        }
        // The longest run of two or more zero groups becomes "::" (the first of equal runs), as inet_ntop6.
        int best = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; )
        {
            int j = i;
            while (j < 8 && 0 == group(j))
            {
                j++;
            }
            if (j - i > bestLen)
            {
                best = i;
                bestLen = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        if (bestLen < 2)
        {
            best = -1;
        }
        final StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i++)
        {
            if (i == best)
            {
                b.append(':');
                i += bestLen - 1;
                if (i == 7)
                {
                    b.append(':');
                }
                continue;
            }
            if (i > 0)
            {
                b.append(':');
            }
            // inet_ntop6 writes an embedded IPv4 address for ::a.b.c.d and ::ffff:a.b.c.d.
            if (6 == i && 0 == best && (6 == bestLen || 5 == bestLen && 0xFFFF == group(5)))
            {
                b.append(Ipv4.toString((int)lo));
                break;
            }
            b.append(Integer.toHexString(group(i)));
        }
        return b.toString();
    }

    @Override
    public int compareTo(final IpAddress o)
    {
        if (v6 != o.v6)
        {
            return v6 ? 1 : -1;
        }
        final int c = Long.compareUnsigned(hi, o.hi);
        return 0 != c ? c : Long.compareUnsigned(lo, o.lo);
    }
}
