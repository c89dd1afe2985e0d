package dev.jvs.schedulers.sim;

import dev.jvs.schedulers.Destinations;
import dev.jvs.schedulers.Flow;
import dev.jvs.schedulers.RandomSource;
import dev.jvs.schedulers.Scheduler;
import dev.jvs.schedulers.Schedulers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Replays a trace of service changes and connection events through a scheduler, one JSON object per line,
 * and prints {@code ID SERVER} (or {@code ID -}) for every new connection: "what would wlc do with my
 * weights?".
 * <p>
 * Counters move as the kernel moves them: a new connection is bound inactive; for TCP, {@code est} makes it
 * active and {@code fin} inactive again; UDP connections stay inactive; {@code close} unbinds it, which may
 * clear an overload mark. {@code conns} sets a server's counters and nothing else.
 */
public final class Simulator
{
    private final Destinations dests = new Destinations();
    private final Map<String, Integer> byName = new HashMap<>();
    private final Map<Integer, String> names = new HashMap<>();
    private final Map<String, Conn> conns = new HashMap<>();
    private final Flow flow = new Flow();
    private final TraceRandom random;
    private final int serviceFlags;
    private Scheduler scheduler;
    private long nowMs;
    private int lineNo;

    private static final class Conn
    {
        final int dest;
        final boolean tcp;
        boolean active;

        Conn(final int dest, final boolean tcp)
        {
            this.dest = dest;
            this.tcp = tcp;
        }
    }

    /** Draws from the event's "rand" first, then from a seeded generator. */
    private static final class TraceRandom implements RandomSource
    {
        private final SplittableRandom fallback;
        private long[] pending = new long[0];
        private int next;

        TraceRandom(final long seed)
        {
            fallback = new SplittableRandom(seed);
        }

        void offer(final long[] draws)
        {
            pending = draws;
            next = 0;
        }

        @Override
        public int nextU32()
        {
            if (next < pending.length)
            {
                return (int)pending[next++];
            }
            return fallback.nextInt();
        }
    }

    /**
     * @param schedulerName IPVS scheduler name.
     * @param flags ipvsadm's {@code -b} flags, comma-separated, may be empty.
     * @param seed seed of twos' draws when an event gives none.
     * @throws IllegalArgumentException for an unknown scheduler or flag.
     */
    public Simulator(final String schedulerName, final String flags, final long seed)
    {
        serviceFlags = Schedulers.parseFlags(flags);
        random = new TraceRandom(seed);
        scheduler = Schedulers.create(schedulerName, dests, serviceFlags, random, 0);
        dests.scheduler(scheduler);
    }

    /**
     * Run a whole trace.
     *
     * @param in JSON Lines; blank lines are skipped.
     * @param out where the picks go.
     * @throws IOException reading or writing.
     * @throws TraceException at the first bad line; the picks before it have been written.
     */
    public void run(final BufferedReader in, final PrintWriter out) throws IOException, TraceException
    {
        String line;
        while (null != (line = in.readLine()))
        {
            final String pick = step(line);
            if (null != pick)
            {
                out.println(pick);
            }
        }
        out.flush();
    }

    /**
     * Apply one line.
     *
     * @param line a JSON object, or blank.
     * @return the output line for a {@code conn} event, else null.
     * @throws TraceException when the line is not a valid event.
     */
    public String step(final String line) throws TraceException
    {
        lineNo++;
        if (line.isBlank())
        {
            return null;
        }
        final Object parsed;
        try
        {
            parsed = Json.parse(line);
        }
        catch (final IllegalArgumentException ex)
        {
            throw fail("not valid JSON: " + ex.getMessage());
        }
        if (!(parsed instanceof Map))
        {
            throw fail("expected a JSON object");
        }
        @SuppressWarnings("unchecked")
        final Map<String, Object> ev = (Map<String, Object>)parsed;
        final String op = string(ev, "op");
        try
        {
            return switch (op)
            {
                case "add" -> add(ev);
                case "edit" -> edit(ev);
                case "del" -> del(ev);
                case "conns" -> setConns(ev);
                case "scheduler" -> rebind(ev);
                case "conn" -> conn(ev);
                case "est" -> est(ev);
                case "fin" -> fin(ev);
                case "close" -> close(ev);
                case "tick" -> tick(ev);
                default -> throw fail("unknown op \"" + op +
                    "\": expected add, edit, del, conns, scheduler, conn, est, fin, close or tick");
            };
        }
        catch (final IllegalArgumentException | IllegalStateException ex)
        {
            throw fail(ex.getMessage());
        }
    }

