package dev.jvs.director.adm;

import dev.jvs.engine.EngineConfig;
import dev.jvs.engine.Method;
import dev.jvs.engine.conn.TcpStates;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import dev.jvs.schedulers.Schedulers;

import java.util.List;

/**
 * ipvsadm's editing commands on the running table: {@code -A/-E/-D} (services, with {@code -s -p -M -b -o}),
 * {@code -C}, {@code -a/-e/-d} (real servers, with {@code -r -g|-i|-m -w -x -y}) and
 * {@code --set tcp tcpfin udp}, with ipvsadm's defaults (scheduler wlc, persistence 300 s, real servers
 * gatewaying with weight 1) and its rule that an edit states the whole service or destination: what it
 * leaves out goes back to the default. As with ipvsadm under keepalived, an edit lasts until the next
 * reload or health event of that server brings back what the configuration says.
 */
final class IpvsadmEdit
{
    /** The commands this class takes. */
    static final java.util.Set<String> COMMANDS = java.util.Set.of("-A", "--add-service", "-E", "--edit-service",
        "-D", "--delete-service", "-C", "--clear", "-a", "--add-server", "-e", "--edit-server", "-d",
        "--delete-server", "--set");

    private String cmd;
    private int protocol;
    private IpAddress vaddr;
    private boolean fwmark6;
    private int vport;
    private int fwmark;
    private String scheduler = "wlc";
    private int flags;
    private int persistenceS;
    private int netmask = -1;
    private boolean netmaskSet;
    private boolean service;
    private boolean ops;
    private IpAddress raddr;
    private int rport = -1;
    private int method = Method.DR;
    private int weight = 1;
    private int upper;
    private int lower;
    private final int[] timeouts = new int[3];

    private IpvsadmEdit()
    {
    }

    /**
     * Parse one ipvsadm command line.
     *
     * @param args the arguments.
     * @return the command.
     * @throws IllegalArgumentException with ipvsadm's kind of message.
     */
    static IpvsadmEdit parse(final List<String> args)
    {
        final IpvsadmEdit e = new IpvsadmEdit();
        for (int i = 0; i < args.size(); i++)
        {
            i = e.option(args, i);
        }
        if (null == e.cmd)
        {
            throw new IllegalArgumentException("no command specified");
        }
        if (!e.service && !"-C".equals(e.cmd) && !"--set".equals(e.cmd))
        {
            throw new IllegalArgumentException("service address not specified (-t, -u or -f)");
        }
        if (List.of("-a", "-e", "-d").contains(e.cmd) && null == e.raddr)
        {
            throw new IllegalArgumentException("real server address not specified (-r)");
        }
        if (e.rport < 0)
        {
            e.rport = e.vport;
        }
        if (!e.netmaskSet && e.ipv6())
        {
            e.netmask = 128;
        }
        if (null != e.raddr && e.raddr.v6() != e.ipv6() && Method.TUN != e.method)
        {
            // The kernel's ip_vs_add_dest: only a tunnel may lead to a real server of the other family.
            throw new IllegalArgumentException("Invalid argument: the real server's address family is not the " +
                "service's");
        }
        return e;
    }

