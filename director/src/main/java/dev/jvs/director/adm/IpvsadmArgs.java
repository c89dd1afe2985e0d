package dev.jvs.director.adm;

import dev.jvs.engine.frame.IpAddress;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ipvsadm's command line as ipvsadm 1.31 parses it (popt, parse_options, generic_opt_check), on the client side:
 * grouped short flags ({@code -Ln}), {@code --long=value} and {@code -tVALUE}, the first option a command, each
 * option once, arguments checked with ipvsadm's words and its status 2, the commands-versus-options table. What
 * passes goes to the daemon as one canonical token per flag; what the daemon refuses (as the kernel would) is
 * ipvsadm's status 255.
 */
public final class IpvsadmArgs
{
    /** A refusal: ipvsadm's message and exit status. */
    public static final class Refused extends Exception
    {
        private static final long serialVersionUID = 1L;
        private final int status;

        Refused(final int status, final String message)
        {
            super(message);
            this.status = status;
        }

        /** @return the exit status (2: a bad argument; 255: "Try ... -h"). */
        public int status()
        {
            return status;
        }
    }

    private static final String[] COMMANDS = {"add-service", "edit-service", "delete-service", "flush", "list",
        "add-server", "delete-server", "edit-server", "set", "start-daemon", "stop-daemon", "restore", "save", "zero"};
    private static final String[] OPTIONS = {"numeric", "connection", "service-address", "scheduler", "persistent",
        "netmask", "real-server", "forwarding-method", "weight", "u-threshold", "l-threshold", "mcast-interface",
        "timeout", "daemon", "stats", "rate", "thresholds", "persistent-conn", "nosort", "syncid", "exact", "ops", "pe",
        "sched-flags"};
    /** ipvsadm's commands_v_options: '+' compulsory, 'x' illegal, '1' exclusive, ' ' optional. */
    private static final String[] TABLE = {
        "xx+   xxxxxxxxxxxxxxx   ", // ADD
        "xx+   xxxxxxxxxxxxxxx   ", // EDIT
        "xx+xxxxxxxxxxxxxxxxxxxxx", // DEL
        "xxxxxxxxxxxxxxxxxxxxxxxx", // FLUSH
        " 11xxxxxxxxx11       xxx", // LIST
        "xx+xxx+    xxxxxxxxxxxxx", // ADDSRV
        "xx+xxx+xxxxxxxxxxxxxxxxx", // DELSRV
        "xx+xxx+    xxxxxxxxxxxxx", // EDITSRV
        "xxxxxxxxxxxxxxxxxxxxxxxx", // TIMEOUT
        "xxxxxxxxxxx xxxxxxx xxxx", // STARTD
        "xxxxxxxxxxxxxxxxxxx xxxx", // STOPD
        "xxxxxxxxxxxxxxxxxxxxxxxx", // RESTORE
        " xxxxxxxxxxxxxxxxxxxxxxx", // SAVE
        "xx xxxxxxxxxxxxxxxxxxxxx"}; // ZERO
    private static final int OPT_CONNECTION = 1 << 1;
    private static final int OPT_TIMEOUT = 1 << 12;
    private static final int OPT_DAEMON = 1 << 13;
    private static final int OPT_STATS = 1 << 14;
    private static final int OPT_RATE = 1 << 15;
    private static final int OPT_THRESHOLDS = 1 << 16;
    private static final int OPT_PERSISTENTCONN = 1 << 17;
    private static final int OPT_PERSISTENT = 1 << 4;
    private static final int OPT_ONEPACKET = 1 << 21;

