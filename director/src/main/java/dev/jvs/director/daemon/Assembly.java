package dev.jvs.director.daemon;

import dev.jvs.director.check.HealthChecker;
import dev.jvs.director.config.ConfigLoader;
import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.engine.Counters;
import dev.jvs.engine.EngineConfig;
import dev.jvs.engine.Forwarder;
import dev.jvs.engine.Neighbors;
import dev.jvs.engine.Ownership;
import dev.jvs.engine.agent.Pipeline;
import dev.jvs.engine.agent.Worker;
import dev.jvs.engine.agent.Workers;
import dev.jvs.engine.conn.ConnectionTable;
import dev.jvs.engine.io.Fanout;
import dev.jvs.engine.io.PacketIoException;
import dev.jvs.engine.io.PcapIo;
import dev.jvs.engine.io.Receiver;
import dev.jvs.engine.io.RxRing;
import dev.jvs.engine.io.RxRingV3;
import dev.jvs.engine.io.Sender;
import dev.jvs.engine.io.Transmitter;
import dev.jvs.engine.io.TxRing;
import dev.jvs.engine.os.LibC;
import dev.jvs.engine.service.CountBoard;
import dev.jvs.engine.service.ServiceTable;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Builds the forwarding side of a director from its settings, port and configuration: one forwarder per
 * worker (its own services, connection table and counters, the configuration applied and reconciled with the
 * checker's first states), its sockets, the fanout group that shares the interface among them, and each
 * worker's tap to the conductor. Nothing runs yet; nothing is left open when it fails.
 */
final class Assembly
{
    private static final int TX_SLOTS = 256;
    private static final int PIPELINE_RING_BYTES = 16 << 20;

    private final Settings settings;
    private final List<Port> ports;
    private final Neighbors neighbors = new Neighbors();
    private final SecureRandom seed = new SecureRandom();
    private Settings.TxMode txMode;
    private Pipeline pipeline;

    Assembly(final Settings settings, final List<Port> ports)
    {
        this.settings = settings;
        this.ports = List.copyOf(ports);
        this.txMode = settings.tx();
    }

    /** @return the neighbour table every worker shares (real servers' and VRRP peers' MACs). */
    Neighbors neighbors()
    {
        return neighbors;
    }

    /** @return how frames are sent after all (a refused TX ring falls back to sendmmsg). */
    Settings.TxMode txMode()
    {
        return txMode;
    }

    /** @return the pipeline's threads, or null. */
    Pipeline pipeline()
    {
        return pipeline;
    }

    /** @return the engine configuration from the settings, port and keepalived.conf's global_defs. */
    EngineConfig engineConfig(final KeepalivedConfig kc)
    {
        final EngineConfig cfg = new EngineConfig();
        cfg.answerArp = Settings.VipMode.ENGINE == settings.vipMode();
        // global_defs lvs_timeouts, as keepalived sets them in IPVS (ipvsadm --set).
        cfg.setTimeouts(kc.globals.lvsTimeouts().get(0), kc.globals.lvsTimeouts().get(1), kc.globals.lvsTimeouts().get(2));
        // IPVS's sysctls, with the kernel's defaults where not set (sloppy_tcp 0, pmtu_disc 1, ...).
        final java.util.Map<String, Integer> vs = settings.vsSysctls();
        cfg.sloppyTcp = 1 == vs.getOrDefault("sloppy_tcp", 0);
        cfg.expireNodestConn = 1 == vs.getOrDefault("expire_nodest_conn", 0);
        cfg.expireQuiescentTemplate = 1 == vs.getOrDefault("expire_quiescent_template", 0);
        // secure_tcp 1 and 2 switch the defence on under memory pressure, which a fixed table does not have:
        // only 3 (always) turns it on.
        cfg.secureTcp = 3 == vs.getOrDefault("secure_tcp", 0);
        cfg.pmtuDisc = 1 == vs.getOrDefault("pmtu_disc", 1);
        final int n = ports.size();
        final long[] macs = new long[n];
        final int[] ips = new int[n];
        final int[] mtus = new int[n];
        for (final Port p : ports)
        {
            macs[p.index()] = p.mac();
            ips[p.index()] = p.ip();
            mtus[p.index()] = p.mtu();
        }
        cfg.ports(macs, ips, mtus);
        cfg.ports6(ports.stream().sorted(java.util.Comparator.comparingInt(Port::index)).map(Port::ip6)
            .toArray(dev.jvs.engine.frame.IpAddress[]::new));
        return cfg;
    }

    /**
     * Make every worker.
     *
     * @param kc the configuration.
     * @param checker the checker (servers start down until it says otherwise, as keepalived's alpha).
     * @param frames the conductor's inbound control frames.
     * @param routes the routes to forward by.
     * @return the workers, not started.
     * @throws PacketIoException when a socket cannot be made or joined.
     */
    Workers build(final KeepalivedConfig kc, final HealthChecker checker, final ControlFrames frames,
        final dev.jvs.engine.Routes routes) throws PacketIoException
    {
        final int n = settings.workers();
        final CountBoard board = n > 1 ? new CountBoard(n) : null;
        final EngineConfig cfg = engineConfig(kc);
        final boolean gated = kc.vrrp.instances().stream().anyMatch(i ->
            ports.stream().anyMatch(p -> p.name().equals(i.cfg().iface())));
        final List<Worker> made = new ArrayList<>();
        try
        {
            for (int i = 0; i < n; i++)
            {
                final long now = System.currentTimeMillis();
                final ServiceTable st = new ServiceTable(new SplittableRandom(seed.nextLong())::nextInt);
                if (null != board)
                {
                    st.share(board, i);
                }
                ConfigLoader.apply(kc, st, neighbors, -1, now);
                ConfigLoader.reconcile(kc, st, neighbors, now, checker);
                final Forwarder f = new Forwarder(0 == i ? cfg : cfg.copy(), st,
                    new ConnectionTable(settings.capacity() / n, seed.nextLong(), now), neighbors, new Counters());
                if (gated)
                {
                    // Closed until VRRP says otherwise.
                    f.own(Ownership.CLOSED);
                }
                f.routes(routes);
                final Worker w = worker(f);
                made.add(w);
                final int index = i;
                w.setUp(i, () -> onStart(index), ex -> Log.info("worker error: " + ex));
                // ARP answers come to worker 0 only: it asks for the real servers' MACs.
                w.resolving(0 == i);
                w.tap(frames.tap());
            }
            if (n > 1)
            {
                // One fanout group per port, its interface's index as its id.
                for (final Worker w : made)
                {
                    for (final Port p : ports)
                    {
                        Fanout.join(w.receiverFd(p.index()), p.ifindex());
                    }
                }
            }
        }
        catch (final PacketIoException | RuntimeException ex)
        {
            made.forEach(Worker::onClose);
            if (null != pipeline)
            {
                pipeline.close();
            }
            throw ex;
        }
        return new Workers(made);
    }

    private Worker worker(final Forwarder f) throws PacketIoException
    {
        final Port first = ports.get(0);
        if (Settings.Io.PCAP == settings.io())
        {
            final PcapIo pcap = new PcapIo(first.name());
            return new Worker(f, pcap, pcap, neighbors, first.mtu());
        }
        if (settings.pipelined())
        {
            final Receiver rx = receiver(first);
            try
            {
                // Capture, forward and transmit on three threads joined by ring buffers (16 MiB each way).
                pipeline = new Pipeline(rx, sender(first), PIPELINE_RING_BYTES, settings.idle());
                return new Worker(f, pipeline.receiver(), pipeline.sender(), neighbors, first.mtu());
            }
            catch (final PacketIoException | RuntimeException ex)
            {
                rx.close();
                throw ex;
            }
        }
        final int n = ports.size();
        final Receiver[] rx = new Receiver[n];
        final Sender[] tx = new Sender[n];
        final int[] mtus = new int[n];
        try
        {
            for (final Port p : ports)
            {
                rx[p.index()] = receiver(p);
                tx[p.index()] = sender(p);
                mtus[p.index()] = p.mtu();
            }
            return new Worker(f, rx, tx, neighbors, mtus);
        }
        catch (final PacketIoException | RuntimeException ex)
        {
            for (int i = 0; i < n; i++)
            {
                if (null != rx[i])
                {
                    rx[i].close();
                }
                if (null != tx[i])
                {
                    tx[i].close();
                }
            }
            throw ex;
        }
    }

    private Receiver receiver(final Port port) throws PacketIoException
    {
        return Settings.RingVersion.V3 == settings.ring() ?
            new RxRingV3(port.ifindex(), settings.blockSize(), Math.max(2, settings.ringFrames() * 2048 /
                settings.blockSize()), 1) :
            new RxRing(port.ifindex(), 2048, settings.ringFrames());
    }

    private Sender sender(final Port port) throws PacketIoException
    {
        if (Settings.TxMode.RING == txMode)
        {
            try
            {
                return new TxRing(port.ifindex(), TX_SLOTS);
            }
            catch (final PacketIoException ex)
            {
                // A kernel or device that refuses the ring's setup: the same copy by sendmmsg.
                Log.info("warning: no TX ring (" + ex.getMessage() + "): sending with sendmmsg");
                txMode = Settings.TxMode.SENDMMSG;
            }
        }
        return new Transmitter(port.ifindex(), TX_SLOTS);
    }

    /** First on a worker's thread: its priority, scheduling class and CPU, as the settings ask. */
    private void onStart(final int index)
    {
        if (0 != settings.nice() && LibC.setpriority(0, 0, settings.nice()) < 0)
        {
            Log.info("warning: cannot set nice " + settings.nice() + ": " + LibC.strerror(LibC.errno()));
        }
        if (0 != settings.rtPriority())
        {
            final String why = LibC.realtime(settings.rtPriority());
            if (null != why)
            {
                Log.info("warning: " + (0 == index ? "cannot" : "worker " + index + " cannot") + " set SCHED_FIFO " +
                    settings.rtPriority() + ": " + why);
            }
        }
        final int[] cpus = settings.cpus();
        if (null != cpus && cpus.length > 0)
        {
            final int cpu = cpus[index % cpus.length];
            final String why = LibC.pin(cpu);
            Log.info(null == why ? "worker " + index + " on CPU " + cpu :
                "warning: cannot pin worker " + index + " to CPU " + cpu + ": " + why);
        }
    }
}
