package dev.jvs.director.cli;

import dev.jvs.director.config.ConfigException;
import dev.jvs.director.config.ConfigLoader;
import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.engine.Counter;
import dev.jvs.engine.Counters;
import dev.jvs.engine.EngineConfig;
import dev.jvs.engine.Forwarder;
import dev.jvs.engine.Method;
import dev.jvs.engine.Neighbors;
import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.io.PcapReplay;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import dev.jvs.schedulers.Destinations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code jvs replay}: pcap in, pcap out, through the engine, with a summary of what happened. */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
        "Run every frame of a pcap through the director's engine and write what it would transmit.",
        "Exit status: 0 done, 1 the configuration is invalid, 2 bad arguments or unreadable files."})
public final class ReplayCommand implements Callable<Integer>
{
    @Option(names = {"-f", "--config"}, required = true, description = "keepalived.conf (virtual_server blocks)")
    private Path config;

    @Option(names = "--in", required = true, description = "input pcap (Ethernet)")
    private Path in;

    @Option(names = "--out", required = true, description = "output pcap: the frames the director sends")
    private Path out;

    @Option(names = "--method", description = "force every real server's method: nat, tun or dr")
    private String method;

    @Option(names = "--neigh", description = "file of 'IP MAC' lines (or 'ip neigh' output) for real servers")
    private Path neigh;

    @Option(names = "--director-mac", description = "the director's MAC (default: where the first frame to a VIP was sent)")
    private String directorMac;

    @Option(names = "--director-ip", description = "the director's address (outer source of IPIP)")
    private String directorIp;

    @Option(names = "--mtu", defaultValue = "1500", description = "interface MTU (default ${DEFAULT-VALUE})")
    private int mtu;

    @Option(names = "--capacity", defaultValue = "1000000", description = "connection table size")
    private int capacity;

    @Override
    public Integer call()
    {
        final PrintStream o = System.out;
        final PrintStream e = System.err;
        final KeepalivedConfig kc;
        try
        {
            kc = KeepalivedConfig.load(config);
        }
        catch (final ConfigException ex)
        {
            e.println("jvs replay: " + ex.getMessage());
            return 1;
        }
        kc.warnings.forEach(w -> e.println("jvs replay: warning: " + w));
        final EngineConfig cfg = new EngineConfig();
        cfg.mtu = mtu;
        final Neighbors neighbors = new Neighbors();
        final ServiceTable services = new ServiceTable(new SplittableRandom()::nextInt);
        final int forced;
        try
        {
            forced = null == method ? -1 : Method.parse(method);
            if (null != neigh)
            {
                readNeighbors(neigh, neighbors);
            }
            if (null != directorIp)
            {
                cfg.localIp = Ipv4.parse(directorIp);
            }
        }
        catch (final IllegalArgumentException | IOException ex)
        {
            e.println("jvs replay: " + ex.getMessage());
            return 2;
        }
        final List<VirtualService> created = ConfigLoader.apply(kc, services, neighbors, forced, 0);
        if (0 == cfg.localIp && usesTunnel(created))
        {
            e.println("jvs replay: real servers use TUN: give --director-ip (the outer source address)");
            return 2;
        }
        try
        {
            cfg.localMac = null != directorMac ? Ethernet.parseMac(directorMac) : firstVipMac(services);
        }
        catch (final IllegalArgumentException | IOException ex)
        {
            e.println("jvs replay: " + ex.getMessage());
            return 2;
        }
        final Counters counters = new Counters();
        final Forwarder fwd = new Forwarder(cfg, services,
            new ConnectionTable(capacity, new SplittableRandom().nextLong(), 0), neighbors, counters);
        final PcapReplay.Result r;
        try
        {
            r = PcapReplay.run(fwd, in, out);
        }
        catch (final IOException ex)
        {
            e.println("jvs replay: " + ex.getMessage());
            return 2;
        }
        summary(o, r, counters, services);
        return 0;
    }