    /** Long name to short letter (or the long name for those without one), and whether it takes an argument. */
    private static final Map<String, String> LONG = Map.ofEntries(
        Map.entry("add-service", "A"), Map.entry("edit-service", "E"), Map.entry("delete-service", "D"),
        Map.entry("clear", "C"), Map.entry("list", "L"), Map.entry("zero", "Z"), Map.entry("add-server", "a"),
        Map.entry("edit-server", "e"), Map.entry("delete-server", "d"), Map.entry("set", "set"),
        Map.entry("help", "h"), Map.entry("version", "v"), Map.entry("restore", "R"), Map.entry("save", "S"),
        Map.entry("start-daemon", "start-daemon"), Map.entry("stop-daemon", "stop-daemon"),
        Map.entry("tcp-service", "t"), Map.entry("udp-service", "u"), Map.entry("fwmark-service", "f"),
        Map.entry("scheduler", "s"), Map.entry("persistent", "p"), Map.entry("netmask", "M"),
        Map.entry("real-server", "r"), Map.entry("masquerading", "m"), Map.entry("ipip", "i"),
        Map.entry("gatewaying", "g"), Map.entry("weight", "w"), Map.entry("u-threshold", "x"),
        Map.entry("l-threshold", "y"), Map.entry("numeric", "n"), Map.entry("connection", "c"),
        Map.entry("mcast-interface", "mcast-interface"), Map.entry("syncid", "syncid"), Map.entry("timeout", "timeout"),
        Map.entry("daemon", "daemon"), Map.entry("stats", "stats"), Map.entry("rate", "rate"),
        Map.entry("thresholds", "thresholds"), Map.entry("persistent-conn", "persistent-conn"),
        Map.entry("nosort", "nosort"), Map.entry("sort", "sort"), Map.entry("exact", "X"), Map.entry("ipv6", "6"),
        Map.entry("ops", "o"), Map.entry("pe", "pe"), Map.entry("sched-flags", "b"));
    private static final String WITH_ARGUMENT = "tufsMrwxyb";
    /** Every short option ipvsadm's popt table has. */
    private static final String SHORT = "AEDCLlZaedhvRStufspMrmigwxyncX6ob";
    private static final List<String> LONG_WITH_ARGUMENT = List.of("start-daemon", "stop-daemon", "mcast-interface",
        "syncid", "pe");

    private int command = -1;
    private int options;
    /** The service named is IPv6 (-t/-u [v6] or -f N -6): -M then takes a prefix length. */
    private boolean ipv6;
    private boolean help;
    private boolean version;
    private final List<String> out = new ArrayList<>();

    private IpvsadmArgs()
    {
    }

    /**
     * @param args what follows {@code jvs adm}.
     * @return the canonical tokens for the daemon; empty for {@code -h} and {@code -v} (see {@link #help}).
     * @throws Refused with ipvsadm's message and status.
     */
    public static IpvsadmArgs parse(final List<String> args) throws Refused
    {
        final IpvsadmArgs p = new IpvsadmArgs();
        p.read(split(args));
        return p;
    }

    /** @return the tokens to send, one per flag, each argument after its flag. */
    public List<String> tokens()
    {
        return List.copyOf(out);
    }

    /** @return true for -h/--help. */
    public boolean help()
    {
        return help;
    }

    /** @return true for -v/--version. */
    public boolean version()
    {
        return version;
    }

