package dev.jvs.director.daemon;

import dev.jvs.director.adm.ControlPlane;
import dev.jvs.director.check.HealthChecker;
import dev.jvs.director.config.ConfigException;
import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.director.ha.VrrpAgent;
import dev.jvs.director.notify.Mailer;
import dev.jvs.engine.Counter;
import dev.jvs.engine.agent.Latency;
import dev.jvs.engine.agent.Pipeline;
import dev.jvs.engine.agent.Worker;
import dev.jvs.engine.agent.Workers;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.io.PacketIoException;
import dev.jvs.engine.io.Transmitter;
import dev.jvs.engine.os.LibC;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import dev.jvs.vrrp.InstanceConfig;
import dev.jvs.vrrp.VrrpInstance;
import org.agrona.concurrent.AgentRunner;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * {@code jvs run}'s life: build the director from its settings and configuration, set the kernel up, start
 * the workers and the conductor, wait for SIGTERM or SIGINT, and take it all down again, leaving the kernel
 * as it was. Refusals (bad settings, not root, no interface, bad configuration) are one sentence on stderr and
 * status 1; nothing is left behind.
 */
public final class Daemon
{
    private static final long WARM_UP_MS = 500;
    private static final int VRRP_TX_SLOTS = 64;

    private final Settings settings;
    private List<Port> ports;
    private final List<KernelSetup> kernel = new java.util.ArrayList<>();
    private KernelVips kernelVips;
    private Workers workers;
    private Pipeline pipeline;
    private final List<Transmitter> controlTx = new java.util.ArrayList<>();
    private dev.jvs.engine.Routes routes;
    private RunDir runDir;
    private PidFile pidFile;
    private Announcer announcer;
    private final SdNotify notify = SdNotify.fromEnvironment();
    private final StartClock clock = new StartClock();
    private Conductor conductor;
    private ControlPlane controlPlane;

    /**
     * @param settings what to run.
     */
    public Daemon(final Settings settings)
    {
        this.settings = settings;
    }

