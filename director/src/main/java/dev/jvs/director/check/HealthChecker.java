package dev.jvs.director.check;

import dev.jvs.director.config.Check;
import dev.jvs.director.config.Command;
import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.director.config.RealServer;
import dev.jvs.director.config.VirtualServer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * keepalived's checkers on one thread: non-blocking sockets on a selector and a timer queue, no thread per
 * check. Each kind is a {@link Probe} of its own (TCP_CHECK, HTTP_GET and SSL_GET, SMTP_CHECK, DNS_CHECK,
 * UDP_CHECK, MISC_CHECK and PING_CHECK, FILE_CHECK); this class owns what they share: the servers and their
 * states, quorums, the timers and the thread.
 *
 * <p>Semantics are keepalived's (check_api.c): a failed check is retried {@code retry} times,
 * {@code delay_before_retry} apart, before the real server goes down; a success brings it up at once; a
 * server with several checkers is up when all are; alpha starts it down. One difference, on purpose: the
 * regular checks run on a fixed grid of {@code delay_loop} from the first one, where keepalived waits
 * {@code delay_loop} after each check ends, so 10,000 checks do not drift apart by their own durations.
 *
 * <p>The data plane learns of changes by {@link #generation()}: the conductor re-applies the configuration
 * with {@link #isDown} when it moves, and posts the change to the workers, the only writers of their tables.
 */
public final class HealthChecker implements AutoCloseable, dev.jvs.director.config.Health
{
    private static final long BOOTSTRAP_NS = 1_000_000_000L;

    private final Selector selector;
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final List<Probe> probes = new ArrayList<>();
    private final Map<RealServer, Server> servers = new IdentityHashMap<>();
    /** FILE_CHECK's track files by name. */
    private final Map<String, dev.jvs.director.config.VrrpConfig.TrackFile> trackFiles;
    /** SSL_GET's context from the configuration's SSL block, or null for the default one. */
    private final javax.net.ssl.SSLContext sslContext;
    private final Set<RealServer> down = ConcurrentHashMap.newKeySet();
    /** Virtual servers that have lost their quorum. */
    private final Set<VirtualServer> quorumLost = ConcurrentHashMap.newKeySet();
    /**
     * Real servers whose state or weight changed, for the forwarding thread to apply one by one: a many-to-one
     * ring of references. When it is full the change is not lost: the forwarding thread is asked to re-apply
     * the whole configuration instead, as after a quorum change.
     */
    private final org.agrona.concurrent.ManyToOneConcurrentArrayQueue<RealServer> changes =
        new org.agrona.concurrent.ManyToOneConcurrentArrayQueue<>(1024);
    /** Set when a quorum changed: the forwarding thread then re-applies the whole configuration. */
    private final java.util.concurrent.atomic.AtomicBoolean quorumChanged =
        new java.util.concurrent.atomic.AtomicBoolean();
    /** MISC_CHECK scripts that ended, handed over by their exit callbacks. */
    private final java.util.concurrent.ConcurrentLinkedQueue<ScriptProbe> exited =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final Loop loop = new CheckerLoop();
    private final Consumer<String> log;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 << 10);
    private volatile long generation;
    private volatile boolean running = true;
    private Thread thread;
    private long timerSeq;
    private java.util.function.LongBinaryOperator startListener;
    private volatile java.util.function.BooleanSupplier active = () -> true;
    private volatile java.util.function.BiConsumer<RealServer, Boolean> onTransition = (rs, up) -> { };

    private record Timer(long at, long seq, Probe probe, int epoch, boolean start) implements Comparable<Timer>
    {
        @Override
        public int compareTo(final Timer o)
        {
            return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
        }
    }

    /**
     * Build the checkers of a configuration.
     *
     * @param c the configuration.
     * @param previous states of an earlier checker by {@link #key} (a reload keeps them), or empty.
     * @param log where events go.
     */
    public HealthChecker(final KeepalivedConfig c, final Map<String, Boolean> previous, final Consumer<String> log)
    {
        this.log = log;
        this.sslContext = tls(c.ssl, log);
        this.trackFiles = Map.copyOf(c.vrrp.trackFiles());
        try
        {
            selector = Selector.open();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot open a selector: " + ex.getMessage(), ex);
        }
        final long now = System.nanoTime();
        for (final VirtualServer vs : c.virtualServers)
        {
            for (final RealServer rs : vs.realServers())
            {
                if (rs.checks().isEmpty())
                {
                    continue;
                }
                final Server s = new Server(rs);
                final Boolean was = previous.get(key(rs));
                s.up = null != was ? was : !rs.alpha();
                servers.put(rs, s);
                if (!s.up)
                {
                    down.add(rs);
                }
                for (final Check ch : rs.checks())
                {
                    final Probe p = Probe.of(ch, s, s.up, loop);
                    // Spread the first checks over the bootstrap second so they do not start as one burst.
                    p.gridStart = now + BOOTSTRAP_NS / 2 + (probes.size() * 7919L % 1000) * (BOOTSTRAP_NS / 2000) +
                        (ch.warmupMs() > 0 ? java.util.concurrent.ThreadLocalRandom.current()
                            .nextLong(ch.warmupMs() * 1_000_000L) : 0);
                    s.probes.add(p);
                    probes.add(p);
                    schedule(p.gridStart, p, p.epoch, true);
                }
            }
        }
        // keepalived's set_quorum_states: up when the live weight reaches quorum + hysteresis.
        for (final VirtualServer vs : c.virtualServers)
        {
            if (liveWeight(vs) < vs.quorum() + vs.hysteresis())
            {
                quorumLost.add(vs);
                log.accept("starting with quorum down for " + vs.name() +
                    (null != vs.sorry() ? ": the sorry server " + vs.sorry() + " serves" : ""));
            }
        }
    }

    /** @return "VS/ADDR:PORT", the identity of a real server across reloads. */
    public static String key(final RealServer rs)
    {
        return rs.vs().name() + "/" + rs.address().withPort(rs.port());
    }

    /**
     * One line per checker, in the configuration's order: virtual server, real server, checker and target, the
     * real server's state, and the checker's last settled result with its reason and time (jvs adm --checkers).
     *
     * @param c the configuration this checker was built from.
     * @return the table.
     */
    public String describe(final KeepalivedConfig c)
    {
        final StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-22s %-22s %-32s %-5s %s%n",
            "VirtualServer", "RealServer", "Checker", "State", "Last result"));
        for (final VirtualServer vs : c.virtualServers)
        {
            for (final RealServer rs : vs.realServers())
            {
                final Server s = servers.get(rs);
                final String name = rs.address().withPort(rs.port());
                if (null == s)
                {
                    b.append(String.format(Locale.ROOT, "%-22s %-22s %-32s %-5s %s%n", vs.name(), name, "-", "UP",
                        "no checker"));
                    continue;
                }
                for (final Probe p : s.probes)
                {
                    final long at = p.lastMs;
                    b.append(String.format(Locale.ROOT, "%-22s %-22s %-32s %-5s %s%n", vs.name(), name,
                        p.ch.type() + " " + p.target, down.contains(rs) ? "DOWN" : "UP", 0 == at ? p.lastWhy :
                        (p.lastOk ? "ok" : "failed") + " at " + java.time.Instant.ofEpochMilli(at) + " (" +
                        p.lastWhy + ")"));
                }
            }
        }
        return b.toString();
    }

    /** @return each checked real server's state by {@link #key}, to hand to the checker of a reload. */
    public Map<String, Boolean> states()
    {
        final Map<String, Boolean> m = new HashMap<>();
        for (final Server s : servers.values())
        {
            m.put(key(s.rs), !down.contains(s.rs));
        }
        return m;
    }

    /**
     * @param rs a real server of the configuration this checker was built from.
     * @return true when its checkers hold it down.
     */
    public boolean isDown(final RealServer rs)
    {
        return down.contains(rs);
    }

    /**
     * @param rs a real server of this checker's configuration.
     * @return how many times it went down or up, or -1 when it is not checked.
     */
    public long transitions(final RealServer rs)
    {
        final Server s = servers.get(rs);
        return null == s ? -1 : s.transitions;
    }

    /**
     * @param rs a real server of this checker's configuration.
     * @return its weight as the checks see it: -1 when down, a MISC_CHECK's dynamic weight, else configured.
     */
    @Override
    public int weight(final RealServer rs)
    {
        if (down.contains(rs))
        {
            return -1;
        }
        final Server s = servers.get(rs);
        return null != s && s.dynamicWeight >= 0 ? s.dynamicWeight : rs.weight();
    }

    @Override
    public boolean quorumUp(final VirtualServer vs)
    {
        return !quorumLost.contains(vs);
    }

    private long liveWeight(final VirtualServer vs)
    {
        long sum = 0;
        for (final RealServer rs : vs.realServers())
        {
            sum += Math.max(0, weight(rs));
        }
        return sum;
    }

    /** keepalived's update_quorum_state: gain at quorum + hysteresis, lose below quorum - hysteresis. */
    private void updateQuorum(final VirtualServer vs)
    {
        final boolean up = !quorumLost.contains(vs);
        final long sum = liveWeight(vs);
        final long threshold = vs.quorum() + (up ? -vs.hysteresis() : vs.hysteresis());
        if (!up && sum >= threshold)
        {
            quorumLost.remove(vs);
            log.accept("gained quorum " + vs.quorum() + "+" + vs.hysteresis() + "=" + threshold + " <= " + sum + " for " +
                vs.name() + (0 != vs.sorryAddr() ? ": sorry server out, live real servers back" : ""));
            notifyScript(vs.quorumUp());
            quorumChanged.set(true);
            generation++;
        }
        else if (up && (0 == sum || sum < threshold))
        {
            quorumLost.add(vs);
            log.accept("lost quorum " + vs.quorum() + "-" + vs.hysteresis() + "=" + threshold + " > " + sum + " for " +
                vs.name() + (null != vs.sorry() ? ": the sorry server " + vs.sorry() + " serves" : ""));
            notifyScript(vs.quorumDown());
            quorumChanged.set(true);
            generation++;
        }
    }

    /** Notify scripts run on their own; keepalived does not wait for them either. */
    private void notifyScript(final Command command)
    {
        if (null == command || null != command.disabled())
        {
            return;
        }
        try
        {
            new ProcessBuilder(command.argv(List.of())).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().getOutputStream().close();
        }
        catch (final IOException ex)
        {
            log.accept("cannot run notify script '" + command + "': " + Replies.reason(ex));
        }
    }

    /** @return the next real server whose state changed, or null. */
    public RealServer pollChange()
    {
        return changes.poll();
    }

    /** @return true once after a quorum changed (then re-apply everything). */
    public boolean takeQuorumChange()
    {
        return quorumChanged.getAndSet(false);
    }

    /** Hand a change to the forwarding thread; a full ring becomes a request to re-apply everything. */
    private void announce(final RealServer rs)
    {
        if (!changes.offer(rs))
        {
            quorumChanged.set(true);
        }
    }

    /** The SSL block's context, built here (the reader only checked the material); null: the default one. */
    private static javax.net.ssl.SSLContext tls(final KeepalivedConfig.Ssl ssl, final Consumer<String> log)
    {
        if (null == ssl)
        {
            return null;
        }
        try
        {
            return ssl.context();
        }
        catch (final java.io.IOException | java.security.GeneralSecurityException ex)
        {
            // Read when the file was checked; changed since: SSL_GET runs without a client certificate.
            log.accept("SSL: " + ex.getMessage() + ": SSL_GET checks run without the SSL block's material");
            return null;
        }
    }

    /** @return a number that moves whenever a real server changes state. */
    public long generation()
    {
        return generation;
    }

    /**
     * Watch when checks start against when they were due (benchmarks of timer drift); before {@link #start}.
     *
     * @param listener called on the checker thread with (due, now) in System.nanoTime() terms.
     */
    public void onCheckStart(final java.util.function.LongBinaryOperator listener)
    {
        this.startListener = listener;
    }

    /**
     * Told of every real server's transition (smtp_alert), on the checker thread; must not block.
     *
     * @param listener (real server, up).
     */
    public void onTransition(final java.util.function.BiConsumer<RealServer, Boolean> listener)
    {
        this.onTransition = listener;
    }

    /**
     * ha_suspend: checks of such virtual servers run only while this says the director is active.
     *
     * @param isActive read on the checker thread.
     */
    public void haActive(final java.util.function.BooleanSupplier isActive)
    {
        this.active = isActive;
    }

    /**
     * omega, at the daemon's shutdown (not a reload): run the notify_down of every real server still up and
     * the quorum_down of every virtual server that has its quorum, as keepalived does.
     */
    public void omega()
    {
        for (final Server s : servers.values())
        {
            if (s.rs.vs().omega() && s.up)
            {
                notifyScript(s.rs.notifyDown());
            }
        }
        for (final VirtualServer vs : quorumOwners())
        {
            if (vs.omega() && quorumUp(vs))
            {
                notifyScript(vs.quorumDown());
            }
        }
    }

    private java.util.Set<VirtualServer> quorumOwners()
    {
        final java.util.Set<VirtualServer> set = new java.util.LinkedHashSet<>();
        servers.values().forEach(s -> set.add(s.rs.vs()));
        return set;
    }

    /** Start the checker thread (none when nothing is checked). */
    public void start()
    {
        if (probes.isEmpty())
        {
            return;
        }
        thread = new Thread(this::run, "jvs-checker");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close()
    {
        running = false;
        selector.wakeup();
        if (null != thread)
        {
            try
            {
                thread.join(5000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        for (final Probe p : probes)
        {
            p.close();
        }
        try
        {
            selector.close();
        }
        catch (final IOException ignored)
        {
            // Nothing to do at shutdown.
        }
    }

    private void run()
    {
        try
        {
            while (running)
            {
                final Timer first = timers.peek();
                final long wait = null == first ? 1000 : Math.max(1, (first.at - System.nanoTime()) / 1_000_000L + 1);
                selector.select(wait);
                final long now = System.nanoTime();
                for (final SelectionKey k : selector.selectedKeys())
                {
                    if (k.isValid())
                    {
                        ((Probe)k.attachment()).ready(k, now);
                    }
                }
                selector.selectedKeys().clear();
                ScriptProbe ended;
                while (null != (ended = exited.poll()))
                {
                    ended.ended(now);
                }
                expire(now);
            }
        }
        catch (final IOException | ClosedSelectorException ex)
        {
            if (running)
            {
                log.accept("checker stopped: " + ex);
            }
        }
    }

    private void expire(final long now)
    {
        Timer t;
        while (null != (t = timers.peek()) && t.at - now <= 0)
        {
            timers.poll();
            final Probe p = t.probe;
            if (t.epoch != p.epoch)
            {
                continue;
            }
            if (t.start && p.server.rs.vs().haSuspend() && !active.getAsBoolean())
            {
                // ha_suspend: not the active director: skip this round, keep the state, stay on the grid.
                final long period = Math.max(1, p.ch.delayLoopMs()) * 1_000_000L;
                schedule(p.gridStart + ((now - p.gridStart) / period + 1) * period, p, p.epoch, true);
                continue;
            }
            if (t.start)
            {
                if (null != startListener)
                {
                    startListener.applyAsLong(t.at, now);
                }
                p.start(now);
            }
            else if (p.deadline - now > 0)
            {
                schedule(p.deadline, p, p.epoch, false);
            }
            else
            {
                p.timeout(now);
            }
        }
    }

    private void schedule(final long at, final Probe p, final int epoch, final boolean start)
    {
        timers.add(new Timer(at, timerSeq++, p, epoch, start));
    }

    private void changed(final Server s)
    {
        boolean up = true;
        for (final Probe p : s.probes)
        {
            up &= p.up;
        }
        if (up == s.up)
        {
            return;
        }
        s.up = up;
        s.transitions++;
        if (up)
        {
            down.remove(s.rs);
        }
        else
        {
            down.add(s.rs);
        }
        // After the state it announces: the forwarding thread reads the state when it takes the change.
        announce(s.rs);
        generation++;
        log.accept("real server " + s.name + " is " + (up ? "UP: added back" :
            "DOWN: " + (s.rs.inhibitOnFailure() ? "weight 0 (inhibit_on_failure)" : "removed")));
        notifyScript(up ? s.rs.notifyUp() : s.rs.notifyDown());
        onTransition.accept(s.rs, up);
        updateQuorum(s.rs.vs());
    }

    /** What the checkers use of this thread. */
    private final class CheckerLoop implements Loop
    {
        @Override
        public Selector selector()
        {
            return selector;
        }

        @Override
        public void schedule(final long at, final Probe p, final int epoch, final boolean start)
        {
            HealthChecker.this.schedule(at, p, epoch, start);
        }

        @Override
        public void changed(final Server s)
        {
            HealthChecker.this.changed(s);
        }

        @Override
        public void dynamicWeight(final Server s, final int weight, final String line)
        {
            s.dynamicWeight = weight;
            log.accept(line);
            announce(s.rs);
            generation++;
            updateQuorum(s.rs.vs());
        }

        @Override
        public void log(final String line)
        {
            log.accept(line);
        }

        @Override
        public ByteBuffer readBuffer()
        {
            return readBuffer;
        }

        @Override
        public void exited(final ScriptProbe p)
        {
            exited.add(p);
            selector.wakeup();
        }

        @Override
        public javax.net.ssl.SSLContext sslContext()
        {
            return null != sslContext ? sslContext : Replies.tlsContext();
        }

        @Override
        public dev.jvs.director.config.VrrpConfig.TrackFile trackFile(final String name)
        {
            return trackFiles.get(name);
        }
    }
}