    private String add(final Map<String, Object> ev) throws TraceException
    {
        final String rs = string(ev, "rs");
        final long[] ap = endpoint(ev, "addr");
        final int w = (int)integer(ev, "weight", 1, 0, Destinations.MAX_WEIGHT);
        final int u = (int)integer(ev, "u", 0, 0, Integer.MAX_VALUE);
        final int l = (int)integer(ev, "l", 0, 0, Integer.MAX_VALUE);
        final Integer known = byName.get(rs);
        if (null != known && dests.isListed(known))
        {
            throw fail("real server " + rs + " already exists");
        }
        for (int id = 0; id < dests.idLimit(); id++)
        {
            if (names.containsKey(id) && dests.address(id) == (int)ap[0] && dests.port(id) == (int)ap[1])
            {
                if (dests.isListed(id))
                {
                    throw fail("real server " + names.get(id) + " already has address " + string(ev, "addr"));
                }
                // Back from the trash with its counters, as ip_vs_add_dest does.
                byName.remove(names.get(id));
                names.put(id, rs);
                byName.put(rs, id);
                dests.revive(id, w, u, l);
                return null;
            }
        }
        final int id = dests.add((int)ap[0], (int)ap[1], w, u, l);
        byName.put(rs, id);
        names.put(id, rs);
        return null;
    }

    private String edit(final Map<String, Object> ev) throws TraceException
    {
        final int id = listed(ev);
        final int w = (int)integer(ev, "weight", dests.weight(id), 0, Destinations.MAX_WEIGHT);
        final int u = (int)integer(ev, "u", dests.upperThreshold(id), 0, Integer.MAX_VALUE);
        final int l = (int)integer(ev, "l", dests.lowerThreshold(id), 0, Integer.MAX_VALUE);
        dests.update(id, w, u, l);
        return null;
    }

    private String del(final Map<String, Object> ev) throws TraceException
    {
        dests.remove(listed(ev));
        return null;
    }

    private String setConns(final Map<String, Object> ev) throws TraceException
    {
        final String rs = string(ev, "rs");
        final Integer id = byName.get(rs);
        if (null == id)
        {
            throw fail("no real server " + rs);
        }
        final int a = (int)integer(ev, "active", dests.activeConns(id), 0, Integer.MAX_VALUE >> 9);
        final int i = (int)integer(ev, "inactive", dests.inactiveConns(id), 0, Integer.MAX_VALUE >> 9);
        dests.counts(id, a, i);
        return null;
    }

    private String rebind(final Map<String, Object> ev) throws TraceException
    {
        final String name = string(ev, "name");
        scheduler = Schedulers.create(name, dests, serviceFlags, random, nowMs);
        dests.scheduler(scheduler);
        return null;
    }

    private String conn(final Map<String, Object> ev) throws TraceException
    {
        final String id = string(ev, "id");
        if (conns.containsKey(id))
        {
            throw fail("connection " + id + " is already open");
        }
        final String proto = string(ev, "proto");
        final int protocol = switch (proto)
        {
            case "tcp" -> Flow.TCP;
            case "udp" -> Flow.UDP;
            case "sctp" -> Flow.SCTP;
            default -> throw fail("proto must be tcp, udp or sctp, not \"" + proto + "\"");
        };
        final long[] src = endpoint(ev, "src");
        final long[] dst = endpoint(ev, "dst");
        random.offer(draws(ev));
        flow.set(protocol, (int)src[0], (int)src[1], (int)dst[0], (int)dst[1], nowMs);
        final int dest = scheduler.pick(flow);
        if (Scheduler.NO_DEST == dest)
        {
            return id + " -";
        }
        dests.bind(dest, Destinations.CONN_INACTIVE);
        conns.put(id, new Conn(dest, Flow.UDP != protocol));
        return id + " " + names.get(dest);
    }

    private String est(final Map<String, Object> ev) throws TraceException
    {
        final Conn c = open(ev);
        if (c.tcp && !c.active)
        {
            c.active = true;
            dests.activate(c.dest);
        }
        return null;
    }

    private String fin(final Map<String, Object> ev) throws TraceException
    {
        final Conn c = open(ev);
        if (c.tcp && c.active)
        {
            c.active = false;
            dests.deactivate(c.dest);
        }
        return null;
    }

    private String close(final Map<String, Object> ev) throws TraceException
    {
        final Conn c = open(ev);
        conns.remove(string(ev, "id"));
        dests.unbind(c.dest, c.active ? Destinations.CONN_ACTIVE : Destinations.CONN_INACTIVE);
        return null;
    }

    private String tick(final Map<String, Object> ev) throws TraceException
    {
        final Object v = ev.get("sec");
        if (!(v instanceof Number) || ((Number)v).doubleValue() < 0 || ((Number)v).doubleValue() > 1e9)
        {
            throw fail("\"sec\" must be a number of seconds, 0 or more");
        }
        nowMs += Math.round(((Number)v).doubleValue() * 1000);
        scheduler.onTimer(nowMs);
        return null;
    }

