package dev.jvs.director;

import dev.jvs.director.check.HealthChecker;
import dev.jvs.director.config.ConfigException;
import dev.jvs.director.config.ConfigLoader;
import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.director.ha.VrrpAgent;
import dev.jvs.engine.Counter;
import dev.jvs.engine.Counters;
import dev.jvs.engine.EngineConfig;
import dev.jvs.engine.Forwarder;
import dev.jvs.engine.Neighbors;
import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.io.PacketIoException;
import dev.jvs.engine.io.RxRing;
import dev.jvs.engine.io.Sockets;
import dev.jvs.engine.io.Transmitter;
import dev.jvs.engine.io.Worker;
import dev.jvs.engine.os.LibC;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code jvs run}: the director on one interface, until SIGTERM or SIGINT. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
        "Run the director for the configuration's virtual services on an interface.",
        "Exit status: 0 after SIGTERM/SIGINT, 1 when it cannot start (not root, no interface, bad config)."})
final class RunCommand implements Runnable
{
    @Option(names = {"-f", "--config"}, required = true, description = "keepalived.conf")
    private Path config;
    @Option(names = "--control",
        description = "Control socket for jvs adm (root only, 0600); 'none' for none. Default: /run/jvs/IFACE.sock.")
    private String control;
    @Option(names = "--metrics", description = "Serve Prometheus metrics at http://ADDR:PORT/metrics.")
    private String metrics;
    private KeepalivedConfig runningConfig;
    private HealthChecker checker;
    private long appliedHealth;

    @Option(names = {"-i", "--interface"}, required = true, description = "the interface clients reach the VIPs on")
    private String iface;

    @Option(names = "--director-ip", description = "outer source of IPIP (default: the interface's first IPv4)")
    private String directorIp;

    @Option(names = "--capacity", defaultValue = "1000000", description = "connection table size")
    private int capacity;

    @Option(names = "--ring-frames", defaultValue = "32768",
        description = "receive ring slots of 2 KiB (default ${DEFAULT-VALUE}: 64 MiB absorbs bursts at full rate)")
    private int ringFrames;

    @Option(names = "--ring", defaultValue = "v2",
        description = "receive ring: v2 (a frame at a time, default) or v3 (blocks of --block-size, 1 ms retire timer)")
    private String ringVersion;

    @Option(names = "--tx", defaultValue = "ring",
        description = "transmit through a TPACKET_V2 TX ring kicked by one sendto per batch (ring, default) or " +
            "with one sendmmsg per batch (sendmmsg)")
    private String txMode;

    @Option(names = "--block-size", defaultValue = "16384", description = "TPACKET_V3 block size")
    private int blockSize;

    @Option(names = "--io", defaultValue = "afpacket",
        description = "packet I/O: afpacket (mapped ring, default) or pcap (libpcap, portable and slower)")
    private String io;

    @Option(names = "--vip-mode", defaultValue = "engine",
        description = "who answers ARP for the VIPs: engine (jvs's ARP responder, default) or kernel (VIPs added as " +
            "addresses of the interface; the nftables drops keep the kernel out of their traffic)")
    private String vipMode;

    @Option(names = "--pipeline",
        description = "capture, forward and transmit on three threads joined by ring buffers (default: one thread)")
    private boolean pipelined;

    private dev.jvs.engine.io.Pipeline pipeline;

    @Option(names = "--workers", defaultValue = "1",
        description = "forwarding threads sharing the interface through a PACKET_FANOUT group that keeps each " +
            "client (masked by the coarsest persistence granularity) on one worker; --capacity is split among them")
    private int workers;

    private Workers forwarding;
    private java.util.Map<Forwarder, dev.jvs.director.ha.ConnSync> syncPeers = java.util.Map.of();
    private int ifindexRunning;
    private dev.jvs.engine.service.CountBoard countBoard;

    @Option(names = "--nice", defaultValue = "0",
        description = "nice value of the forwarding thread, -20..19 (keepalived's process_priority)")
    private int nice;

    @Option(names = "--rt-priority", defaultValue = "0",
        description = "run the forwarding threads SCHED_FIFO at this priority, 1..99 (keepalived's " +
            "vrrp_rt_priority for the data plane): a frame's wake-up preempts the other processes; not with --idle spin")
    private int rtPriority;

    @Option(names = "--cpus", split = ",",
        description = "pin worker i to the i-th of these CPUs (round robin when fewer), e.g. --cpus 2,3; the " +
            "control plane's other threads stay unpinned")
    private int[] cpus;

    @Option(names = "--idle", defaultValue = "poll",
        description = "when no frame is ready: poll (sleep in poll(2), default), backoff (spin, yield, then poll), spin")
    private String idle;