    /** popt's tokens: {@code -Ln} as -L -n, {@code -tX} and {@code --tcp-service=X} as the flag and X. */
    private static List<String[]> split(final List<String> args) throws Refused
    {
        final List<String[]> flags = new ArrayList<>();
        for (int i = 0; i < args.size(); i++)
        {
            final String a = args.get(i);
            if (a.startsWith("--") && a.length() > 2)
            {
                final int eq = a.indexOf('=');
                final String name = a.substring(2, eq < 0 ? a.length() : eq);
                final String key = LONG.get(name);
                if (null == key)
                {
                    throw new Refused(2, a + ": unknown option");
                }
                String value = eq < 0 ? null : a.substring(eq + 1);
                if (null == value && takesArgument(key) && i + 1 < args.size())
                {
                    value = args.get(++i);
                }
                else if (null == value && "p".equals(key) && i + 1 < args.size() && !args.get(i + 1).startsWith("-"))
                {
                    value = args.get(++i);
                }
                flags.add(new String[] {key, value});
            }
            else if (a.startsWith("-") && a.length() > 1)
            {
                for (int c = 1; c < a.length(); c++)
                {
                    final String key = String.valueOf(a.charAt(c));
                    if (SHORT.indexOf(key.charAt(0)) < 0)
                    {
                        throw new Refused(2, "-" + key + ": unknown option");
                    }
                    String value = null;
                    if (takesArgument(key) || "p".equals(key))
                    {
                        if (c + 1 < a.length())
                        {
                            value = a.substring(c + 1);
                        }
                        else if (i + 1 < args.size() && (takesArgument(key) || !args.get(i + 1).startsWith("-")))
                        {
                            value = args.get(++i);
                        }
                        flags.add(new String[] {key, value});
                        break;
                    }
                    flags.add(new String[] {key, null});
                }
            }
            else
            {
                flags.add(new String[] {null, a});
            }
        }
        return flags;
    }

    private static boolean takesArgument(final String key)
    {
        return key.length() == 1 ? WITH_ARGUMENT.contains(key) : LONG_WITH_ARGUMENT.contains(key);
    }

    private void read(final List<String[]> flags) throws Refused
    {
        if (flags.isEmpty())
        {
            out.add("-L");
            return;
        }
        final String[] first = flags.get(0);
        if (null == first[0] || !command(first))
        {
            throw new Refused(255, "Try `jvs adm -h' or 'jvs adm --help' for more information.");
        }
        if (help || version)
        {
            return;
        }
        final List<String> positional = new ArrayList<>();
        for (final String[] f : flags.subList(1, flags.size()))
        {
            if (null == f[0])
            {
                positional.add(f[1]);
            }
            else if (isCommand(f[0]))
            {
                throw new Refused(2, "multiple commands specified");
            }
            else
            {
                option(f[0], f[1]);
            }
        }
        if (8 == command)
        {
            if (positional.size() != 3)
            {
                throw new Refused(2, "--set option requires 3 timeout values");
            }
            out.addAll(positional);
        }
        else if (!positional.isEmpty() && 11 != command)
        {
            throw new Refused(2, "unexpected argument " + positional.get(0));
        }
        check();
    }

    private static boolean isCommand(final String key)
    {
        return "AEDCLlZaedRS".contains(key) && key.length() == 1 || "set".equals(key) || "start-daemon".equals(key) ||
            "stop-daemon".equals(key) || "h".equals(key) || "v".equals(key);
    }

    private boolean command(final String[] f) throws Refused
    {
        final String k = f[0];
        switch (k)
        {
            case "A" -> command = 0;
            case "E" -> command = 1;
            case "D" -> command = 2;
            case "C" -> command = 3;
            case "L", "l" -> command = 4;
            case "a" -> command = 5;
            case "d" -> command = 6;
            case "e" -> command = 7;
            case "set" -> command = 8;
            case "start-daemon", "stop-daemon" ->
            {
                if (!"master".equals(f[1]) && !"backup".equals(f[1]))
                {
                    throw new Refused(2, "start-daemon".equals(k) ? "illegal start-daemon parameter specified" :
                        "illegal start_daemon specified");
                }
                command = "start-daemon".equals(k) ? 9 : 10;
            }
            case "R" -> command = 11;
            case "S" -> command = 12;
            case "Z" -> command = 13;
            case "h" -> help = true;
            case "v" -> version = true;
            default ->
            {
                return false;
            }
        }
        if (command >= 0)
        {
            out.add(canonicalCommand(k));
            if (9 == command || 10 == command)
            {
                out.add(f[1]);
            }
        }
        return true;
    }

    private static String canonicalCommand(final String k)
    {
        return switch (k)
        {
            case "l" -> "-L";
            case "set", "start-daemon", "stop-daemon" -> "--" + k;
            default -> "-" + k;
        };
    }