    private static boolean usesTunnel(final List<VirtualService> services)
    {
        for (final VirtualService s : services)
        {
            final Destinations d = s.dests();
            for (int p = 0; p < d.count(); p++)
            {
                if (Method.TUN == s.method(d.idAt(p)))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private long firstVipMac(final ServiceTable services) throws IOException
    {
        try
        {
            final org.pcap4j.core.PcapHandle h = org.pcap4j.core.Pcaps.openOffline(in.toString());
            try
            {
                byte[] f;
                while (null != (f = h.getNextRawPacket()))
                {
                    final java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(f);
                    if (f.length >= 34 && 0x0800 == (b.getShort(12) & 0xFFFF) && services.isVip(b.getInt(30)) ||
                        f.length >= 54 && 0x86DD == (b.getShort(12) & 0xFFFF) && services.isVip6(b.getLong(38),
                            b.getLong(46)))
                    {
                        return ((long)(f[0] & 0xFF) << 40) | ((long)(f[1] & 0xFF) << 32) | ((long)(f[2] & 0xFF) << 24) |
                            ((f[3] & 0xFF) << 16) | ((f[4] & 0xFF) << 8) | (f[5] & 0xFF);
                    }
                }
            }
            finally
            {
                h.close();
            }
        }
        catch (final org.pcap4j.core.PcapNativeException | org.pcap4j.core.NotOpenException ex)
        {
            throw new IOException(in + ": " + ex.getMessage(), ex);
        }
        return 0x020000000000L;
    }

    static void readNeighbors(final Path file, final Neighbors neighbors) throws IOException
    {
        int n = 0;
        for (final String raw : Files.readAllLines(file, StandardCharsets.UTF_8))
        {
            n++;
            final String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#"))
            {
                continue;
            }
            final String[] w = line.split("\\s+");
            long mac = -1;
            for (int i = 1; i < w.length && mac < 0; i++)
            {
                if (w[i].chars().filter(c -> c == ':').count() == 5)
                {
                    mac = Ethernet.parseMac(w[i]);
                }
            }
            if (mac < 0)
            {
                throw new IOException(file + ":" + n + ": no MAC address on this line");
            }
            try
            {
                if (w[0].indexOf(':') >= 0)
                {
                    neighbors.put6(dev.jvs.engine.frame.IpAddress.parse(w[0]), mac);
                }
                else
                {
                    neighbors.put(Ipv4.parse(w[0]), mac);
                }
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IOException(file + ":" + n + ": " + ex.getMessage(), ex);
            }
        }
    }

    private static void summary(final PrintStream o, final PcapReplay.Result r, final Counters c,
        final ServiceTable services)
    {
        o.printf(Locale.ROOT, "frames in %d, out %d%n", r.framesIn(), r.framesOut());
        for (final Counter k : Counter.values())
        {
            if (c.get(k) > 0)
            {
                o.printf(Locale.ROOT, "  %-45s %d%n", (k.isDrop() ? "dropped: " : "") + k.label(), c.get(k));
            }
        }
        for (final VirtualService s : services.all())
        {
            o.printf(Locale.ROOT, "%s %s (%s)%n", 0 != s.fwmark() ? "FWM" : 6 == s.protocol() ? "TCP" : "UDP",
                0 != s.fwmark() ? String.valueOf(s.fwmark()) : s.address().withPort(s.vport()),
                s.schedulerName());
            final Destinations d = s.dests();
            for (int p = d.count() - 1; p >= 0; p--)
            {
                final int id = d.idAt(p);
                o.printf(Locale.ROOT, "  -> %-21s %-3s weight %-5d conns %-6d packets in %-8d out %d%n",
                    s.realServer(id).withPort(d.port(id)), Method.name(s.method(id)), d.weight(id),
                    s.destConns(id), s.destInPkts(id), s.destOutPkts(id));
            }
        }
    }
}