    private int exit;
    private dev.jvs.director.ha.ConnSync sync;
    private java.util.concurrent.ExecutorService vipExec;
    /** Whether this director is active (VRRP master, or no VRRP): ha_suspend's condition. */
    private final AtomicBoolean haActive = new AtomicBoolean(true);
    private volatile Mailer mailer;
    /** What the running VRRP instances were made from (a reload that leaves it alone leaves them alone). */
    private String vrrpFingerprint = "";
    /** What the running connection sync was made from. */
    private String syncKey = "";

    @Option(names = {"-S", "--log-facility"},
        description = "also log to syslog with this facility, as keepalived -S: 0..7 for local0..local7, or daemon")
    private String logFacility;

    @Option(names = "--syslog-socket", defaultValue = "/dev/log", hidden = true, description = "the syslog socket")
    private String syslogSocket;

    private static volatile Syslog syslog;

    static void log(final String line)
    {
        System.out.println(LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss.SSS")) + " " + line);
        System.out.flush();
        final Syslog s = syslog;
        if (null != s)
        {
            s.log(line);
        }
    }

    @Override
    public void run()
    {
        exit = start();
    }

    int exitCode()
    {
        return exit;
    }

    private int start()
    {
        if (!"poll".equals(idle) && !"backoff".equals(idle) && !"spin".equals(idle))
        {
            System.err.println("jvs run: --idle must be poll, backoff or spin, not " + idle);
            return 1;
        }
        if (!"engine".equals(vipMode) && !"kernel".equals(vipMode))
        {
            System.err.println("jvs run: --vip-mode must be engine or kernel, not " + vipMode);
            return 1;
        }
        if (!"v2".equals(ringVersion) && !"v3".equals(ringVersion))
        {
            System.err.println("jvs run: --ring must be v2 or v3, not " + ringVersion);
            return 1;
        }
        if (!"sendmmsg".equals(txMode) && !"ring".equals(txMode))
        {
            System.err.println("jvs run: --tx must be sendmmsg or ring, not " + txMode);
            return 1;
        }
        if (!"afpacket".equals(io) && !"pcap".equals(io))
        {
            System.err.println("jvs run: --io must be afpacket or pcap, not " + io);
            return 1;
        }
        if (rtPriority < 0 || rtPriority > 99 || rtPriority > 0 && "spin".equals(idle))
        {
            System.err.println("jvs run: --rt-priority must be 0 to 99, and not with --idle spin (a spinning " +
                "real-time thread takes its core from everything else)");
            return 1;
        }
        if (null != cpus && java.util.Arrays.stream(cpus).anyMatch(c -> c < 0 || c > 1023))
        {
            System.err.println("jvs run: --cpus takes CPU numbers 0 to 1023");
            return 1;
        }
        if (workers < 1 || workers > 64)
        {
            System.err.println("jvs run: --workers must be 1 to 64, not " + workers);
            return 1;
        }
        if (workers > 1 && (pipelined || !"afpacket".equals(io)))
        {
            System.err.println("jvs run: --workers above 1 needs --io afpacket without --pipeline (the fanout " +
                "group is made of AF_PACKET sockets)");
            return 1;
        }
        if (pipelined && !"afpacket".equals(io))
        {
            System.err.println("jvs run: --pipeline needs --io afpacket (a pcap handle is not shared by threads)");
            return 1;
        }
        if (null != logFacility)
        {
            try
            {
                syslog = new Syslog(syslogSocket, Syslog.facility(logFacility));
            }
            catch (final IllegalArgumentException | IllegalStateException ex)
            {
                System.err.println("jvs run: " + ex.getMessage());
                return 1;
            }
        }
        if (0 != LibC.geteuid())
        {
            System.err.println("jvs run: must run as root (AF_PACKET sockets need CAP_NET_RAW)");
            return 1;
        }
        final KeepalivedConfig kc;
        try
        {
            kc = KeepalivedConfig.load(config);
        }
        catch (final ConfigException ex)
        {
            System.err.println("jvs run: " + ex.getMessage());
            return 1;
        }
        kc.warnings.forEach(w -> log("warning: " + w));
        final EngineConfig cfg = new EngineConfig();
        cfg.answerArp = "engine".equals(vipMode);
        // global_defs lvs_timeouts, as keepalived sets them in IPVS (ipvsadm --set).
        cfg.setTimeouts(kc.vrrp.lvsTimeouts[0], kc.vrrp.lvsTimeouts[1], kc.vrrp.lvsTimeouts[2]);
        final int ifindex;
        try
        {
            ifindex = Sockets.ifindex(iface);
            ifindexRunning = ifindex;
            cfg.localMac = Sockets.mac(iface);
            cfg.localIp = null != directorIp ? Ipv4.parse(directorIp) : firstIpv4(iface, kc);
            final NetworkInterface ni = NetworkInterface.getByName(iface);
            if (null != ni)
            {
                cfg.mtu = ni.getMTU();
            }
        }
        catch (final PacketIoException | IllegalArgumentException | SocketException ex)
        {
            System.err.println("jvs run: " + ex.getMessage());
            return 1;
        }
        final Neighbors neighbors = new Neighbors();
        final SecureRandom seed = new SecureRandom();
        final ServiceTable services = new ServiceTable(new java.util.SplittableRandom(seed.nextLong())::nextInt);
        if (workers > 1)
        {
            countBoard = new dev.jvs.engine.service.CountBoard(workers);
            services.share(countBoard, 0);
        }
        ConfigLoader.apply(kc, services, neighbors, -1, System.currentTimeMillis());
        runningConfig = kc;
        mailer = new Mailer(kc.vrrp, RunCommand::log);
        checker = new HealthChecker(kc, Map.of(), RunCommand::log);
        checker.haActive(haActive::get);
        checker.onTransition((rs, up) -> mailer.realServer(rs, up));
        // alpha: servers start down; the table is made to agree before the first packet.
        ConfigLoader.reconcile(kc, services, neighbors, System.currentTimeMillis(), checker);
        appliedHealth = checker.generation();
        final Counters counters = new Counters();
        final Forwarder fwd = new Forwarder(cfg, services,
            new ConnectionTable(capacity / workers, seed.nextLong(), System.currentTimeMillis()), neighbors, counters);
        final Worker worker;
        final int[] local;
        try
        {
            local = localAddresses(iface);
        }
        catch (final SocketException ex)
        {
            System.err.println("jvs run: " + ex.getMessage());
            return 1;
        }
        try
        {
            if ("pcap".equals(io))
            {
                final dev.jvs.engine.io.PcapIo pcap = new dev.jvs.engine.io.PcapIo(iface);
                worker = new Worker(fwd, pcap, pcap, neighbors, cfg.mtu);
            }
            else if ("afpacket".equals(io))
            {
                final dev.jvs.engine.io.Receiver rx = ring(ifindex);
                if (pipelined)
                {
                    // capture, forward and transmit on three threads joined by ring buffers (16 MiB each way).
                    pipeline = new dev.jvs.engine.io.Pipeline(rx, sender(ifindex), 16 << 20,
                        () -> new org.agrona.concurrent.BackoffIdleStrategy(100, 10, 1_000, 100_000));
                    worker = new Worker(fwd, pipeline.receiver(), pipeline.sender(), neighbors, cfg.mtu);
                }
                else
                {
                    worker = new Worker(fwd, rx, sender(ifindex), neighbors, cfg.mtu);
                }
            }
            else
            {
                System.err.println("jvs run: --io must be afpacket or pcap, not " + io);
                return 1;
            }
        }
        catch (final PacketIoException ex)
        {
            System.err.println("jvs run: " + iface + ": " + ex.getMessage());
            return 1;
        }
        forwarding = new Workers(workers, worker, RunCommand::log);
        if (workers > 1)
        {
            final int idleMode = "spin".equals(idle) ? dev.jvs.engine.io.WorkerGroup.IDLE_SPIN :
                "backoff".equals(idle) ? dev.jvs.engine.io.WorkerGroup.IDLE_BACKOFF :
                dev.jvs.engine.io.WorkerGroup.IDLE_POLL;
            try
            {
                forwarding.make(i -> secondary(i, kc, cfg, ifindex, neighbors, seed), ifindex, idleMode);
            }
            catch (final PacketIoException | IllegalArgumentException ex)
            {
                System.err.println("jvs run: " + iface + ": workers: " + ex.getMessage());
                worker.onClose();
                return 1;
            }
        }
        // Before the agent fills in default source addresses, as a reloaded configuration will be compared.
        vrrpFingerprint = kc.vrrp.fingerprint();
        final VrrpAgent vrrp = new VrrpAgent(kc.vrrp, iface, cfg.localIp, cfg.localMac, fwd, worker.sender(),
            neighbors, RunCommand::log);
        final KernelSetup kernel = new KernelSetup(iface);
        kernel.recover();
        kernel.offloads();
        try
        {
            kernel.dropOwnedTraffic(vips(services), services.natServerAddresses(), local);
            if (!cfg.answerArp && vrrp.isEmpty())
            {
                kernel.addVipAddresses(vips(services));
            }
            else if (!cfg.answerArp)
            {
                // With VRRP the addresses are the master's only: added on MASTER, removed on leaving it, by a
                // thread of their own (ip(8) takes milliseconds the forwarding thread does not have).
                final java.util.concurrent.ExecutorService ipExec = java.util.concurrent.Executors
                    .newSingleThreadExecutor(r ->
                    {
                        final Thread t = new Thread(r, "jvs-vip");
                        t.setDaemon(true);
                        return t;
                    });
                vipExec = ipExec;
                vrrp.vipOwner(new VrrpAgent.VipOwner()
                {
                    @Override
                    public void own(final int[] addresses)
                    {
                        ipExec.execute(() -> vipChange(kernel, addresses, true));
                    }

                    @Override
                    public void release(final int[] addresses)
                    {
                        ipExec.execute(() -> vipChange(kernel, addresses, false));
                    }
                });
            }
        }
        catch (final java.io.IOException ex)
        {
            System.err.println("jvs run: cannot install the nftables drops: " + ex.getMessage());
            kernel.close();
            forwarding.close();
            worker.onClose();
            return 1;
        }
        // Ask for the real servers' MACs before saying we run: a client's first SYN would otherwise find them
        // unresolved (counted, dropped, retransmitted a second later). At most half a second.
        if (null != pipeline)
        {
            pipeline.start();
        }
        forwarding.start();
        final long warm = System.currentTimeMillis() + 500;
        while (!worker.resolved() && System.currentTimeMillis() < warm)
        {
            worker.doWork();
            worker.idle();
        }
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicBoolean reload = new AtomicBoolean(false);
        onSignal("HUP", () -> reload.set(true));
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            running.set(false);
            try
            {
                stopped.await();
            }
            catch (final InterruptedException ignored)
            {
                Thread.currentThread().interrupt();
            }
        }, "jvs-shutdown"));
        int idleCycles = 0;
        if (0 != nice && LibC.setpriority(0, 0, nice) < 0)
        {
            log("warning: cannot set nice " + nice + ": " + LibC.strerror(LibC.errno()));
        }
        if (0 != rtPriority)
        {
            final String why = LibC.realtime(rtPriority);
            if (null != why)
            {
                log("warning: cannot set SCHED_FIFO " + rtPriority + ": " + why);
            }
            forwarding.shards().others(f ->
            {
                final String w = LibC.realtime(rtPriority);
                if (null != w)
                {
                    log("warning: a worker cannot set SCHED_FIFO " + rtPriority + ": " + w);
                }
            });
        }
        final dev.jvs.director.adm.ControlPlane controlPlane = new dev.jvs.director.adm.ControlPlane(RunCommand::log);
        final AdmHandler adm = new AdmHandler(forwarding.shards(), () -> runningConfig, () -> checker, reload);
        adm.onEdit(forwarding::refreshFanout);
        adm.vrrp(vrrp);
        adm.sync(() -> sync);
        try
        {
            if (!"none".equals(control))
            {
                final String path = null != control ? control : "/run/jvs/" + iface + ".sock";
                controlPlane.listenUnix(Path.of(path));
                log("control socket " + path);
            }
            if (null != metrics)
            {
                final int colon = metrics.lastIndexOf(':');
                controlPlane.listenMetrics(new java.net.InetSocketAddress(metrics.substring(0, colon),
                    Integer.parseInt(metrics.substring(colon + 1))));
                log("metrics at http://" + metrics + "/metrics");
            }
        }
        catch (final java.io.IOException | RuntimeException ex)
        {
            log("warning: control plane: " + ex.getMessage());
        }
        // Logged once the control socket and the metrics listen: a script that waits for it can use them.
        log(String.format(Locale.ROOT, "started on %s (mac %s, ip %s, mtu %d, io %s): %d virtual services",
            iface, Ethernet.macToString(cfg.localMac), Ipv4.toString(cfg.localIp), cfg.mtu,
            "pcap".equals(io) ? io : io + " " + ringVersion + (pipelined ? " pipeline" : "") +
                (workers > 1 ? ", " + workers + " workers" : "") + ", tx " + txMode, services.all().size()));
        for (final VirtualService s : services.all())
        {
            log(String.format(Locale.ROOT, "service %s %s scheduler %s, %d real servers",
                0 != s.fwmark() ? "FWM" : 6 == s.protocol() ? "TCP" : "UDP",
                0 != s.fwmark() ? String.valueOf(s.fwmark()) : Ipv4.toString(s.vaddr()) + ":" + s.vport(),
                s.schedulerName(), s.dests().count()));
        }
        checker.start();
        if (!vrrp.isEmpty())
        {
            for (final dev.jvs.vrrp.VrrpInstance i : vrrp.instances())
            {
                final dev.jvs.vrrp.InstanceConfig c = i.config();
                log(String.format(Locale.ROOT, "VRRP %s: vrid %d, VRRPv%d, priority %d, advert_int %.2f s, %s%s",
                    c.name, c.vrid, c.version, c.priority, c.advertCentis / 100.0,
                    java.util.Arrays.stream(c.addresses).mapToObj(Ipv4::toString)
                        .collect(java.util.stream.Collectors.joining(" ")), c.preempt ? "" : ", nopreempt"));
            }
            setupSync(kc.vrrp.syncDaemon, fwd, cfg, worker, vrrp);
            haActive.set(false);
            vrrp.roleListener(active ->
            {
                haActive.set(active);
                if (null != sync)
                {
                    sync.master(active);
                    final java.util.Map<Forwarder, dev.jvs.director.ha.ConnSync> peers = syncPeers;
                    forwarding.shards().others(f -> peers.get(f).master(active));
                }
            });
            worker.resolveAlso(vrrp.instances().stream().flatMapToInt(i ->
                java.util.Arrays.stream(i.config().unicastPeers)).distinct().toArray());
            vrrp.onTransition((i, st) -> mailer.vrrp(i, st.name()));
            worker.tap(vrrp);
            acceptVirtualMacs(kc, worker, ifindex);
            vrrp.mirror(forwarding.shards()::others);
            vrrp.start(System.currentTimeMillis());
        }
        if (null != cpus && cpus.length > 0)
        {
            // Last, once the control socket, metrics and checker threads exist: a thread inherits its
            // creator's affinity, and those should not share worker 0's CPU.
            final int[] list = cpus;
            final String why = LibC.pin(list[0]);
            log(null == why ? "worker 0 on CPU " + list[0] :
                "warning: cannot pin worker 0 to CPU " + list[0] + ": " + why);
            final java.util.List<Forwarder> others = forwarding.others();
            forwarding.shards().others(f ->
            {
                final int index = others.indexOf(f) + 1;
                final int cpu = list[index % list.length];
                final String w = LibC.pin(cpu);
                log(null == w ? "worker " + index + " on CPU " + cpu :
                    "warning: cannot pin worker " + index + " to CPU " + cpu + ": " + w);
            });
        }
        try
        {
            while (running.get())
            {
                try
                {
                    if (reload.getAndSet(false))
                    {
                        if (reload(services, neighbors))
                        {
                            forwarding.refreshFanout();
                            reloadVrrp(vrrp, worker, fwd, cfg);
                        }
                    }
                    controlPlane.serve(adm);
                    adm.tick(System.currentTimeMillis());
                    if (checker.generation() != appliedHealth)
                    {
                        appliedHealth = checker.generation();
                        applyHealth(services, neighbors);
                    }
                    if (0 == forwarding.cycle())
                    {
                        idleCycles++;
                        if ("spin".equals(idle))
                        {
                            Thread.onSpinWait();
                        }
                        else if ("backoff".equals(idle) && idleCycles < 200)
                        {
                            if (idleCycles < 100)
                            {
                                Thread.onSpinWait();
                            }
                            else
                            {
                                Thread.yield();
                            }
                        }
                        else
                        {
                            worker.idle();
                        }
                    }
                    else
                    {
                        idleCycles = 0;
                    }
                }
                catch (final RuntimeException ex)
                {
                    // A failure inside one cycle is logged and the loop goes on (rethrow only Errors).
                    log("worker error: " + ex);
                }
            }
        }
        finally
        {
            controlPlane.close();
            checker.close();
            checker.omega();
            mailer.close();
            if (!vrrp.isEmpty())
            {
                vrrp.stop(System.currentTimeMillis());
            }
            if (null != sync)
            {
                logSyncSummary();
            }
            final Totals totals = forwarding.shards().totals();
            forwarding.close();
            worker.onClose();
            if (null != pipeline)
            {
                pipeline.close();
                if (pipeline.inboundDrops() + pipeline.outboundDrops() > 0)
                {
                    log("pipeline: " + pipeline.inboundDrops() + " frames dropped at capture, " +
                        pipeline.outboundDrops() + " at transmit (ring buffers full)");
                }
            }
            if (null != vipExec)
            {
                vipExec.shutdown();
                try
                {
                    vipExec.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }
            long drops = 0;
            for (final Counter c : Counter.values())
            {
                drops += c.isDrop() ? totals.counter(c) : 0;
            }
            log(String.format(Locale.ROOT, "stopped: forwarded %d in, %d out, %d ARP replies, %d dropped",
                totals.counter(Counter.FORWARDED_IN), totals.counter(Counter.FORWARDED_OUT),
                totals.counter(Counter.ARP_REPLIED), drops));
            for (final Counter c : Counter.values())
            {
                if ((c.isDrop() || Counter.ICMP_SENT == c || Counter.TUN_PMTU == c) && totals.counter(c) > 0)
                {
                    log(String.format(Locale.ROOT, "  %s: %d", c.label(), totals.counter(c)));
                }
            }
            kernel.close();
            stopped.countDown();
        }
        return 0;
    }

    private dev.jvs.engine.io.Sender sender(final int ifindex) throws PacketIoException
    {
        if ("ring".equals(txMode))
        {
            try
            {
                return new dev.jvs.engine.io.TxRing(ifindex, 256);
            }
            catch (final PacketIoException ex)
            {
                // A kernel or device that refuses the ring's setup: the same copy by sendmmsg.
                log("warning: no TX ring (" + ex.getMessage() + "): sending with sendmmsg");
                txMode = "sendmmsg";
            }
        }
        return new Transmitter(ifindex, 256);
    }

    private dev.jvs.engine.io.Receiver ring(final int ifindex) throws PacketIoException
    {
        return "v3".equals(ringVersion) ?
            new dev.jvs.engine.io.RxRingV3(ifindex, blockSize, Math.max(2, ringFrames * 2048 / blockSize), 1) :
            new RxRing(ifindex, 2048, ringFrames);
    }

    /** Worker i of N (i &gt; 0): its own forwarder, tables and sockets, configured as worker 0 is. */
    private Worker secondary(final int i, final KeepalivedConfig kc,
        final EngineConfig cfg, final int ifindex, final Neighbors neighbors, final SecureRandom seed)
        throws PacketIoException
    {
        final long now = System.currentTimeMillis();
        final ServiceTable st = new ServiceTable(new java.util.SplittableRandom(seed.nextLong())::nextInt);
        st.share(countBoard, i);
        ConfigLoader.apply(kc, st, neighbors, -1, now);
        ConfigLoader.reconcile(kc, st, neighbors, now, checker);
        final Forwarder f = new Forwarder(cfg.copy(), st,
            new ConnectionTable(capacity / workers, seed.nextLong(), now), neighbors, new Counters());
        if (!kc.vrrp.instances.isEmpty())
        {
            // Closed until VRRP says otherwise (worker 0's gate is posted once the agent runs).
            f.gate(Forwarder.GATE_OWNED);
        }
        final dev.jvs.engine.io.Receiver rx = ring(ifindex);
        try
        {
            return new Worker(f, rx, sender(ifindex), neighbors, cfg.mtu);
        }
        catch (final PacketIoException ex)
        {
            rx.close();
            throw ex;
        }
    }

    /** use_vmac: worker 0's socket (ARP and VRRP land there) makes the interface accept the virtual MACs. */
    private void acceptVirtualMacs(final KeepalivedConfig kc, final Worker worker, final int ifindex)
    {
        for (final dev.jvs.director.config.VrrpConfig.Instance i : kc.vrrp.instances)
        {
            if (!i.cfg.useVmac)
            {
                continue;
            }
            if (!"engine".equals(vipMode))
            {
                log("warning: VRRP " + i.cfg.name + ": use_vmac needs --vip-mode engine (the kernel answers ARP " +
                    "from the interface's MAC)");
            }
            else if (worker.receiverFd() < 0)
            {
                log("warning: VRRP " + i.cfg.name + ": use_vmac needs --io afpacket");
            }
            else
            {
                try
                {
                    dev.jvs.engine.io.Sockets.acceptUnicast(worker.receiverFd(), ifindex, i.cfg.vmac());
                    log("VRRP " + i.cfg.name + ": use_vmac, virtual MAC " + Ethernet.macToString(i.cfg.vmac()));
                }
                catch (final PacketIoException ex)
                {
                    log("warning: VRRP " + i.cfg.name + ": use_vmac: " + ex.getMessage());
                }
            }
        }
    }

    private static void vipChange(final KernelSetup kernel, final int[] addresses, final boolean add)
    {
        try
        {
            if (add)
            {
                kernel.addVipAddresses(addresses);
            }
            else
            {
                kernel.removeVipAddresses(addresses);
            }
        }
        catch (final java.io.IOException ex)
        {
            log("warning: vip_mode kernel: " + ex.getMessage());
        }
    }

    /**
     * Handle a signal through sun.misc.Signal (module jdk.unsupported), reached by reflection because javac
     * warns on its direct use and the build treats warnings as errors.
     */
    static void onSignal(final String name, final Runnable action)
    {
        try
        {
            final Class<?> signal = Class.forName("sun.misc.Signal");
            final Class<?> handler = Class.forName("sun.misc.SignalHandler");
            final Object h = java.lang.reflect.Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler},
                (proxy, method, args) ->
                {
                    if ("handle".equals(method.getName()))
                    {
                        action.run();
                    }
                    return null;
                });
            signal.getMethod("handle", signal, handler).invoke(null,
                signal.getConstructor(String.class).newInstance(name), h);
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            log("warning: cannot handle SIG" + name + ": " + ex);
        }
    }

    /** Health events: one real server at a time; a quorum change re-applies the configuration. */
    private void applyHealth(final ServiceTable services, final Neighbors neighbors)
    {
        if (checker.takeQuorumChange())
        {
            while (null != checker.pollChange())
            {
                // Covered by the full pass below.
            }
            final KeepalivedConfig kc = runningConfig;
            final HealthChecker hc = checker;
            final long now = System.currentTimeMillis();
            log("health: " + ConfigLoader.reconcile(kc, services, neighbors, now, hc));
            forwarding.shards().others(f -> ConfigLoader.reconcile(kc, f.services(), neighbors, now, hc));
            return;
        }
        KeepalivedConfig.RealServer rs;
        while (null != (rs = checker.pollChange()))
        {
            final KeepalivedConfig kc = runningConfig;
            final HealthChecker hc = checker;
            final KeepalivedConfig.RealServer changed = rs;
            log("health: " + ConfigLoader.applyHealth(kc, services, changed, hc));
            forwarding.shards().others(f -> ConfigLoader.applyHealth(kc, f.services(), changed, hc));
        }
    }

    /** lvs_sync_daemon: a connection sync chained behind the VRRP agent, in the role VRRP gives it. */
    private void setupSync(final dev.jvs.director.config.VrrpConfig.SyncDaemon sd, final Forwarder fwd,
        final EngineConfig cfg, final Worker worker, final VrrpAgent vrrp)
    {
        syncKey = null == sd ? "" : sd.iface + " " + sd.instance + " " + sd.syncId + " " + sd.maxLen + " " + sd.port +
            " " + sd.ttl + " " + sd.group;
        if (null != sync)
        {
            fwd.syncSink(null);
            logSyncSummary();
            final Workers w = forwarding;
            forwarding.shards().others(f ->
            {
                w.workerOf(f).tap(null);
                f.syncSink(null);
            });
            sync = null;
            syncPeers = java.util.Map.of();
        }
        vrrp.next(null);
        if (null != sd && !sd.iface.equals(iface))
        {
            log("warning: lvs_sync_daemon on " + sd.iface + ": jvs syncs on the forwarding interface " + iface +
                " only; connection sync is off");
        }
        else if (null != sd)
        {
            sync = new dev.jvs.director.ha.ConnSync(sd, fwd, cfg, worker.sender(), cfg.localMac, cfg.localIp,
                cfg.mtu, RunCommand::log);
            vrrp.next(sync);
            vrrp.syncInstance(sd.instance);
            final boolean role = vrrp.syncRole();
            sync.master(role);
            if (workers > 1)
            {
                // One sync per worker: each sends its own clients' entries and installs its own clients' from
                // what worker 0 receives and hands on.
                final java.util.Map<Forwarder, dev.jvs.director.ha.ConnSync> peers = new java.util.IdentityHashMap<>();
                int k = 1;
                for (final Forwarder f : forwarding.others())
                {
                    final int index = k++;
                    final dev.jvs.director.ha.ConnSync p = new dev.jvs.director.ha.ConnSync(sd, f, f.config(),
                        forwarding.workerOf(f).sender(), cfg.localMac, cfg.localIp, cfg.mtu, line -> { });
                    p.owner(client -> index == forwarding.owner(client),
                        (b, off, len) -> { });
                    peers.put(f, p);
                }
                sync.owner(client -> 0 == forwarding.owner(client),
                    (b, off, len) ->
                    {
                        final byte[] copy = new byte[len];
                        b.getBytes(off, copy);
                        final long at = System.currentTimeMillis();
                        forwarding.shards().others(f -> peers.get(f).receive(copy, at));
                    });
                final Workers w = forwarding;
                forwarding.shards().others(f ->
                {
                    w.workerOf(f).tap(peers.get(f));
                    peers.get(f).master(role);
                });
                syncPeers = peers;
            }
        }
    }

    /** Each worker's connection sync counts, in the log. */
    private void logSyncSummary()
    {
        log(sync.summary());
        final java.util.Map<Forwarder, dev.jvs.director.ha.ConnSync> peers = syncPeers;
        if (!peers.isEmpty())
        {
            final java.util.List<String> lines = forwarding.shards().all(f -> peers.containsKey(f) ?
                peers.get(f).summary() : null);
            for (int w = 1; w < lines.size(); w++)
            {
                log("worker " + w + ": " + lines.get(w));
            }
        }
    }

    /** The VRRP part of a reload, on the forwarding thread (instances may appear where there were none). */
    private void reloadVrrp(final VrrpAgent vrrp, final Worker worker, final Forwarder fwd, final EngineConfig cfg)
    {
        final dev.jvs.director.config.VrrpConfig.SyncDaemon sd = runningConfig.vrrp.syncDaemon;
        final String key = null == sd ? "" : sd.iface + " " + sd.instance + " " + sd.syncId + " " + sd.maxLen + " " +
            sd.port + " " + sd.ttl + " " + sd.group;
        if (!key.equals(syncKey))
        {
            log("reload: lvs_sync_daemon changed");
            setupSync(sd, fwd, cfg, worker, vrrp);
        }
        if (vrrp.isEmpty() && runningConfig.vrrp.instances.isEmpty())
        {
            return;
        }
        final String now = runningConfig.vrrp.fingerprint();
        if (now.equals(vrrpFingerprint))
        {
            vrrp.refresh();
            return;
        }
        vrrpFingerprint = now;
        final boolean wasEmpty = vrrp.isEmpty();
        vrrp.reload(runningConfig.vrrp, System.currentTimeMillis());
        if (wasEmpty && !vrrp.isEmpty())
        {
            worker.tap(vrrp);
            vrrp.mirror(forwarding.shards()::others);
        }
        acceptVirtualMacs(runningConfig, worker, ifindexRunning);
    }

    /**
     * SIGHUP: check the new configuration first; apply only the differences, on the worker's thread.
     *
     * @return whether the new configuration was applied.
     */
    private boolean reload(final ServiceTable services, final Neighbors neighbors)
    {
        final KeepalivedConfig kc;
        try
        {
            kc = KeepalivedConfig.load(config);
        }
        catch (final ConfigException ex)
        {
            log("reload failed, the running configuration stays: " + ex.getMessage());
            return false;
        }
        kc.warnings.forEach(w -> log("warning: " + w));
        // The new checker starts from the states the old one found, by virtual and real server.
        final HealthChecker next = new HealthChecker(kc, checker.states(), RunCommand::log);
        next.haActive(haActive::get);
        next.onTransition((rs, up) -> mailer.realServer(rs, up));
        checker.close();
        checker = next;
        if (!java.util.Arrays.equals(runningConfig.vrrp.lvsTimeouts, kc.vrrp.lvsTimeouts))
        {
            final int[] t = kc.vrrp.lvsTimeouts.clone();
            forwarding.shards().everywhere(f -> f.config().setTimeouts(t[0], t[1], t[2]));
            log("reload: lvs_timeouts tcp " + t[0] + " tcpfin " + t[1] + " udp " + t[2] + " (0: unchanged)");
        }
        runningConfig = kc;
        final Mailer oldMailer = mailer;
        mailer = new Mailer(kc.vrrp, RunCommand::log);
        oldMailer.close();
        appliedHealth = checker.generation();
        final long now = System.currentTimeMillis();
        final HealthChecker hc = checker;
        log("reloaded " + config + ": " + ConfigLoader.reconcile(kc, services, neighbors, now, hc));
        forwarding.shards().others(f -> ConfigLoader.reconcile(kc, f.services(), neighbors, now, hc));
        checker.start();
        return true;
    }

    private static int[] vips(final ServiceTable services)
    {
        return services.all().stream().filter(s -> 0 == s.fwmark()).mapToInt(VirtualService::vaddr).distinct()
            .toArray();
    }

    private static int[] localAddresses(final String name) throws SocketException
    {
        final NetworkInterface ni = NetworkInterface.getByName(name);
        if (null == ni)
        {
            return new int[0];
        }
        return Collections.list(ni.getInetAddresses()).stream().filter(a -> a instanceof Inet4Address)
            .mapToInt(a ->
            {
                final byte[] b = a.getAddress();
                return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
            }).toArray();
    }

    /**
     * The interface's own address: the first IPv4 that is no VIP nor VRRP address (a keepalived that crashed
     * leaves its addresses behind, and one of them must not become jvs's source).
     */
    private static int firstIpv4(final String name, final KeepalivedConfig kc) throws SocketException
    {
        final java.util.Set<Integer> virtual = new java.util.HashSet<>();
        kc.vrrp.instances.forEach(i -> java.util.Arrays.stream(i.cfg.ownedAddresses()).forEach(virtual::add));
        kc.virtualServers.forEach(v -> virtual.add(v.vip));
        int fallback = 0;
        for (final int a : localAddresses(name))
        {
            if (!virtual.contains(a))
            {
                return a;
            }
            fallback = 0 == fallback ? a : fallback;
        }
        return fallback;
    }
}