    private void set(final int bit) throws Refused
    {
        if (0 != (options & 1 << bit))
        {
            throw new Refused(2, "multiple '" + OPTIONS[bit] + "' options specified");
        }
        options |= 1 << bit;
    }

    private void option(final String k, final String v) throws Refused
    {
        switch (k)
        {
            case "t", "u" ->
            {
                set(2);
                if (!service(v))
                {
                    throw new Refused(2, "illegal virtual server address[:port] specified");
                }
                ipv6 = v.startsWith("[") || IpAddress.isIpv6Text(v);
                out.addAll(List.of("-" + k, v));
            }
            case "f" ->
            {
                set(2);
                fwmark(v);
                out.addAll(List.of("-f", v));
            }
            case "s" -> withValue(3, "-s", v);
            case "p" ->
            {
                set(4);
                out.add("-p");
                if (null != v)
                {
                    if (number(v, 1, 86400 * 31) < 0)
                    {
                        throw new Refused(2, "invalid timeout value `" + v + "' specified");
                    }
                    out.add(v);
                }
            }
            case "M" ->
            {
                set(5);
                if (ipv6)
                {
                    if (null == v || number(v, 1, 128) < 0)
                    {
                        throw new Refused(2, "illegal ipv6 netmask specified");
                    }
                }
                else if (null == v || !v.matches("\\d{1,3}(\\.\\d{1,3}){3}"))
                {
                    throw new Refused(2, "illegal virtual server persistent mask specified");
                }
                out.addAll(List.of("-M", v));
            }
            case "r" ->
            {
                set(6);
                if (!service(v))
                {
                    throw new Refused(2, "illegal real server address[:port] specified");
                }
                out.addAll(List.of("-r", v));
            }
            case "m", "i", "g" ->
            {
                set(7);
                out.add("-" + k);
            }
            case "w" -> bounded(8, "-w", v, 0, 65535, "illegal weight specified");
            case "x" -> bounded(9, "-x", v, 0, Integer.MAX_VALUE, "illegal u_threshold specified");
            case "y" -> bounded(10, "-y", v, 0, Integer.MAX_VALUE, "illegal l_threshold specified");
            case "c" -> flag(1, "-c");
            case "n" -> flag(0, "-n");
            case "mcast-interface" -> withValue(11, "--mcast-interface", v);
            case "syncid" -> bounded(19, "--syncid", v, 0, 255, "illegal syncid specified");
            case "timeout" -> flag(12, "--timeout");
            case "daemon" -> flag(13, "--daemon");
            case "stats" -> flag(14, "--stats");
            case "rate" -> flag(15, "--rate");
            case "thresholds" -> flag(16, "--thresholds");
            case "persistent-conn" -> flag(17, "--persistent-conn");
            case "nosort" -> flag(18, "--nosort");
            case "sort" ->
            {
                // Sorted is the default: a no-op, as in ipvsadm.
            }
            case "X" -> flag(20, "--exact");
            case "6" ->
            {
                if (!out.contains("-f"))
                {
                    throw new Refused(2, "-6 used before -f");
                }
                ipv6 = true;
                out.add("-6");
            }
            case "o" -> flag(21, "-o");
            case "pe" -> withValue(22, "--pe", v);
            case "b" -> withValue(23, "-b", v);
            default -> throw new Refused(2, "invalid option `" + k + "'");
        }
    }

    private void flag(final int bit, final String token) throws Refused
    {
        set(bit);
        out.add(token);
    }

    private void withValue(final int bit, final String token, final String v) throws Refused
    {
        set(bit);
        if (null == v)
        {
            throw new Refused(2, token + ": missing argument");
        }
        out.addAll(List.of(token, v));
    }

    private void bounded(final int bit, final String token, final String v, final long min, final long max,
        final String refusal) throws Refused
    {
        set(bit);
        if (null == v || number(v, min, max) < 0)
        {
            throw new Refused(2, refusal);
        }
        out.addAll(List.of(token, v));
    }