    /**
     * Run until SIGTERM or SIGINT.
     *
     * @return the exit status: 0 after a signal, 1 when it cannot start.
     */
    public int run()
    {
        final String refused = refusal();
        if (null != refused)
        {
            System.err.println("jvs run: " + refused);
            return 1;
        }
        final KeepalivedConfig kc;
        try
        {
            clock.mark("JVM and command line");
            kc = settings.loadConfig();
            clock.mark("configuration");
            settings.refuseNatWhenAnnouncing(kc);
            ports = Ports.resolve(settings.ifaces(), settings.directorIp(), kc);
            if (ports.size() > 1 && (settings.pipelined() || Settings.Io.AFPACKET != settings.io()))
            {
                throw new IllegalArgumentException("several interfaces (" + String.join(", ",
                    ports.stream().map(Port::name).toList()) + ") need --io afpacket without --pipeline");
            }
        }
        catch (final ConfigException | PacketIoException | IllegalArgumentException | SocketException ex)
        {
            System.err.println("jvs run: " + ex.getMessage());
            return 1;
        }
        kc.warnings.forEach(w -> Log.info("warning: " + w));
        final String locked = lockRunFiles();
        if (null != locked)
        {
            System.err.println("jvs run: " + locked);
            return 1;
        }
        try
        {
            assemble(kc);
        }
        catch (final PacketIoException | IllegalArgumentException ex)
        {
            System.err.println("jvs run: " + String.join(", ", ports.stream().map(Port::name).toList()) + ": " +
                ex.getMessage());
            closeRunFiles();
            return 1;
        }
        catch (final IOException ex)
        {
            System.err.println("jvs run: cannot set the kernel up: " + ex.getMessage());
            conductor.checker().close();
            conductor.mailer().close();
            closeAll();
            kernel.forEach(KernelSetup::close);
            closeRunFiles();
            return 1;
        }
        final CountDownLatch stop = new CountDownLatch(1);
        final CountDownLatch stopped = new CountDownLatch(1);
        // keepalived's signals: HUP reloads, USR1 and USR2 dump, TERM and INT stop cleanly (status 0).
        Signals.on("HUP", conductor::requestReload);
        Signals.on("USR1", () -> conductor.requestDump(false));
        Signals.on("USR2", () -> conductor.requestDump(true));
        Signals.on("TERM", stop::countDown);
        Signals.on("INT", stop::countDown);
        Signals.ignoreTheRest();
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            stop.countDown();
            awaitQuietly(stopped);
        }, "jvs-shutdown"));
        final AgentRunner runner = new AgentRunner(settings.idle().strategy(conductor::await),
            ex -> Log.info("conductor error: " + ex), null, conductor);
        try
        {
            conductor.notify(notify);
            conductor.announcer(announcer);
            conductor.begin(routes);
            AgentRunner.startOnThread(runner);
            // systemd's Type=notify: the rings are up, the configuration applied, the conductor cycling.
            notify.ready(String.format(Locale.ROOT, "forwarding on %s: %d virtual services, %d VRRP instances",
                String.join(", ", ports.stream().map(Port::name).toList()), workers.ask(0, f ->
                f.services().all().size()), conductor.vrrp().instances().size()));
            clock.mark("threads");
            Log.info(clock.describe());
            prefaultTables();
            awaitQuietly(stop);
        }
        finally
        {
            notify.send("STOPPING=1");
            runner.close();
            end();
            stopped.countDown();
        }
        return 0;
    }

    /**
     * Before anything touches an interface: a second director on one refuses, and recovery from a crashed one runs
     * only once it is gone; then the pid file.
     *
     * @return why not, or null.
     */
    private String lockRunFiles()
    {
        try
        {
            runDir = RunDir.lock(ports.stream().map(Port::name).toList());
        }
        catch (final IllegalStateException ex)
        {
            return ex.getMessage();
        }
        try
        {
            pidFile = PidFile.write(settings.flags().pidFile());
            return null;
        }
        catch (final IllegalStateException ex)
        {
            runDir.close();
            return ex.getMessage();
        }
    }

    /**
     * The connection tables' pages, faulted in after READY by a thread of their own (about 0.25 s per million
     * entries), so that neither the start nor a worker's first inserts wait for the kernel.
     */
    private void prefaultTables()
    {
        final List<dev.jvs.engine.conn.ConnectionTable> tables = new java.util.ArrayList<>();
        for (int i = 0; i < workers.count(); i++)
        {
            tables.add(workers.worker(i).forwarder().connections());
        }
        final Thread t = new Thread(() -> tables.forEach(dev.jvs.engine.conn.ConnectionTable::prefault),
            "jvs-prefault");
        t.setDaemon(true);
        t.start();
    }

    private String refusal()
    {
        final String conflict = settings.conflict();
        if (null != conflict)
        {
            return conflict;
        }
        if (null != settings.logFacility())
        {
            try
            {
                Log.toSyslog(settings.syslogSocket(), settings.logFacility());
            }
            catch (final IllegalArgumentException | IllegalStateException ex)
            {
                return ex.getMessage();
            }
        }
        return 0 != LibC.geteuid() ? "must run as root (AF_PACKET sockets need CAP_NET_RAW)" : null;
    }

    /** Make the workers, VRRP, the conductor and the kernel's part; the threads do not run yet. */
    private void assemble(final KeepalivedConfig kc) throws PacketIoException, IOException
    {
        final Mailer mailer = new Mailer(kc.globals, Log::info);
        final HealthChecker checker = new HealthChecker(kc, Map.of(), Log::info);
        final Assembly assembly = new Assembly(settings, ports);
        routes = KernelRoutes.read(ports);
        final ControlFrames[] frames = new ControlFrames[1];
        final Conductor[] made = new Conductor[1];
        frames[0] = new ControlFrames(() ->
        {
            if (null != made[0])
            {
                made[0].wake();
            }
        });
        try
        {
            workers = assembly.build(kc, checker, frames[0], routes);
            clock.mark("rings and tables");
            pipeline = assembly.pipeline();
            for (final Port p : ports)
            {
                controlTx.add(new Transmitter(p.ifindex(), VRRP_TX_SLOTS));
            }
        }
        catch (final PacketIoException | RuntimeException ex)
        {
            checker.close();
            mailer.close();
            closeAll();
            throw ex;
        }
        final List<VrrpAgent.Link> links = ports.stream().map(p -> new VrrpAgent.Link(p.index(), p.name(), p.ip(),
            p.mac(), controlTx.get(p.index()), null == p.linkLocal6() ? null : p.linkLocal6().bytes(),
            p.forwardsIpv6())).toList();
        final VrrpAgent vrrp = new VrrpAgent(kc.vrrp, links, workers, assembly.neighbors(), Log::info);
        controlPlane = new ControlPlane(Log::info);
        made[0] = new Conductor(new Conductor.Parts(settings, ports, workers, assembly.neighbors(), frames[0], vrrp,
            controlPlane), kc, checker, mailer);
        conductor = made[0];
        controlPlane.onRequest(conductor::wake);
        final int[] vips = workers.worker(0).forwarder().services().all().stream()
            .filter(s -> 0 == s.fwmark() && !s.ipv6())
            .mapToInt(VirtualService::vaddr).distinct().toArray();
        for (final Port p : ports)
        {
            // Every port shielded: the kernel (ip_forward or not) never handles a frame jvs owns.
            final KernelSetup k = new KernelSetup(p.name());
            kernel.add(k);
            k.recover();
            k.offloads();
            final ServiceTable services = workers.worker(0).forwarder().services();
            k.dropOwnedTraffic(vips, services.natServerAddresses(), p.addresses(), services.vipAddresses6(),
                services.natServerAddresses6());
        }
        if (settings.announce().table() > 0)
        {
            announcer = Announcer.open(settings.announce().table(), ports.get(0).name());
        }
        clock.mark("kernel setup");
        if (Settings.VipMode.KERNEL == settings.vipMode() && vrrp.isEmpty())
        {
            kernel.get(0).addVipAddresses(vips);
        }
        else if (Settings.VipMode.KERNEL == settings.vipMode())
        {
            // With VRRP the addresses are the master's only: added on MASTER, removed on leaving it, each on
            // the interface it lives on.
            kernelVips = new KernelVips(kernel, addr -> devIndex(kc, addr));
            vrrp.vipOwner(kernelVips);
        }
        if (Settings.VipMode.KERNEL == settings.vipMode() && (kc.virtualServers.stream().anyMatch(v -> v.ipv6()) ||
            kc.vrrp.instances().stream().anyMatch(i -> i.cfg().ownedAddresses6().length > 0)))
        {
            Log.info("vip_mode kernel: IPv6 VIPs and VRRP addresses are not added to the kernel; jvs answers " +
                "neighbour solicitations for them itself");
        }
        started(assembly, kc);
    }

    /** Start the threads, resolve the real servers, listen for jvs adm, and say so. */
    private void started(final Assembly assembly, final KeepalivedConfig kc)
    {
        if (null != pipeline)
        {
            pipeline.start();
        }
        workers.start(settings.idle(), ex -> Log.info("worker error: " + ex));
        // Ask for the real servers' MACs before saying we run: a client's first SYN would otherwise find them
        // unresolved (counted, dropped, retransmitted a second later). At most half a second.
        final Worker first = workers.worker(0);
        final long warm = System.currentTimeMillis() + WARM_UP_MS;
        while (!workers.ask(0, f -> first.resolved()) && System.currentTimeMillis() < warm)
        {
            sleep(10);
        }
        clock.mark("real servers resolved");
        listen();
        final List<VirtualService> services = workers.ask(0, f -> List.copyOf(f.services().all()));
        // Logged once the control socket and the metrics listen: a script that waits for it can use them.
        final String io = Settings.Io.PCAP == settings.io() ? "pcap" : "afpacket " +
            settings.ring().name().toLowerCase(Locale.ROOT) + (settings.pipelined() ? " pipeline" : "") +
            (settings.workers() > 1 ? ", " + settings.workers() + " workers" : "") + ", tx " +
            assembly.txMode().name().toLowerCase(Locale.ROOT);
        final StringBuilder on = new StringBuilder();
        for (final Port p : ports)
        {
            on.append(on.length() > 0 ? ", " : "").append(String.format(Locale.ROOT, "%s (mac %s, ip %s, mtu %d%s)",
                p.name(), Ethernet.macToString(p.mac()), Ipv4.toString(p.ip()), p.mtu(), 0 == p.index() ?
                ", io " + io : ""));
        }
        Log.info(String.format(Locale.ROOT, "started on %s: %d virtual services", on, services.size()));
        for (final VirtualService s : services)
        {
            Log.info(String.format(Locale.ROOT, "service %s %s scheduler %s, %d real servers",
                0 != s.fwmark() ? "FWM" : 6 == s.protocol() ? "TCP" : "UDP",
                0 != s.fwmark() ? String.valueOf(s.fwmark()) : s.address().withPort(s.vport()),
                s.schedulerName(), s.dests().count()));
        }
        for (final VrrpInstance i : conductor.vrrp().instances())
        {
            final InstanceConfig c = i.config();
            Log.info(String.format(Locale.ROOT, "VRRP %s: vrid %d, VRRPv%d, priority %d, advert_int %.2f s, %s%s",
                c.name(), c.vrid(), c.version(), c.priority(), c.advertCentis() / 100.0,
                dev.jvs.director.config.VrrpConfig.vipText(c),
                c.preempt() ? "" : ", nopreempt"));
        }
        logFlags(kc);
    }

    /** What keepalived's flags changed, said once at start. */
    private void logFlags(final KeepalivedConfig kc)
    {
        final Settings.Flags f = settings.flags();
        if (!f.loadsVirtualServers())
        {
            Log.info("--vrrp: VRRP alone; the virtual servers and their checkers are not loaded, the VRRP " +
                "addresses go on the interfaces");
        }
        if (!f.runsVrrp())
        {
            Log.info("--check: the virtual servers alone; the VRRP instances are not loaded");
        }
        if (f.dontReleaseIpvs())
        {
            Log.info("--dont-release-ipvs: nothing to keep; jvs's forwarding is the process and stops with it");
        }
        if (f.dumpConf())
        {
            Dumps.data(kc, conductor.vrrp().instances(), conductor.checker()).lines().forEach(Log::info);
        }
    }

    private void listen()
    {
        try
        {
            final Path path = settings.controlPath(ports.get(0).name());
            if (null != path)
            {
                controlPlane.listenUnix(path);
                Log.info("control socket " + path);
            }
            if (null != settings.metrics())
            {
                final String m = settings.metrics();
                final int colon = m.lastIndexOf(':');
                controlPlane.listenMetrics(new InetSocketAddress(m.substring(0, colon),
                    Integer.parseInt(m.substring(colon + 1))));
                Log.info("metrics at http://" + m + "/metrics");
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            Log.info("warning: control plane: " + ex.getMessage());
        }
    }

    /** Take it all down, in the order that loses least: control first, then VRRP's goodbye, then the workers. */
    private void end()
    {
        if (null != announcer)
        {
            // First thing: the routers stop sending new flows here; those on their way are still forwarded.
            announcer.withdrawAndDrain(settings.announce().drainMs());
        }
        controlPlane.close();
        final HealthChecker checker = conductor.checker();
        checker.close();
        checker.omega();
        conductor.mailer().close();
        final VrrpAgent vrrp = conductor.vrrp();
        if (!vrrp.isEmpty() && settings.flags().dontReleaseVrrp())
        {
            // keepalived --dont-release-vrrp: no goodbye; the backup takes over when the adverts stop.
            Log.info("--dont-release-vrrp: no priority 0 advertisement, the VRRP addresses stay");
            kernel.forEach(KernelSetup::keepAddresses);
        }
        else if (!vrrp.isEmpty())
        {
            vrrp.stop(System.currentTimeMillis());
        }
        conductor.logSyncSummary();
        for (int i = 0; i < workers.count(); i++)
        {
            final Worker w = workers.worker(i);
            Log.info("worker " + i + " latency: ring wait " + workers.ask(i, f ->
                Latency.describe(w.latency().ringWait())) + "; cycle " + workers.ask(i, f ->
                Latency.describe(w.latency().cycle())));
        }
        final long[] totals = new long[Counter.values().length];
        for (final long[] c : workers.ask(f -> f.counters().snapshot()))
        {
            for (int i = 0; i < totals.length; i++)
            {
                totals[i] += c[i];
            }
        }
        closeAll();
        if (null != pipeline && pipeline.inboundDrops() + pipeline.outboundDrops() > 0)
        {
            Log.info("pipeline: " + pipeline.inboundDrops() + " frames dropped at capture, " +
                pipeline.outboundDrops() + " at transmit (ring buffers full)");
        }
        if (conductor.framesDropped() > 0)
        {
            Log.info("control frames: " + conductor.framesDropped() + " dropped on the way to the conductor");
        }
        logTotals(totals);
        kernel.forEach(KernelSetup::close);
        if (null != announcer)
        {
            announcer.close();
        }
        closeRunFiles();
        notify.close();
    }

    private void closeRunFiles()
    {
        if (null != pidFile)
        {
            pidFile.close();
        }
        runDir.close();
    }

    private static void logTotals(final long[] totals)
    {
        long drops = 0;
        for (final Counter c : Counter.values())
        {
            drops += c.isDrop() ? totals[c.ordinal()] : 0;
        }
        Log.info(String.format(Locale.ROOT, "stopped: forwarded %d in, %d out, %d ARP replies, %d dropped",
            totals[Counter.FORWARDED_IN.ordinal()], totals[Counter.FORWARDED_OUT.ordinal()],
            totals[Counter.ARP_REPLIED.ordinal()], drops));
        for (final Counter c : Counter.values())
        {
            if ((c.isDrop() || Counter.ICMP_SENT == c || Counter.TUN_PMTU == c) && totals[c.ordinal()] > 0)
            {
                Log.info(String.format(Locale.ROOT, "  %s: %d", c.label(), totals[c.ordinal()]));
            }
        }
    }

    /** Close the threads and sockets made so far (any of them may be missing). */
    private void closeAll()
    {
        if (null != workers)
        {
            workers.close();
        }
        if (null != pipeline)
        {
            pipeline.close();
        }
        if (null != kernelVips)
        {
            kernelVips.close();
        }
        controlTx.forEach(Transmitter::close);
    }

    /** The port of the interface a VRRP address lives on ({@code dev}, else its instance's), or 0. */
    private int devIndex(final KeepalivedConfig kc, final int addr)
    {
        for (final dev.jvs.director.config.VrrpConfig.Instance i : kc.vrrp.instances())
        {
            for (final int a : i.cfg().ownedAddresses())
            {
                if (a == addr)
                {
                    final String name = i.devices().getOrDefault(IpAddress.ofV4(a), i.cfg().iface());
                    return ports.stream().filter(p -> p.name().equals(name)).mapToInt(Port::index).findFirst()
                        .orElse(0);
                }
            }
        }
        return 0;
    }

    private static void awaitQuietly(final CountDownLatch latch)
    {
        try
        {
            latch.await();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