    private Conn open(final Map<String, Object> ev) throws TraceException
    {
        final String id = string(ev, "id");
        final Conn c = conns.get(id);
        if (null == c)
        {
            throw fail("no open connection " + id);
        }
        return c;
    }

    private int listed(final Map<String, Object> ev) throws TraceException
    {
        final String rs = string(ev, "rs");
        final Integer id = byName.get(rs);
        if (null == id || !dests.isListed(id))
        {
            throw fail("no real server " + rs + " in the service");
        }
        return id;
    }

    private long[] draws(final Map<String, Object> ev) throws TraceException
    {
        final Object v = ev.get("rand");
        if (null == v)
        {
            return new long[0];
        }
        if (!(v instanceof List))
        {
            throw fail("\"rand\" must be an array of numbers");
        }
        final List<?> list = (List<?>)v;
        final long[] r = new long[list.size()];
        for (int i = 0; i < r.length; i++)
        {
            final Object o = list.get(i);
            if (!(o instanceof Long) || (Long)o < 0 || (Long)o > 0xFFFFFFFFL)
            {
                throw fail("\"rand\" values must be integers 0..4294967295");
            }
            r[i] = (Long)o;
        }
        return r;
    }

    private String string(final Map<String, Object> ev, final String key) throws TraceException
    {
        final Object v = ev.get(key);
        if (!(v instanceof String) || ((String)v).isEmpty())
        {
            throw fail("\"" + key + "\" must be a non-empty string");
        }
        return (String)v;
    }

    private long integer(final Map<String, Object> ev, final String key, final long dflt, final long min,
        final long max) throws TraceException
    {
        final Object v = ev.get(key);
        if (null == v)
        {
            return dflt;
        }
        if (!(v instanceof Long) || (Long)v < min || (Long)v > max)
        {
            throw fail("\"" + key + "\" must be an integer " + min + ".." + max);
        }
        return (Long)v;
    }

    private long[] endpoint(final Map<String, Object> ev, final String key) throws TraceException
    {
        final String v = string(ev, key);
        if (v.startsWith("["))
        {
            return endpoint6(key, v);
        }
        final int colon = v.lastIndexOf(':');
        if (colon < 0)
        {
            throw fail("\"" + key + "\" must be IPv4:port, not \"" + v + "\"");
        }
        final int a = parseIpv4(v.substring(0, colon));
        final int port;
        try
        {
            port = Integer.parseInt(v.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw fail("\"" + key + "\" has a bad port in \"" + v + "\"");
        }
        if (a == -1 && !"255.255.255.255".equals(v.substring(0, colon)) || port < 0 || port > 65535)
        {
            throw fail("\"" + key + "\" must be IPv4:port, not \"" + v + "\"");
        }
        return new long[] {a, port};
    }

    /**
     * "[IPv6]:port": the schedulers see the address folded as the kernel's hash schedulers fold it
     * ({@code ip6[0]^ip6[1]^ip6[2]^ip6[3]}, then host order).
     */
    private long[] endpoint6(final String key, final String v) throws TraceException
    {
        final int close = v.indexOf("]:");
        final String text = close < 0 ? "" : v.substring(1, close);
        final byte[] b;
        try
        {
            if (text.indexOf(':') < 0)
            {
                throw new java.net.UnknownHostException(text);
            }
            b = java.net.InetAddress.getByName(text).getAddress();
            final int port = Integer.parseInt(v.substring(close + 2));
            if (16 != b.length || port < 0 || port > 65535)
            {
                throw new NumberFormatException(v);
            }
            final java.nio.ByteBuffer w = java.nio.ByteBuffer.wrap(b);
            return new long[] {w.getInt() ^ w.getInt() ^ w.getInt() ^ w.getInt(), port};
        }
        catch (final java.net.UnknownHostException | NumberFormatException ex)
        {
            throw fail("\"" + key + "\" must be IPv4:port or [IPv6]:port, not \"" + v + "\"");
        }
    }

    /**
     * @param s dotted quad.
     * @return the address in host order, or -1 when malformed (255.255.255.255 is checked by the caller).
     */
    static int parseIpv4(final String s)
    {
        final String[] parts = s.split("\\.", -1);
        if (parts.length != 4)
        {
            return -1;
        }
        int a = 0;
        for (final String p : parts)
        {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit))
            {
                return -1;
            }
            final int b = Integer.parseInt(p);
            if (b > 255)
            {
                return -1;
            }
            a = (a << 8) | b;
        }
        return a;
    }

    private TraceException fail(final String message)
    {
        return new TraceException(lineNo, message);
    }

    /** @return the scheduler now bound. */
    public Scheduler scheduler()
    {
        return scheduler;
    }
}