    /** One option at {@code i}; returns the index of the last argument it took. */
    private int option(final List<String> args, final int at)
    {
        int i = at;
        final String a = args.get(i);
        switch (a)
        {
            case "-A", "--add-service", "-E", "--edit-service", "-D", "--delete-service", "-C", "--clear", "-a",
                "--add-server", "-e", "--edit-server", "-d", "--delete-server" ->
            {
                if (null != cmd)
                {
                    throw new IllegalArgumentException("multiple commands specified: " + cmd + " and " + a);
                }
                cmd = a.startsWith("--") ? shortOf(a) : a;
            }
            case "--set" ->
            {
                cmd = "--set";
                for (int k = 0; k < 3; k++)
                {
                    timeouts[k] = (int)number(value(args, i++, a), 0, Integer.MAX_VALUE / 1000, "timeout");
                }
            }
            case "-t", "--tcp-service", "-u", "--udp-service" ->
            {
                protocol = a.startsWith("-t") || a.startsWith("--t") ? Ipv4.PROTO_TCP : Ipv4.PROTO_UDP;
                final String v = value(args, i++, a);
                vaddr = address(v);
                vport = port(v, 0);
                service = true;
            }
            case "-f", "--fwmark-service" ->
            {
                fwmark = (int)number(value(args, i++, a), 1, 0xFFFFFFFFL, "fwmark");
                service = true;
            }
            case "-s", "--scheduler" ->
            {
                scheduler = value(args, i++, a);
                if (!Schedulers.NAMES.contains(scheduler))
                {
                    throw new IllegalArgumentException("Scheduler not found: ip_vs_" + scheduler + ".ko");
                }
            }
            case "-p", "--persistent" ->
            {
                persistenceS = 300;
                if (i + 1 < args.size() && args.get(i + 1).matches("\\d+"))
                {
                    persistenceS = (int)number(args.get(++i), 1, 2678400, "persistent timeout");
                }
            }
            case "-M", "--netmask" ->
            {
                netmask = netmask(value(args, i++, a), null != vaddr && vaddr.v6() || fwmark6);
                netmaskSet = true;
            }
            case "-6", "--ipv6" ->
            {
                if (0 == fwmark)
                {
                    throw new IllegalArgumentException("-6 used before -f");
                }
                fwmark6 = true;
            }
            case "-b", "--sched-flags" -> flags = Schedulers.parseFlags(value(args, i++, a));
            case "-o", "--ops" -> ops = true;
            case "-r", "--real-server" ->
            {
                final String v = value(args, i++, a);
                raddr = address(v);
                rport = port(v, -1);
            }
            case "-g", "--gatewaying" -> method = Method.DR;
            case "-i", "--ipip" -> method = Method.TUN;
            case "-m", "--masquerading" -> method = Method.NAT;
            case "-w", "--weight" -> weight = (int)number(value(args, i++, a), 0, 65535, "weight");
            case "-x", "--u-threshold" -> upper = (int)number(value(args, i++, a), 0, Integer.MAX_VALUE,
                "upper threshold");
            case "-y", "--l-threshold" -> lower = (int)number(value(args, i++, a), 0, Integer.MAX_VALUE,
                "lower threshold");
            case "-n", "--numeric" ->
            {
                // ipvsadm-save -n writes it; addresses are numbers here anyway.
            }
            default -> throw new IllegalArgumentException("invalid option " + a);
        }
        return i;
    }

    private boolean ipv6()
    {
        return 0 != fwmark ? fwmark6 : null != vaddr && vaddr.v6();
    }

    private static String shortOf(final String longName)
    {
        return switch (longName)
        {
            case "--add-service" -> "-A";
            case "--edit-service" -> "-E";
            case "--delete-service" -> "-D";
            case "--clear" -> "-C";
            case "--add-server" -> "-a";
            case "--edit-server" -> "-e";
            default -> "-d";
        };
    }

    /**
     * Apply to the running table (on the forwarding thread).
     *
     * @param services the table.
     * @param cfg the engine configuration (timeouts).
     * @param nowMs the time.
     * @throws IllegalArgumentException as ipvsadm reports the kernel's refusals.
     */
    void apply(final ServiceTable services, final EngineConfig cfg, final long nowMs)
    {
        if ("--set".equals(cmd))
        {
            cfg.setTimeouts(timeouts[0], timeouts[1], timeouts[2]);
            return;
        }
        if ("-C".equals(cmd))
        {
            for (final VirtualService s : List.copyOf(services.all()))
            {
                services.remove(s);
            }
            return;
        }
        final VirtualService s = 0 != fwmark ? services.getFwmark(fwmark, fwmark6) :
            services.get(protocol, vaddr, vport);
        switch (cmd)
        {
            case "-A" ->
            {
                if (null != s)
                {
                    throw new IllegalArgumentException("Service already exists");
                }
                final VirtualService n = 0 != fwmark ? services.addFwmark(fwmark, fwmark6, scheduler, flags, nowMs) :
                    services.add(protocol, vaddr, vport, scheduler, flags, nowMs);
                n.persistence(persistenceS * 1000, netmask);
                n.onePacket(ops);
            }
            case "-E" ->
            {
                if (null == s)
                {
                    throw new IllegalArgumentException("No such service");
                }
                if (!scheduler.equals(s.schedulerName()) || flags != s.schedulerFlags())
                {
                    s.scheduler(scheduler, flags, nowMs);
                }
                s.persistence(persistenceS * 1000, netmask);
                s.onePacket(ops);
            }
            case "-D" ->
            {
                if (null == s)
                {
                    throw new IllegalArgumentException("No such service");
                }
                services.remove(s);
            }
            default -> server(s);
        }
    }

