package dev.jvs.director.cli;

import dev.jvs.director.daemon.Commands;
import dev.jvs.director.daemon.RunDir;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.os.LibC;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code jvs realserver dr|tun start|stop --vip VIP...}: what the LVS guide's rs.sh does on a real server, so
 * that it accepts the director's DR or TUN traffic for the VIPs and never answers ARP for them: the VIPs as /32
 * addresses on lo (tunl0 for TUN with the ipip module), arp_ignore=1 and arp_announce=2 on all and that device,
 * and for TUN reverse path filtering off (the client's address arrives on the tunnel device). {@code start}
 * records what it found (in this network namespace's run directory) and is idempotent; {@code stop} puts back
 * exactly that. TUN on a kernel without ipip: {@code start --userspace} decapsulates in user space as
 * {@code jvs rs-tun} does, in the foreground, and restores what it found when stopped.
 */
@Command(
    name = "realserver",
    mixinStandardHelpOptions = true,
    description = {
        "Prepare a real server for DR or TUN (the LVS guide's rs.sh): VIPs on lo, arp_ignore/arp_announce, rp_filter.",
        "stop restores what start found. Exit status: 0 done, 1 refused (not root, bad VIP, no ipip for tun)."})
public final class RealServerCommand implements Callable<Integer>
{
    private static final String STATE = "realserver.state";

    @Parameters(index = "0", description = "dr or tun")
    private String method;

    @Parameters(index = "1", description = "start or stop")
    private String action;

    @Option(names = "--vip", split = ",", description = "virtual addresses served here (start; repeatable)")
    private List<String> vips = new ArrayList<>();

    @Option(names = "--userspace", description = "tun without the ipip module: decapsulate in user space, in the " +
        "foreground, until SIGTERM")
    private boolean userspace;

    @Option(names = "--state", hidden = true, description = "the state file (tests)")
    private Path state;

    @Override
    public Integer call()
    {
        final String refused = refusal();
        if (null != refused)
        {
            System.err.println("jvs realserver: " + refused);
            return 1;
        }
        final Path file = null != state ? state : RunDir.here().resolve(STATE);
        try
        {
            if ("stop".equals(action))
            {
                System.out.println("realserver: " + stop(file));
                return 0;
            }
            final boolean ipip = "tun".equals(method) && !userspace && ipipDevice();
            if ("tun".equals(method) && !userspace && !ipip)
            {
                System.err.println("jvs realserver: no tunl0 (the ipip module is not loaded and cannot be): " +
                    "use --userspace to decapsulate in user space");
                return 1;
            }
            final String dev = ipip ? "tunl0" : "lo";
            System.out.println("realserver: " + start(file, dev));
            if (userspace)
            {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> quietStop(file), "jvs-realserver-stop"));
                return new CommandLine(new RsTunCommand()).execute("--vip", String.join(",", vips));
            }
            return 0;
        }
        catch (final IOException ex)
        {
            System.err.println("jvs realserver: " + ex.getMessage());
            return 1;
        }
    }

    private String refusal()
    {
        if (!"dr".equals(method) && !"tun".equals(method))
        {
            return "the method is dr or tun, not " + method;
        }
        if (!"start".equals(action) && !"stop".equals(action))
        {
            return "the action is start or stop, not " + action;
        }
        if ("start".equals(action) && vips.isEmpty())
        {
            return "start needs --vip";
        }
        if (userspace && !"tun".equals(method))
        {
            return "--userspace is for tun";
        }
        for (final String v : vips)
        {
            try
            {
                IpAddress.parse(v);
            }
            catch (final IllegalArgumentException ex)
            {
                return "not an IP address: " + v;
            }
        }
        return 0 != LibC.geteuid() ? "must run as root" : null;
    }

    /** The sysctls each method sets, in the order rs.sh sets them. */
    private Map<String, String> sysctls(final String dev)
    {
        final Map<String, String> s = new LinkedHashMap<>();
        s.put("net.ipv4.conf.all.arp_ignore", "1");
        s.put("net.ipv4.conf.all.arp_announce", "2");
        s.put("net.ipv4.conf." + dev + ".arp_ignore", "1");
        s.put("net.ipv4.conf." + dev + ".arp_announce", "2");
        if ("tun".equals(method))
        {
            s.put("net.ipv4.conf.all.rp_filter", "0");
            s.put("net.ipv4.conf." + dev + ".rp_filter", "0");
        }
        return s;
    }

    private String start(final Path file, final String dev) throws IOException
    {
        final List<String> lines = Files.exists(file) ? new ArrayList<>(Files.readAllLines(file)) : new ArrayList<>();
        final List<String> did = new ArrayList<>();
        if ("tunl0".equals(dev))
        {
            sh("ip", "link", "set", "tunl0", "up");
        }
        for (final Map.Entry<String, String> e : sysctls(dev).entrySet())
        {
            final Path proc = Path.of("/proc/sys", e.getKey().replace('.', '/'));
            final String was = Files.readString(proc).trim();
            // The first start's value is the one to restore: a second start keeps it.
            if (lines.stream().noneMatch(l -> l.startsWith("sysctl " + e.getKey() + " ")))
            {
                lines.add("sysctl " + e.getKey() + " " + was);
            }
            if (!was.equals(e.getValue()))
            {
                Files.writeString(proc, e.getValue());
                did.add(e.getKey() + "=" + e.getValue());
            }
        }
        final String present = sh("ip", "-4", "addr", "show", "dev", dev);
        final String present6 = sh("ip", "-6", "addr", "show", "dev", "lo");
        for (final String v : vips)
        {
            // An IPv6 VIP goes on loopback for either method: Linux answers neighbour solicitations only for
            // the receiving interface's own addresses, so nothing like arp_ignore is needed.
            final IpAddress ip = IpAddress.parse(v);
            final String a = ip + (ip.v6() ? "/128" : "/32");
            final String on = ip.v6() ? "lo" : dev;
            if (!(ip.v6() ? present6 : present).contains(" " + a + " "))
            {
                sh("ip", "addr", "add", a, "dev", on);
                lines.add("addr " + a + " " + on);
                did.add(a + " on " + on);
            }
        }
        Files.createDirectories(file.getParent());
        Files.write(file, lines);
        return method + " start: " + (did.isEmpty() ? "already as asked" : String.join(", ", did)) +
            "; stop restores what was found";
    }

    private static String stop(final Path file) throws IOException
    {
        if (!Files.exists(file))
        {
            return "stop: nothing to restore";
        }
        final List<String> undone = new ArrayList<>();
        for (final String l : Files.readAllLines(file))
        {
            final String[] f = l.split(" ");
            if ("sysctl".equals(f[0]) && 3 == f.length)
            {
                final Path proc = Path.of("/proc/sys", f[1].replace('.', '/'));
                if (Files.exists(proc) && !Files.readString(proc).trim().equals(f[2]))
                {
                    Files.writeString(proc, f[2]);
                    undone.add(f[1] + "=" + f[2]);
                }
            }
            else if ("addr".equals(f[0]) && 3 == f.length)
            {
                try
                {
                    sh("ip", "addr", "del", f[1], "dev", f[2]);
                    undone.add(f[1] + " off " + f[2]);
                }
                catch (final IOException gone)
                {
                    // removed by hand already
                }
            }
        }
        Files.delete(file);
        return "stop: " + (undone.isEmpty() ? "nothing had changed" : String.join(", ", undone));
    }

    private static void quietStop(final Path file)
    {
        try
        {
            System.out.println("realserver: " + stop(file));
        }
        catch (final IOException ex)
        {
            System.err.println("jvs realserver: " + ex.getMessage());
        }
    }

    /** tunl0, the ipip module's fallback device: there, or made by loading the module. */
    private static boolean ipipDevice()
    {
        if (Files.exists(Path.of("/sys/class/net/tunl0")))
        {
            return true;
        }
        try
        {
            sh("modprobe", "ipip");
        }
        catch (final IOException ex)
        {
            return false;
        }
        return Files.exists(Path.of("/sys/class/net/tunl0"));
    }

    private static String sh(final String... cmd) throws IOException
    {
        return Commands.run(List.of(cmd));
    }
}
