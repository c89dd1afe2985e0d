package dev.jvs.director.daemon;

import dev.jvs.director.adm.AdmHandler;
import dev.jvs.director.adm.ControlPlane;
import dev.jvs.director.check.HealthChecker;
import dev.jvs.director.config.ConfigException;
import dev.jvs.director.config.ConfigLoader;
import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.director.config.RealServer;
import dev.jvs.director.config.VirtualServer;
import dev.jvs.director.config.VrrpConfig;
import dev.jvs.director.ha.ConnSync;
import dev.jvs.director.ha.VrrpAgent;
import dev.jvs.director.notify.Mailer;
import dev.jvs.engine.Neighbors;
import dev.jvs.engine.Routes;
import dev.jvs.engine.agent.Workers;
import dev.jvs.engine.frame.Ethernet;
import dev.jvs.engine.io.PacketIoException;
import dev.jvs.engine.io.Sockets;
import dev.jvs.vrrp.VrrpPacket;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.MessageHandler;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The director's control thread, after Aeron's conductor: it owns the running configuration, the checker's
 * results, VRRP, the sync role and {@code jvs adm}, and reaches the workers (worker 0 included) only through
 * their inboxes, so that no control work ever runs between two batches of frames but as a posted operation.
 *
 * <p>A duty cycle: a pending reload (SIGHUP, {@code jvs adm --reload}); waiting {@code jvs adm} and metrics
 * requests; the rate estimator; new health results; the control frames the workers copied (VRRP adverts,
 * sync messages); the VRRP timers. Idle, it parks until the next VRRP deadline, at most 10 ms, and whoever
 * hands it work (a worker's tap, the control socket, a signal) wakes it.
 */
final class Conductor implements Agent
{
    private static final int FRAMES_PER_CYCLE = 64;
    private static final long MAX_PARK_NS = 10_000_000;

    private static final long ROUTES_MS = 1000;

    private final Settings settings;
    private final List<Port> ports;
    private final Workers workers;
    private final Neighbors neighbors;
    private final ControlFrames frames;
    private final FanoutProgram fanout;
    private final VrrpAgent vrrp;
    private final ControlPlane controlPlane;
    private final AdmHandler adm;
    private final AtomicBoolean reload = new AtomicBoolean();
    private final AtomicBoolean dumpData = new AtomicBoolean();
    private final AtomicBoolean dumpStats = new AtomicBoolean();
    private final AtomicBoolean haActive = new AtomicBoolean(true);
    private final MessageHandler onFrame = this::onFrame;
    private volatile Thread thread;
    private volatile KeepalivedConfig running;
    private volatile HealthChecker checker;
    private volatile Mailer mailer;
    private long appliedHealth;
    /** What the running VRRP instances were made from (a reload that leaves it alone leaves them alone). */
    private VrrpConfig runningVrrp;
    /** What the running connection sync was made from (null: none). */
    private VrrpConfig.SyncDaemon syncDaemon;
    private VrrpConfig.SyncDaemon syncCfg;
    private Port syncPort;
    private ConnSync[] syncs;
    private long now;
    private Routes routes;
    private long nextRoutes;
    private SdNotify notify = SdNotify.none();
    private Announcer announcer;
    private volatile AdmHandler.Reloads reloads = new AdmHandler.Reloads(0, 0, 0, true);

    /** The parts a conductor drives, made by the daemon. */
    record Parts(Settings settings, List<Port> ports, Workers workers, Neighbors neighbors, ControlFrames frames,
        VrrpAgent vrrp, ControlPlane controlPlane)
    {
    }

    /**
     * @param parts what it drives.
     * @param kc the running configuration.
     * @param checker its checker (not started).
     * @param mailer its mailer.
     */
    Conductor(final Parts parts, final KeepalivedConfig kc, final HealthChecker checker, final Mailer mailer)
    {
        this.settings = parts.settings();
        this.ports = parts.ports();
        this.workers = parts.workers();
        this.neighbors = parts.neighbors();
        this.frames = parts.frames();
        this.vrrp = parts.vrrp();
        this.controlPlane = parts.controlPlane();
        this.fanout = new FanoutProgram(workers);
        this.running = kc;
        this.checker = checker;
        this.mailer = mailer;
        this.appliedHealth = checker.generation();
        this.runningVrrp = kc.vrrp;
        checker.haActive(haActive::get);
        checker.onTransition((rs, up) ->
        {
            // A health change is applied on the next cycle: wake it rather than wait out the park.
            wake();
            this.mailer.realServer(rs, up);
        });
        adm = new AdmHandler(workers, () -> running, () -> this.checker, this::reloadForAdm);
        adm.reloads(() -> reloads);
        adm.onEdit(() ->
        {
            fanout.refresh();
            vrrp.refresh();
        });
        adm.vrrp(vrrp);
        adm.latency(() ->
        {
            final java.util.List<org.HdrHistogram.Histogram[]> out = new java.util.ArrayList<>();
            for (int i = 0; i < workers.count(); i++)
            {
                final dev.jvs.engine.agent.Worker w = workers.worker(i);
                out.add(workers.ask(i, f -> new org.HdrHistogram.Histogram[] {w.latency().ringWait(),
                    w.latency().cycle()}));
            }
            return out;
        });
        adm.sync(() ->
        {
            final ConnSync[] s = syncs;
            return null == s ? null : workers.ask(0, f -> s[0].daemonLine());
        });
        vrrp.onTransition((i, st) -> this.mailer.vrrp(i, st.name()));
        vrrp.roleListener(this::syncRole);
    }

    /** @return what answers the control socket and the metrics endpoint. */
    ControlPlane.Handler adm()
    {
        return adm;
    }

    /** @return the running configuration. */
    KeepalivedConfig running()
    {
        return running;
    }

    /** @return the running checker. */
    HealthChecker checker()
    {
        return checker;
    }

    /** @return the mailer of the running configuration. */
    Mailer mailer()
    {
        return mailer;
    }

    /** @param sd systemd's notification socket, told of reloads and pinged for the watchdog. */
    void notify(final SdNotify sd)
    {
        this.notify = sd;
    }

    /** @param a the VIPs' announcement to the routers, told each second and after health changes. */
    void announcer(final Announcer a)
    {
        this.announcer = a;
    }

    /**
     * Announce the VIPs this director can serve now: a virtual server's address while its quorum is up (and, with
     * VRRP, while this director is master of it). Addresses of fwmark services and groups are not announced.
     */
    private void announce()
    {
        if (null == announcer)
        {
            return;
        }
        final java.util.Set<Integer> vips = new java.util.TreeSet<>();
        final HealthChecker hc = checker;
        for (final VirtualServer vs : running.virtualServers)
        {
            if (0 == vs.fwmark() && null == vs.group() && !vs.ipv6() && hc.quorumUp(vs) && vrrp.serves(vs.vip()))
            {
                vips.add(vs.vip());
            }
        }
        announcer.announce(vips);
    }

    /** Ask for a reload (SIGHUP); any thread. */
    void requestReload()
    {
        reload.set(true);
        wake();
    }

    /**
     * SIGUSR1 (the data) or SIGUSR2 (the statistics): written on the next cycle; any thread.
     *
     * @param stats the statistics rather than the data.
     */
    void requestDump(final boolean stats)
    {
        (stats ? dumpStats : dumpData).set(true);
        wake();
    }

    /** Wake the conductor from its idle park; any thread. */
    void wake()
    {
        final Thread t = thread;
        if (null != t)
        {
            LockSupport.unpark(t);
        }
    }

    /**
     * Start what runs from the conductor: the fanout program, the checker, VRRP and connection sync. On the
     * daemon's thread, before the conductor's own starts.
     */
    void begin(final Routes initial)
    {
        routes = initial;
        nextRoutes = System.currentTimeMillis() + ROUTES_MS;
        fanout.refresh();
        checker.start();
        if (vrrp.isEmpty())
        {
            return;
        }
        setupSync(running.vrrp.syncDaemon());
        haActive.set(false);
        workers.postEach(i -> w ->
        {
            if (0 == i)
            {
                w.resolveAlso(vrrp.instances().stream().flatMapToInt(x ->
                    java.util.Arrays.stream(x.config().unicastPeers())).distinct().toArray());
            }
        });
        acceptVirtualMacs(running);
        vrrp.start(System.currentTimeMillis());
        vrrp.flush();
    }

    @Override
    public void onStart()
    {
        thread = Thread.currentThread();
    }

    @Override
    public int doWork()
    {
        now = System.currentTimeMillis();
        int work = 0;
        notify.watchdog(now);
        if (reload.getAndSet(false))
        {
            try
            {
                reload();
            }
            catch (final ConfigException ex)
            {
                // Logged and counted; SIGHUP has nobody to tell.
            }
            work++;
        }
        if (dumpData.getAndSet(false))
        {
            Dumps.write(settings.dumpDir().resolve("keepalived.data"), Dumps.data(running, vrrp.instances(), checker));
            work++;
        }
        if (dumpStats.getAndSet(false))
        {
            Dumps.write(settings.dumpDir().resolve("keepalived.stats"), Dumps.stats(vrrp.instances()));
            work++;
        }
        work += controlPlane.serve(adm);
        adm.tick(now);
        final HealthChecker hc = checker;
        if (hc.generation() != appliedHealth)
        {
            appliedHealth = hc.generation();
            applyHealth(hc);
            announce();
            work++;
        }
        work += frames.read(onFrame, FRAMES_PER_CYCLE);
        if (!vrrp.isEmpty())
        {
            work += vrrp.onCycle(now);
        }
        // VRRP's adverts and gratuitous ARPs, sent once a cycle as a worker sends its batch.
        vrrp.flush();
        if (now >= nextRoutes)
        {
            nextRoutes = now + ROUTES_MS;
            refreshRoutes();
            announce();
        }
        return work;
    }

    /** Idle: park until the next VRRP deadline, at most the strategy's wait and 10 ms; woken by new work. */
    void await(final int maxMs)
    {
        final long untilDeadline = vrrp.isEmpty() ? Long.MAX_VALUE :
            (vrrp.nextDeadlineMs() - System.currentTimeMillis()) * 1_000_000L;
        final long ns = Math.min(Math.min(maxMs * 1_000_000L, MAX_PARK_NS), untilDeadline);
        if (ns > 0)
        {
            LockSupport.parkNanos(ns);
        }
    }

    /** The kernel's routes again: a change goes to every worker (a real server's port and next hop). */
    private void refreshRoutes()
    {
        final Routes r = KernelRoutes.read(ports);
        if (!r.equals(routes))
        {
            routes = r;
            workers.post(f -> f.routes(r));
            Log.info("routes changed: " + r.routes().size() + " routes by " + ports.size() + " port(s)");
        }
    }

    private void onFrame(final int type, final MutableDirectBuffer b, final int index, final int length)
    {
        final int protocol = type & 0xFF;
        final int port = type >>> ControlFrames.PORT_SHIFT;
        if (VrrpPacket.PROTOCOL == protocol)
        {
            vrrp.onFrame(port, b, index, length, protocol, now);
            return;
        }
        final ConnSync[] s = syncs;
        if (null == s || vrrp.syncRole() || port != syncPort.index())
        {
            return;
        }
        final int off = ConnSync.messageOffset(syncCfg, syncPort.ip(), b, index, length, protocol);
        if (off < 0)
        {
            return;
        }
        // Every worker gets every message and installs its own clients' entries.
        final byte[] message = new byte[ConnSync.messageLength(b, index, length, off)];
        b.getBytes(off, message);
        final long at = now;
        workers.postEach(i -> w -> s[i].receive(message, at));
    }

    private void syncRole(final boolean active)
    {
        haActive.set(active);
        final ConnSync[] s = syncs;
        if (null != s)
        {
            workers.postEach(i -> w -> s[i].master(active));
        }
    }

    /** Health events: one real server at a time; a quorum change re-applies the configuration. */
    private void applyHealth(final HealthChecker hc)
    {
        final KeepalivedConfig kc = running;
        if (hc.takeQuorumChange())
        {
            while (null != hc.pollChange())
            {
                // Covered by the full pass below.
            }
            final long at = System.currentTimeMillis();
            Log.info("health: " + workers.ask(0, f -> ConfigLoader.reconcile(kc, f.services(), neighbors, at, hc)));
            workers.postOthers(f -> ConfigLoader.reconcile(kc, f.services(), neighbors, at, hc));
            return;
        }
        RealServer rs;
        while (null != (rs = hc.pollChange()))
        {
            final RealServer changed = rs;
            Log.info("health: " + workers.ask(0, f -> ConfigLoader.applyHealth(kc, f.services(), changed, hc)));
            workers.postOthers(f -> ConfigLoader.applyHealth(kc, f.services(), changed, hc));
        }
    }

    /** jvs adm --reload, on this thread: the result, or the refusal as the request's error. */
    private String reloadForAdm()
    {
        try
        {
            return reload() + "\n";
        }
        catch (final ConfigException ex)
        {
            throw new dev.jvs.director.adm.AdmRefusal(1, "jvs adm: reload failed, the running configuration stays: " +
                ex.getMessage());
        }
    }

    /**
     * SIGHUP or jvs adm --reload: check the new configuration first; apply only the differences, on every worker.
     *
     * @return what changed, as logged.
     * @throws ConfigException when the file is broken (the running configuration stays).
     */
    private String reload() throws ConfigException
    {
        final KeepalivedConfig kc;
        notify.reloading();
        try
        {
            kc = settings.loadConfig();
        }
        catch (final ConfigException ex)
        {
            Log.info("reload failed, the running configuration stays: " + ex.getMessage());
            final AdmHandler.Reloads r = reloads;
            reloads = new AdmHandler.Reloads(r.ok(), r.failed() + 1, System.currentTimeMillis(), false);
            notify.ready("reload failed, the running configuration stays: " + ex.getMessage());
            throw ex;
        }
        kc.warnings.forEach(w -> Log.info("warning: " + w));
        // The new checker starts from the states the old one found, by virtual and real server.
        final HealthChecker old = checker;
        final HealthChecker next = new HealthChecker(kc, old.states(), Log::info);
        next.haActive(haActive::get);
        next.onTransition((rs, up) ->
        {
            wake();
            mailer.realServer(rs, up);
        });
        old.close();
        checker = next;
        if (!running.globals.lvsTimeouts().equals(kc.globals.lvsTimeouts()))
        {
            final List<Integer> t = kc.globals.lvsTimeouts();
            workers.post(f -> f.config().setTimeouts(t.get(0), t.get(1), t.get(2)));
            Log.info("reload: lvs_timeouts tcp " + t.get(0) + " tcpfin " + t.get(1) + " udp " + t.get(2) +
                " (0: unchanged)");
        }
        running = kc;
        final Mailer oldMailer = mailer;
        mailer = new Mailer(kc.globals, Log::info);
        oldMailer.close();
        appliedHealth = next.generation();
        final long at = System.currentTimeMillis();
        refreshRoutes();
        final String done = "reloaded " + settings.config() + ": " +
            workers.ask(0, f -> ConfigLoader.reconcile(kc, f.services(), neighbors, at, next));
        Log.info(done);
        workers.postOthers(f -> ConfigLoader.reconcile(kc, f.services(), neighbors, at, next));
        next.start();
        fanout.refresh();
        reloadVrrp(kc);
        final AdmHandler.Reloads r = reloads;
        reloads = new AdmHandler.Reloads(r.ok() + 1, r.failed(), System.currentTimeMillis(), true);
        notify.ready(done);
        return done;
    }

    /** The VRRP part of a reload (instances may appear where there were none). */
    private void reloadVrrp(final KeepalivedConfig kc)
    {
        if (!java.util.Objects.equals(kc.vrrp.syncDaemon(), syncDaemon))
        {
            Log.info("reload: lvs_sync_daemon changed");
            setupSync(kc.vrrp.syncDaemon());
        }
        if (vrrp.isEmpty() && kc.vrrp.instances().isEmpty())
        {
            return;
        }
        // The sync daemon apart (set up above), an equal value has nothing for VRRP to do.
        if (kc.vrrp.equals(runningVrrp.withSyncDaemon(kc.vrrp.syncDaemon())))
        {
            vrrp.refresh();
            return;
        }
        runningVrrp = kc.vrrp;
        vrrp.reload(kc.vrrp, System.currentTimeMillis());
        acceptVirtualMacs(kc);
    }

    /** lvs_sync_daemon: one connection sync per worker, in the role VRRP gives this director. */
    private void setupSync(final VrrpConfig.SyncDaemon sd)
    {
        syncDaemon = sd;
        if (null != syncs)
        {
            logSyncSummary();
            workers.postEach(i -> w ->
            {
                frames.tapOf(i).sync(null);
                w.forwarder().syncSink(null);
            });
            syncs = null;
            syncCfg = null;
            frames.syncPort(0);
        }
        if (null == sd)
        {
            return;
        }
        final Port sp = ports.stream().filter(p -> p.name().equals(sd.iface())).findFirst().orElse(null);
        if (null == sp)
        {
            Log.info("warning: lvs_sync_daemon on " + sd.iface() + ": not an interface this director serves (" +
                String.join(", ", ports.stream().map(Port::name).toList()) + "); connection sync is off");
            return;
        }
        vrrp.syncInstance(sd.instance());
        final boolean role = vrrp.syncRole();
        final int n = workers.count();
        final ConnSync[] s = new ConnSync[n];
        for (int i = 0; i < n; i++)
        {
            final int index = i;
            final dev.jvs.engine.agent.Worker w = workers.worker(i);
            // One sync per worker: each sends its own clients' entries and installs its own clients' from
            // every message received. Worker 0's speaks for all in the log.
            s[i] = new ConnSync(sd, w.forwarder(), w.forwarder().config(), w.sender(sp.index()), sp.mac(), sp.ip(),
                sp.mtu(), 0 == i ? Log::info : line -> { });
            if (n > 1)
            {
                s[i].owner(client -> index == fanout.owner(client));
                s[i].owner6((hi, lo) -> index == fanout.owner6(hi, lo));
            }
        }
        workers.postEach(i -> w ->
        {
            frames.tapOf(i).sync(s[i]);
            s[i].master(role);
        });
        syncCfg = sd;
        syncPort = sp;
        syncs = s;
        frames.syncPort(sd.port());
    }

    /** Each worker's connection sync counts, in the log. */
    void logSyncSummary()
    {
        final ConnSync[] s = syncs;
        if (null == s)
        {
            return;
        }
        for (int w = 0; w < s.length; w++)
        {
            final int i = w;
            final String line = workers.ask(i, f -> s[i].summary());
            Log.info(0 == w ? line : "worker " + w + ": " + line);
        }
    }

    /** use_vmac: worker 0's socket (ARP and VRRP land there) makes the interface accept the virtual MACs. */
    private void acceptVirtualMacs(final KeepalivedConfig kc)
    {
        for (final VrrpConfig.Instance i : kc.vrrp.instances())
        {
            if (!i.cfg().useVmac())
            {
                continue;
            }
            final Port p = ports.stream().filter(x -> x.name().equals(i.cfg().iface())).findFirst().orElse(null);
            if (null == p)
            {
                continue;
            }
            final int fd = workers.worker(0).receiverFd(p.index());
            if (Settings.VipMode.ENGINE != settings.vipMode())
            {
                Log.info("warning: VRRP " + i.cfg().name() + ": use_vmac needs --vip-mode engine (the kernel answers " +
                    "ARP from the interface's MAC)");
            }
            else if (fd < 0)
            {
                Log.info("warning: VRRP " + i.cfg().name() + ": use_vmac needs --io afpacket");
            }
            else
            {
                try
                {
                    Sockets.acceptUnicast(fd, p.ifindex(), i.cfg().vmac());
                    Log.info("VRRP " + i.cfg().name() + ": use_vmac, virtual MAC " + Ethernet.macToString(i.cfg().vmac()));
                }
                catch (final PacketIoException ex)
                {
                    Log.info("warning: VRRP " + i.cfg().name() + ": use_vmac: " + ex.getMessage());
                }
            }
        }
    }

    /** @return the frames dropped on their way to the conductor. */
    long framesDropped()
    {
        return frames.dropped();
    }

    /** @return the VRRP agent. */
    VrrpAgent vrrp()
    {
        return vrrp;
    }

    @Override
    public String roleName()
    {
        return "jvs-conductor";
    }
}