    private void server(final VirtualService s)
    {
        if (null == s)
        {
            throw new IllegalArgumentException("Service not defined");
        }
        final int id = s.findRealServer(raddr, rport);
        switch (cmd)
        {
            case "-a" ->
            {
                if (id >= 0)
                {
                    throw new IllegalArgumentException("Destination already exists");
                }
                s.addRealServer(raddr, rport, method, weight, upper, lower);
            }
            case "-e" ->
            {
                if (id < 0)
                {
                    throw new IllegalArgumentException("No such destination");
                }
                s.editRealServer(id, method, weight, upper, lower);
            }
            default ->
            {
                if (id < 0)
                {
                    throw new IllegalArgumentException("No such destination");
                }
                s.removeRealServer(id);
            }
        }
    }

    private static String value(final List<String> args, final int i, final String option)
    {
        if (i + 1 >= args.size())
        {
            throw new IllegalArgumentException("option " + option + " requires an argument");
        }
        return args.get(i + 1);
    }

    private static long number(final String s, final long min, final long max, final String what)
    {
        try
        {
            final long v = Long.parseLong(s);
            if (v < min || v > max)
            {
                throw new IllegalArgumentException("illegal " + what + " specified: " + s);
            }
            return v;
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("illegal " + what + " specified: " + s);
        }
    }

    /** ipvsadm's parse_service: [IPv6]:PORT, IPv6 without a port, or IPv4[:PORT]; numeric only here. */
    private static IpAddress address(final String s)
    {
        final String text = s.startsWith("[") ? s.substring(1, Math.max(1, s.indexOf(']'))) :
            IpAddress.isIpv6Text(s) ? s : s.substring(0, s.lastIndexOf(':') < 0 ? s.length() : s.lastIndexOf(':'));
        try
        {
            return IpAddress.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("illegal address: " + s + " (jvs adm takes numeric addresses)");
        }
    }

    /** @return ADDRESS:PORT as the listings write it, or the text as it is if it is not one. */
    static String canonical(final String s)
    {
        try
        {
            return address(s).withPort(port(s, 0));
        }
        catch (final IllegalArgumentException ex)
        {
            return s;
        }
    }

    /** The port of ADDRESS:PORT or [IPv6]:PORT, or {@code none}. */
    private static int port(final String s, final int none)
    {
        if (s.startsWith("["))
        {
            final int close = s.indexOf("]:");
            if (close < 0)
            {
                throw new IllegalArgumentException("illegal address: " + s + " ([IPv6]:PORT)");
            }
            return (int)number(s.substring(close + 2), 0, 65535, "port");
        }
        final int colon = s.lastIndexOf(':');
        return colon < 0 || IpAddress.isIpv6Text(s) ? none : (int)number(s.substring(colon + 1), 0, 65535, "port");
    }

    /** -M: a netmask for IPv4, a prefix length 1..128 for IPv6 (ipvsadm reads it by the family given before). */
    private static int netmask(final String s, final boolean v6)
    {
        if (v6)
        {
            return (int)number(s, 1, 128, "ipv6 netmask");
        }
        return IpAddress.parse(s).v4();
    }

    /**
     * {@code ipvsadm -L --timeout}.
     *
     * @param cfg the engine configuration.
     * @return the line.
     */
    static String timeouts(final EngineConfig cfg)
    {
        return "Timeout (tcp tcpfin udp): " + cfg.tcpTimeoutsMs[TcpStates.ESTABLISHED] / 1000 + " " +
            cfg.tcpTimeoutsMs[TcpStates.FIN_WAIT] / 1000 + " " + cfg.udpTimeoutMs / 1000 + "\n";
    }
}
