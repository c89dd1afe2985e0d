package dev.jvs.director.adm;

import dev.jvs.engine.EngineConfig;
import dev.jvs.engine.Method;
import dev.jvs.engine.conn.TcpStates;
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
    private int vaddr;
    private int vport;
    private int fwmark;
    private String scheduler = "wlc";
    private int flags;
    private int persistenceS;
    private int netmask = -1;
    private boolean ops;
    private int raddr;
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
        boolean service = false;
        for (int i = 0; i < args.size(); i++)
        {
            final String a = args.get(i);
            switch (a)
            {
                case "-A", "--add-service", "-E", "--edit-service", "-D", "--delete-service", "-C", "--clear", "-a",
                    "--add-server", "-e", "--edit-server", "-d", "--delete-server" ->
                {
                    if (null != e.cmd)
                    {
                        throw new IllegalArgumentException("multiple commands specified: " + e.cmd + " and " + a);
                    }
                    e.cmd = a.startsWith("--") ? shortOf(a) : a;
                }
                case "--set" ->
                {
                    e.cmd = "--set";
                    for (int k = 0; k < 3; k++)
                    {
                        e.timeouts[k] = (int)number(value(args, i++, a), 0, Integer.MAX_VALUE / 1000, "timeout");
                    }
                }
                case "-t", "--tcp-service", "-u", "--udp-service" ->
                {
                    e.protocol = a.startsWith("-t") || a.startsWith("--t") ? Ipv4.PROTO_TCP : Ipv4.PROTO_UDP;
                    final String v = value(args, i++, a);
                    final int colon = v.lastIndexOf(':');
                    e.vaddr = address(colon < 0 ? v : v.substring(0, colon));
                    e.vport = colon < 0 ? 0 : (int)number(v.substring(colon + 1), 0, 65535, "port");
                    service = true;
                }
                case "-f", "--fwmark-service" ->
                {
                    e.fwmark = (int)number(value(args, i++, a), 1, 0xFFFFFFFFL, "fwmark");
                    service = true;
                }
                case "-s", "--scheduler" ->
                {
                    e.scheduler = value(args, i++, a);
                    if (!Schedulers.NAMES.contains(e.scheduler))
                    {
                        throw new IllegalArgumentException("Scheduler not found: ip_vs_" + e.scheduler + ".ko");
                    }
                }
                case "-p", "--persistent" ->
                {
                    e.persistenceS = 300;
                    if (i + 1 < args.size() && args.get(i + 1).matches("\\d+"))
                    {
                        e.persistenceS = (int)number(args.get(++i), 1, 2678400, "persistent timeout");
                    }
                }
                case "-M", "--netmask" -> e.netmask = address(value(args, i++, a));
                case "-b", "--sched-flags" -> e.flags = Schedulers.parseFlags(value(args, i++, a));
                case "-o", "--ops" -> e.ops = true;
                case "-r", "--real-server" ->
                {
                    final String v = value(args, i++, a);
                    final int colon = v.lastIndexOf(':');
                    e.raddr = address(colon < 0 ? v : v.substring(0, colon));
                    e.rport = colon < 0 ? -1 : (int)number(v.substring(colon + 1), 0, 65535, "port");
                }
                case "-g", "--gatewaying" -> e.method = Method.DR;
                case "-i", "--ipip" -> e.method = Method.TUN;
                case "-m", "--masquerading" -> e.method = Method.NAT;
                case "-w", "--weight" -> e.weight = (int)number(value(args, i++, a), 0, 65535, "weight");
                case "-x", "--u-threshold" -> e.upper = (int)number(value(args, i++, a), 0, Integer.MAX_VALUE,
                    "upper threshold");
                case "-y", "--l-threshold" -> e.lower = (int)number(value(args, i++, a), 0, Integer.MAX_VALUE,
                    "lower threshold");
                case "-n", "--numeric" ->
                {
                    // ipvsadm-save -n writes it; addresses are numbers here anyway.
                }
                default -> throw new IllegalArgumentException("invalid option " + a);
            }
        }
        if (null == e.cmd)
        {
            throw new IllegalArgumentException("no command specified");
        }
        if (!service && !"-C".equals(e.cmd) && !"--set".equals(e.cmd))
        {
            throw new IllegalArgumentException("service address not specified (-t, -u or -f)");
        }
        if (List.of("-a", "-e", "-d").contains(e.cmd) && 0 == e.raddr)
        {
            throw new IllegalArgumentException("real server address not specified (-r)");
        }
        if (e.rport < 0)
        {
            e.rport = e.vport;
        }
        return e;
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
        final VirtualService s = 0 != fwmark ? services.getFwmark(fwmark) : services.get(protocol, vaddr, vport);
        switch (cmd)
        {
            case "-A" ->
            {
                if (null != s)
                {
                    throw new IllegalArgumentException("Service already exists");
                }
                final VirtualService n = 0 != fwmark ? services.addFwmark(fwmark, scheduler, flags, nowMs) :
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

    private static int address(final String s)
    {
        try
        {
            return Ipv4.parse(s);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("illegal address: " + s + " (jvs adm takes numeric IPv4 addresses)");
        }
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