    /** string_to_number: a whole decimal in range, else -1. */
    private static long number(final String s, final long min, final long max)
    {
        if (!s.matches("-?\\d{1,12}"))
        {
            return -1;
        }
        final long n = Long.parseLong(s);
        return n >= min && n <= max ? n : -1;
    }

    private static void fwmark(final String v) throws Refused
    {
        if (null == v || number(v, 1, 0xFFFFFFFFL) < 0)
        {
            throw new Refused(2, "invalid fwmark value `" + v + "' specified");
        }
    }

    /** parse_service for numeric addresses: [IPv6]:PORT, IPv6, or IPv4[:PORT]. */
    private static boolean service(final String v)
    {
        if (null == v)
        {
            return false;
        }
        if (v.startsWith("[") || IpAddress.isIpv6Text(v))
        {
            final int close = v.indexOf("]:");
            final String addr = v.startsWith("[") ? (close < 0 ? "" : v.substring(1, close)) : v;
            try
            {
                IpAddress.parse(addr);
            }
            catch (final IllegalArgumentException ex)
            {
                return false;
            }
            return !v.startsWith("[") || number(v.substring(close + 2), 0, 65535) >= 0;
        }
        final String[] p = v.split(":", -1);
        if (p.length > 2 || !p[0].matches("\\d{1,3}(\\.\\d{1,3}){3}"))
        {
            return false;
        }
        for (final String octet : p[0].split("\\."))
        {
            if (Integer.parseInt(octet) > 255)
            {
                return false;
            }
        }
        return p.length == 1 || number(p[1], 0, 65535) >= 0;
    }

    /** generic_opt_check, then the list command's conflicts and add/edit's port rule, in ipvsadm's order. */
    private void check() throws Refused
    {
        final String row = TABLE[command];
        int last = -1;
        for (int j = 0; j < OPTIONS.length; j++)
        {
            final char rule = row.charAt(j);
            if (0 == (options & 1 << j))
            {
                if ('+' == rule)
                {
                    throw new Refused(2, "You need to supply the '" + OPTIONS[j] + "' option for the '" +
                        COMMANDS[command] + "' command");
                }
            }
            else if ('x' == rule)
            {
                throw new Refused(2, "Illegal '" + OPTIONS[j] + "' option with the '" + COMMANDS[command] +
                    "' command");
            }
            else if ('1' == rule)
            {
                if (last >= 0)
                {
                    throw new Refused(2, "The option '" + OPTIONS[j] + "' conflicts with the '" + OPTIONS[last] +
                        "' option in the '" + COMMANDS[command] + "' command");
                }
                last = j;
            }
        }
        if (4 == command && (0 != (options & (OPT_CONNECTION | OPT_TIMEOUT | OPT_DAEMON)) &&
            0 != (options & (OPT_STATS | OPT_RATE | OPT_THRESHOLDS)) || 0 != (options & (OPT_TIMEOUT | OPT_DAEMON)) &&
            0 != (options & OPT_PERSISTENTCONN)))
        {
            throw new Refused(2, "options conflicts in the list command");
        }
        if ((0 == command || 1 == command) && 0 == (options & OPT_PERSISTENT) && zeroPort())
        {
            throw new Refused(2, "Zero port specified for non-persistent service");
        }
        if ((0 == command || 1 == command) && 0 != (options & OPT_ONEPACKET) && out.contains("-t"))
        {
            throw new Refused(2, "One-Packet Scheduling is only for UDP virtual services");
        }
    }

    private boolean zeroPort()
    {
        for (int i = 0; i + 1 < out.size(); i++)
        {
            if ("-t".equals(out.get(i)) || "-u".equals(out.get(i)))
            {
                final String v = out.get(i + 1);
                return !v.contains(":") || v.endsWith(":0");
            }
        }
        return false;
    }
}
