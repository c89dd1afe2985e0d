package dev.jvs.director.check;

import dev.jvs.director.config.Command;
import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.director.config.KeepalivedConfig.Check;
import dev.jvs.director.config.KeepalivedConfig.RealServer;
import dev.jvs.engine.frame.Ipv4;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * keepalived's checkers (TCP_CHECK, HTTP_GET, SSL_GET, SMTP_CHECK, DNS_CHECK, UDP_CHECK, MISC_CHECK) on one thread: non-blocking sockets on a selector and a timer
 * queue, no thread per check.
 *
 * <p>Semantics are keepalived's (check_tcp.c, check_http.c): a failed check is retried {@code retry} times,
 * {@code delay_before_retry} apart, before the real server goes down; a success brings it up at once; a
 * server with several checkers is up when all are; alpha starts it down. One difference, on purpose: the
 * regular checks run on a fixed grid of {@code delay_loop} from the first one, where keepalived waits
 * {@code delay_loop} after each check ends, so 10,000 checks do not drift apart by their own durations.
 *
 * <p>The data plane learns of changes by {@link #generation()}: the forwarding thread re-applies the
 * configuration with {@link #isDown} when it moves, so only that thread ever writes the service table.
 */
public final class HealthChecker implements AutoCloseable, dev.jvs.director.config.Health
{
    private static final long BOOTSTRAP_NS = 1_000_000_000L;
    private static final int MAX_RESPONSE = 16 << 20;

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
    private final Set<KeepalivedConfig.VirtualServer> quorumLost = ConcurrentHashMap.newKeySet();
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
    private final java.util.concurrent.ConcurrentLinkedQueue<Probe> exited = new java.util.concurrent.ConcurrentLinkedQueue<>();
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

    /** A real server and how many of its checkers are up. */
    private static final class Server
    {
        final RealServer rs;
        final String name;
        final List<Probe> probes = new ArrayList<>();
        boolean up;
        volatile long transitions;
        /** Weight set by a MISC_CHECK with misc_dynamic, or -1. */
        volatile int dynamicWeight = -1;

        Server(final RealServer rs)
        {
            this.rs = rs;
            this.name = Ipv4.toString(rs.addr) + ":" + rs.port + " of " + rs.vs.name();
        }
    }

    /** One checker of one real server, with its attempt in flight. */
    private final class Probe
    {
        final Check ch;
        final Server server;
        final String target;
        boolean up;
        int retryIt;
        long gridStart;
        int epoch;
        long deadline;
        int url;
        /** SMTP_CHECK: 0 awaiting the 220 greeting, 1 awaiting the 250 to HELO. */
        int smtpStep;
        SocketChannel chan;
        java.nio.channels.DatagramChannel udp;
        javax.net.ssl.SSLEngine ssl;
        ByteBuffer netIn;
        ByteBuffer netOut;
        ByteBuffer appIn;
        int dnsId;
        Process process;
        ByteBuffer request;
        byte[] response = new byte[0];
        int responseLength;

        Probe(final Check ch, final Server server, final boolean up)
        {
            this.ch = ch;
            this.server = server;
            this.up = up;
            this.target = "MISC_CHECK".equals(ch.type) ? "'" + ch.miscPath + "'" :
                "FILE_CHECK".equals(ch.type) ? "track_file " + ch.trackFile :
                "PING_CHECK".equals(ch.type) ? "ping " + Ipv4.toString(ch.connectIp) :
                Ipv4.toString(ch.connectIp) + ":" + ch.connectPort;
        }

        void start(final long now)
        {
            epoch++;
            url = 0;
            if ("MISC_CHECK".equals(ch.type) || "PING_CHECK".equals(ch.type))
            {
                spawn(now);
            }
            else if ("FILE_CHECK".equals(ch.type))
            {
                readFile(now);
            }
            else if ("DNS_CHECK".equals(ch.type) || "UDP_CHECK".equals(ch.type))
            {
                query(now);
            }
            else
            {
                connect(now);
            }
        }

        /** DNS_CHECK: one UDP query with recursion desired, as keepalived's check_dns.c sends. */
        void query(final long now)
        {
            try
            {
                udp = java.nio.channels.DatagramChannel.open();
                udp.configureBlocking(false);
                if (0 != ch.bindIp || 0 != ch.bindPort)
                {
                    udp.bind(new InetSocketAddress(inet(ch.bindIp), ch.bindPort));
                }
                udp.connect(new InetSocketAddress(inet(ch.connectIp), ch.connectPort));
                if ("UDP_CHECK".equals(ch.type))
                {
                    udp.write(ByteBuffer.wrap(ch.udpPayload));
                }
                else
                {
                    dnsId = java.util.concurrent.ThreadLocalRandom.current().nextInt(0x10000);
                    udp.write(ByteBuffer.wrap(dnsQuery(dnsId, ch.dnsName, ch.dnsType)));
                }
                arm(now);
                udp.register(selector, SelectionKey.OP_READ, this);
            }
            catch (final IOException | IllegalArgumentException ex)
            {
                finish(now, false, ch.type + ": " + (ex instanceof IOException io ? reason(io) : ex.getMessage()));
            }
        }

        void dnsAnswer(final long now) throws IOException
        {
            readBuffer.clear();
            // A connected datagram channel reports the ICMP port unreachable as PortUnreachableException.
            final int n = udp.read(readBuffer);
            if (n <= 0)
            {
                return;
            }
            if ("UDP_CHECK".equals(ch.type))
            {
                final String failure = judgeUdp(ch, readBuffer, n);
                finish(now, null == failure, null == failure ? "UDP reply" : failure);
                return;
            }
            final String failure = judgeDns(readBuffer, n, dnsId);
            if (null == failure)
            {
                finish(now, true, "DNS answer");
            }
            else if (!failure.isEmpty())
            {
                finish(now, false, failure);
            }
            // Empty: not our answer (another ID); keep waiting until the deadline.
        }

        /** MISC_CHECK: the script runs on its own; its exit is handed to the checker thread. */
        void spawn(final long now)
        {
            try
            {
                process = new ProcessBuilder(ch.misc.argv(List.of())).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
                process.getOutputStream().close();
                deadline = now + ch.miscTimeoutMs * 1_000_000L;
                schedule(deadline, this, epoch, false);
                final Process p = process;
                p.onExit().thenRun(() ->
                {
                    exited.add(this);
                    selector.wakeup();
                });
            }
            catch (final IOException ex)
            {
                finish(now, false, "cannot run '" + ch.miscPath + "': " + reason(ex));
            }
        }

        /**
         * FILE_CHECK: the track_file's number times the weight. Weight 0: non-zero is down. Otherwise the result
         * is added to the real server's weight with {@code dynamic}, and a negative total is down.
         */
        void readFile(final long now)
        {
            final dev.jvs.director.config.VrrpConfig.TrackFile f = trackFiles.get(ch.trackFile);
            final long value = f.value();
            final int w = null != ch.fileWeight ? ch.fileWeight : f.weight;
            final boolean reverse = null != ch.fileWeight ? ch.fileReverse : f.reverse;
            if (0 == w)
            {
                finish(now, 0 == value, "track_file " + f.name + " reads " + value);
                return;
            }
            final long total = server.rs.weight + value * w * (reverse ? -1 : 1);
            if (ch.fileDynamic && total >= 0)
            {
                final int nw = (int)Math.min(Integer.MAX_VALUE, total);
                if (server.dynamicWeight != nw)
                {
                    server.dynamicWeight = nw;
                    log.accept("checker FILE_CHECK for " + server.name + ": weight " + nw + " (track_file " + f.name +
                        " reads " + value + ")");
                    announce(server.rs);
                    generation++;
                    updateQuorum(server.rs.vs);
                }
            }
            finish(now, total >= 0, "track_file " + f.name + " reads " + value);
        }

        /** keepalived's misc_check semantics: 0 good, 1 bad, 2-255 good with weight status - 2 (misc_dynamic). */
        void scriptEnded(final long now)
        {
            final Process p = process;
            if (null == p || p.isAlive())
            {
                return;
            }
            process = null;
            final int status = p.exitValue();
            if (0 == status)
            {
                finish(now, true, "exit status 0");
            }
            else if (ch.miscDynamic && status >= 2 && status <= 255)
            {
                final int w = status - 2;
                if (server.dynamicWeight != w)
                {
                    server.dynamicWeight = w;
                    log.accept("checker MISC_CHECK for " + server.name + ": weight " + w + " (exit status " + status +
                        ")");
                    announce(server.rs);
                    generation++;
                    updateQuorum(server.rs.vs);
                }
                finish(now, true, "exit status " + status);
            }
            else
            {
                finish(now, false, "exit status " + status + " of '" + ch.miscPath + "'");
            }
        }

        void connect(final long now)
        {
            try
            {
                chan = SocketChannel.open();
                chan.configureBlocking(false);
                chan.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (0 != ch.bindIp || 0 != ch.bindPort)
                {
                    chan.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    chan.bind(new InetSocketAddress(inet(ch.bindIp), ch.bindPort));
                }
                final boolean done = chan.connect(new InetSocketAddress(inet(ch.connectIp), ch.connectPort));
                arm(now);
                if (done)
                {
                    connected(now);
                }
                else
                {
                    chan.register(selector, SelectionKey.OP_CONNECT, this);
                }
            }
            catch (final IOException ex)
            {
                finish(now, false, "connect: " + reason(ex));
            }
        }

        void arm(final long now)
        {
            deadline = now + ch.connectTimeoutMs * 1_000_000L;
            schedule(deadline, this, epoch, false);
        }

        void ready(final SelectionKey key, final long now)
        {
            try
            {
                if (key.isConnectable())
                {
                    chan.finishConnect();
                    connected(now);
                }
                else if (null != ssl)
                {
                    deadline = now + ch.connectTimeoutMs * 1_000_000L;
                    tlsPump(now);
                }
                else if (key.isWritable())
                {
                    chan.write(request);
                    deadline = now + ch.connectTimeoutMs * 1_000_000L;
                    if (!request.hasRemaining())
                    {
                        key.interestOps(SelectionKey.OP_READ);
                    }
                }
                else if (key.isReadable())
                {
                    if (null != udp)
                    {
                        dnsAnswer(now);
                    }
                    else
                    {
                        readSome(now);
                    }
                }
            }
            catch (final IOException ex)
            {
                finish(now, false, reason(ex));
            }
        }

        void connected(final long now) throws IOException
        {
            if ("TCP_CHECK".equals(ch.type))
            {
                finish(now, true, "connected");
                return;
            }
            if ("SMTP_CHECK".equals(ch.type))
            {
                // keepalived's dialogue (check_smtp.c): greeting 220, HELO answered 250, QUIT.
                smtpStep = 0;
                responseLength = 0;
                chan.register(selector, SelectionKey.OP_READ, this);
                return;
            }
            final KeepalivedConfig.Url u = ch.urls.get(url);
            final String host = (null != ch.virtualhost ? ch.virtualhost : Ipv4.toString(ch.connectIp)) +
                (("SSL_GET".equals(ch.type) ? 443 : 80) == ch.connectPort ? "" : ":" + ch.connectPort);
            // keepalived's request (check_http.c request_template, HTTP/1.0), so servers log and answer it the same way.
            request = ByteBuffer.wrap(("GET " + u.path() + " HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: " +
                host + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            responseLength = 0;
            if ("SSL_GET".equals(ch.type))
            {
                // keepalived verifies no certificate unless told to: the check is of the service, not of trust.
                ssl = (null != sslContext ? sslContext : tlsContext()).createSSLEngine(null != ch.virtualhost ? ch.virtualhost :
                    Ipv4.toString(ch.connectIp), ch.connectPort);
                ssl.setUseClientMode(true);
                final int packet = ssl.getSession().getPacketBufferSize();
                netIn = ByteBuffer.allocate(packet);
                netOut = ByteBuffer.allocate(packet);
                appIn = ByteBuffer.allocate(ssl.getSession().getApplicationBufferSize());
                ssl.beginHandshake();
                tlsPump(now);
                return;
            }
            chan.register(selector, SelectionKey.OP_WRITE, this);
        }

        /**
         * Drive TLS as far as the socket allows: handshake, the request, then the response until the server
         * closes. netIn and netOut stay in write mode between calls.
         */
        void tlsPump(final long now) throws IOException
        {
            final ByteBuffer none = ByteBuffer.allocate(0);
            while (null != ssl)
            {
                if (netOut.position() > 0)
                {
                    netOut.flip();
                    chan.write(netOut);
                    netOut.compact();
                    if (netOut.position() > 0)
                    {
                        chan.register(selector, SelectionKey.OP_WRITE, this);
                        return;
                    }
                }
                final javax.net.ssl.SSLEngineResult.HandshakeStatus hs = ssl.getHandshakeStatus();
                if (javax.net.ssl.SSLEngineResult.HandshakeStatus.NEED_TASK == hs)
                {
                    Runnable task;
                    while (null != (task = ssl.getDelegatedTask()))
                    {
                        task.run();
                    }
                    continue;
                }
                if (javax.net.ssl.SSLEngineResult.HandshakeStatus.NEED_WRAP == hs)
                {
                    ssl.wrap(none, netOut);
                    continue;
                }
                final boolean handshaking = javax.net.ssl.SSLEngineResult.HandshakeStatus.NEED_UNWRAP == hs ||
                    javax.net.ssl.SSLEngineResult.HandshakeStatus.NEED_UNWRAP_AGAIN == hs;
                if (!handshaking && request.hasRemaining())
                {
                    ssl.wrap(request, netOut);
                    continue;
                }
                netIn.flip();
                final javax.net.ssl.SSLEngineResult r = ssl.unwrap(netIn, appIn);
                netIn.compact();
                appIn.flip();
                if (!append(appIn, now))
                {
                    return;
                }
                appIn.clear();
                if (javax.net.ssl.SSLEngineResult.Status.CLOSED == r.getStatus())
                {
                    if (handshaking)
                    {
                        finish(now, false, "TLS closed during the handshake");
                    }
                    else
                    {
                        responseComplete(now);
                    }
                    return;
                }
                if (javax.net.ssl.SSLEngineResult.Status.BUFFER_UNDERFLOW == r.getStatus() ||
                    0 == r.bytesConsumed() && 0 == r.bytesProduced())
                {
                    final int got = chan.read(netIn);
                    if (0 == got)
                    {
                        chan.register(selector, SelectionKey.OP_READ, this);
                        return;
                    }
                    if (got < 0)
                    {
                        if (handshaking)
                        {
                            finish(now, false, "connection closed during the TLS handshake");
                        }
                        else
                        {
                            responseComplete(now);
                        }
                        return;
                    }
                }
            }
        }

        /** Take what a read brought into the response; false (and the check failed) when it grows too big. */
        boolean append(final ByteBuffer src, final long now)
        {
            final int n = src.remaining();
            if (responseLength + n > MAX_RESPONSE)
            {
                finish(now, false, "response larger than " + MAX_RESPONSE + " bytes");
                return false;
            }
            if (response.length < responseLength + n)
            {
                response = java.util.Arrays.copyOf(response, Math.max(responseLength + n, response.length * 2));
            }
            src.get(response, responseLength, n);
            responseLength += n;
            return true;
        }

        /** The server has closed: judge this URL, then go on to the next one or conclude. */
        void responseComplete(final long now) throws IOException
        {
            final String failure = judge(ch.urls.get(url), response, responseLength);
            if (null != failure)
            {
                finish(now, false, failure);
            }
            else if (++url < ch.urls.size())
            {
                close();
                connect(now);
            }
            else
            {
                finish(now, true, "HTTP status and digest good");
            }
        }

        void readSome(final long now) throws IOException
        {
            readBuffer.clear();
            final int n = chan.read(readBuffer);
            deadline = now + ch.connectTimeoutMs * 1_000_000L;
            if (n > 0)
            {
                readBuffer.flip();
                if (!append(readBuffer, now))
                {
                    return;
                }
                if ("SMTP_CHECK".equals(ch.type))
                {
                    smtpReply(now);
                }
                return;
            }
            if ("SMTP_CHECK".equals(ch.type))
            {
                finish(now, false, "SMTP server closed the connection");
                return;
            }
            if (n < 0)
            {
                responseComplete(now);
            }
        }

        /** Act on a complete SMTP reply: the last line of a multi-line one is "NNN text". */
        void smtpReply(final long now) throws IOException
        {
            final String text = new String(response, 0, responseLength, StandardCharsets.ISO_8859_1);
            if (!text.endsWith("\n"))
            {
                return;
            }
            final String[] lines = text.split("\r?\n");
            final String last = lines[lines.length - 1];
            if (last.length() >= 4 && '-' == last.charAt(3))
            {
                return;
            }
            final String code = last.length() >= 3 ? last.substring(0, 3) : last;
            responseLength = 0;
            if (0 == smtpStep)
            {
                if (!"220".equals(code))
                {
                    finish(now, false, "SMTP greeting '" + last.strip() + "'");
                    return;
                }
                smtpStep = 1;
                request = ByteBuffer.wrap(("HELO " + ch.heloName + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                chan.register(selector, SelectionKey.OP_WRITE, this);
            }
            else if (!"250".equals(code))
            {
                finish(now, false, "SMTP reply '" + last.strip() + "' to HELO");
            }
            else
            {
                // QUIT is a courtesy: the verdict is in; a server that does not read it loses nothing.
                chan.write(ByteBuffer.wrap("QUIT\r\n".getBytes(StandardCharsets.ISO_8859_1)));
                finish(now, true, "SMTP HELO answered 250");
            }
        }

        void timeout(final long now)
        {
            if (null != process)
            {
                final Process p = process;
                process = null;
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                finish(now, false, "script timeout after " + ch.miscTimeoutMs + " ms");
                return;
            }
            if ("UDP_CHECK".equals(ch.type) && !ch.requireReply)
            {
                // keepalived's UDP_CHECK without require_reply: silence (no ICMP error) is success.
                finish(now, true, "no ICMP error within " + ch.connectTimeoutMs + " ms");
                return;
            }
            finish(now, false, "timeout after " + ch.connectTimeoutMs + " ms");
        }

        void close()
        {
            if (null != ssl)
            {
                ssl = null;
                netIn = null;
                netOut = null;
                appIn = null;
            }
            if (null != udp)
            {
                try
                {
                    udp.close();
                }
                catch (final IOException ignored)
                {
                    // Nothing more to learn.
                }
                udp = null;
            }
            if (null != chan)
            {
                try
                {
                    chan.close();
                }
                catch (final IOException ignored)
                {
                    // Closing a failed socket: nothing more to learn.
                }
                chan = null;
            }
        }

        /** keepalived's epilog: retry, or settle the state and wait for the next regular check. */
        void finish(final long now, final boolean ok, final String why)
        {
            close();
            epoch++;
            if (response.length > 65536)
            {
                response = new byte[0];
            }
            final long next;
            if (ok || retryIt >= ch.retry)
            {
                if (ok && !up)
                {
                    up = true;
                    log.accept("checker " + ch.type + " " + target + " for " + server.name + ": success (" + why + ")");
                    changed(server);
                }
                else if (!ok && up)
                {
                    up = false;
                    log.accept("checker " + ch.type + " " + target + " for " + server.name + ": failed " +
                        (ch.retry > 0 ? "after " + ch.retry + " retries " : "") + "(" + why + ")");
                    changed(server);
                }
                retryIt = 0;
                final long period = ch.delayLoopMs * 1_000_000L;
                // The next point of the grid after now: fixed start, no drift from check durations.
                next = period <= 0 ? now : gridStart + ((now - gridStart) / period + 1) * period;
            }
            else
            {
                retryIt++;
                next = now + ch.delayBeforeRetryMs * 1_000_000L;
            }
            schedule(next, this, epoch, true);
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
        this.sslContext = null != c.ssl ? c.ssl.context() : null;
        this.trackFiles = Map.copyOf(c.vrrp.trackFiles);
        try
        {
            selector = Selector.open();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot open a selector: " + ex.getMessage(), ex);
        }
        final long now = System.nanoTime();
        for (final KeepalivedConfig.VirtualServer vs : c.virtualServers)
        {
            for (final RealServer rs : vs.realServers)
            {
                if (rs.checks.isEmpty())
                {
                    continue;
                }
                final Server s = new Server(rs);
                final Boolean was = previous.get(key(rs));
                s.up = null != was ? was : !rs.alpha;
                servers.put(rs, s);
                if (!s.up)
                {
                    down.add(rs);
                }
                for (final Check ch : rs.checks)
                {
                    final Probe p = new Probe(ch, s, s.up);
                    // Spread the first checks over the bootstrap second so they do not start as one burst.
                    p.gridStart = now + BOOTSTRAP_NS / 2 + (probes.size() * 7919L % 1000) * (BOOTSTRAP_NS / 2000) +
                        (ch.warmupMs > 0 ? java.util.concurrent.ThreadLocalRandom.current()
                            .nextLong(ch.warmupMs * 1_000_000L) : 0);
                    s.probes.add(p);
                    probes.add(p);
                    schedule(p.gridStart, p, p.epoch, true);
                }
            }
        }
        // keepalived's set_quorum_states: up when the live weight reaches quorum + hysteresis.
        for (final KeepalivedConfig.VirtualServer vs : c.virtualServers)
        {
            if (liveWeight(vs) < vs.quorum + vs.hysteresis)
            {
                quorumLost.add(vs);
                log.accept("starting with quorum down for " + vs.name() +
                    (0 != vs.sorryAddr ? ": the sorry server " + Ipv4.toString(vs.sorryAddr) + " serves" : ""));
            }
        }
    }

    /** @return "VS/ADDR:PORT", the identity of a real server across reloads. */
    public static String key(final RealServer rs)
    {
        return rs.vs.name() + "/" + Ipv4.toString(rs.addr) + ":" + rs.port;
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
        return null != s && s.dynamicWeight >= 0 ? s.dynamicWeight : rs.weight;
    }

    @Override
    public boolean quorumUp(final KeepalivedConfig.VirtualServer vs)
    {
        return !quorumLost.contains(vs);
    }

    private long liveWeight(final KeepalivedConfig.VirtualServer vs)
    {
        long sum = 0;
        for (final RealServer rs : vs.realServers)
        {
            sum += Math.max(0, weight(rs));
        }
        return sum;
    }

    /** keepalived's update_quorum_state: gain at quorum + hysteresis, lose below quorum - hysteresis. */
    private void updateQuorum(final KeepalivedConfig.VirtualServer vs)
    {
        final boolean up = !quorumLost.contains(vs);
        final long sum = liveWeight(vs);
        final long threshold = vs.quorum + (up ? -vs.hysteresis : vs.hysteresis);
        if (!up && sum >= threshold)
        {
            quorumLost.remove(vs);
            log.accept("gained quorum " + vs.quorum + "+" + vs.hysteresis + "=" + threshold + " <= " + sum + " for " +
                vs.name() + (0 != vs.sorryAddr ? ": sorry server out, live real servers back" : ""));
            notifyScript(vs.quorumUp);
            quorumChanged.set(true);
            generation++;
        }
        else if (up && (0 == sum || sum < threshold))
        {
            quorumLost.add(vs);
            log.accept("lost quorum " + vs.quorum + "-" + vs.hysteresis + "=" + threshold + " > " + sum + " for " +
                vs.name() + (0 != vs.sorryAddr ? ": the sorry server " + Ipv4.toString(vs.sorryAddr) + " serves" : ""));
            notifyScript(vs.quorumDown);
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
            log.accept("cannot run notify script '" + command + "': " + reason(ex));
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
            if (s.rs.vs.omega && s.up)
            {
                notifyScript(s.rs.notifyDown);
            }
        }
        for (final KeepalivedConfig.VirtualServer vs : quorumOwners())
        {
            if (vs.omega && quorumUp(vs))
            {
                notifyScript(vs.quorumDown);
            }
        }
    }

    private java.util.Set<KeepalivedConfig.VirtualServer> quorumOwners()
    {
        final java.util.Set<KeepalivedConfig.VirtualServer> set = new java.util.LinkedHashSet<>();
        servers.values().forEach(s -> set.add(s.rs.vs));
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
            if (null != p.process)
            {
                p.process.destroyForcibly();
            }
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
                Probe ended;
                while (null != (ended = exited.poll()))
                {
                    ended.scriptEnded(now);
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
            if (t.start && p.server.rs.vs.haSuspend && !active.getAsBoolean())
            {
                // ha_suspend: not the active director: skip this round, keep the state, stay on the grid.
                final long period = Math.max(1, p.ch.delayLoopMs) * 1_000_000L;
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
            "DOWN: " + (s.rs.inhibitOnFailure ? "weight 0 (inhibit_on_failure)" : "removed")));
        notifyScript(up ? s.rs.notifyUp : s.rs.notifyDown);
        onTransition.accept(s.rs, up);
        updateQuorum(s.rs.vs);
    }

    /**
     * Judge an HTTP response as keepalived does: the status code (200-299 unless status_code is given) and,
     * when a digest is configured, the MD5 of the body.
     *
     * @return null when good, else why not.
     */
    static String judge(final KeepalivedConfig.Url u, final byte[] response, final int length)
    {
        int eol = -1;
        for (int i = 0; i + 1 < length; i++)
        {
            if ('\r' == response[i] && '\n' == response[i + 1])
            {
                eol = i;
                break;
            }
        }
        if (eol < 0)
        {
            return 0 == length ? "empty response" : "no HTTP status line";
        }
        final String status = new String(response, 0, eol, StandardCharsets.ISO_8859_1);
        final String[] parts = status.split(" ", 3);
        final int code;
        try
        {
            code = parts.length >= 2 && parts[0].startsWith("HTTP/") ? Integer.parseInt(parts[1]) : -1;
        }
        catch (final NumberFormatException ex)
        {
            return "bad status line '" + status + "'";
        }
        if (code < 0)
        {
            return "bad status line '" + status + "'";
        }
        if (u.statusCodes().isEmpty() ? code < 200 || code > 299 : !u.statusCodes().contains(code))
        {
            return "HTTP status " + code + " for " + u.path();
        }
        if (null != u.digest())
        {
            int body = -1;
            for (int i = eol; i + 3 < length; i++)
            {
                if ('\r' == response[i] && '\n' == response[i + 1] && '\r' == response[i + 2] &&
                    '\n' == response[i + 3])
                {
                    body = i + 4;
                    break;
                }
            }
            if (body < 0)
            {
                return "no end of HTTP headers";
            }
            final String md5;
            try
            {
                final MessageDigest d = MessageDigest.getInstance("MD5");
                d.update(response, body, length - body);
                md5 = HexFormat.of().formatHex(d.digest());
            }
            catch (final NoSuchAlgorithmException ex)
            {
                throw new IllegalStateException(ex);
            }
            if (!md5.equals(u.digest()))
            {
                return "digest " + md5 + " of " + u.path() + " is not " + u.digest();
            }
        }
        return null;
    }

    private static javax.net.ssl.SSLContext tls;

    /** A client context that accepts any certificate and presents none (no SSL block). */
    static synchronized javax.net.ssl.SSLContext tlsContext()
    {
        if (null == tls)
        {
            try
            {
                tls = dev.jvs.director.config.TlsClient.context(null, null, null, null);
            }
            catch (final IOException | java.security.GeneralSecurityException ex)
            {
                throw new IllegalStateException("no TLS: " + ex.getMessage(), ex);
            }
        }
        return tls;
    }

    /** A DNS query: header with RD, one question of the name and type, class IN. */
    static byte[] dnsQuery(final int id, final String name, final int type)
    {
        final java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(64);
        b.writeBytes(new byte[] {(byte)(id >>> 8), (byte)id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        for (final String label : name.split("\\."))
        {
            if (label.isEmpty())
            {
                continue;
            }
            final byte[] l = label.getBytes(StandardCharsets.US_ASCII);
            if (l.length > 63)
            {
                throw new IllegalArgumentException("DNS label longer than 63 bytes in " + name);
            }
            b.write(l.length);
            b.writeBytes(l);
        }
        b.writeBytes(new byte[] {0, (byte)(type >>> 8), (byte)type, 0, 1});
        return b.toByteArray();
    }

    /**
     * Judge a DNS answer as keepalived does: our ID, a response, no error code, at least one answer.
     *
     * @return null when good, "" when it is not the answer to our query, else why not.
     */
    /**
     * UDP_CHECK's reply: within min/max_reply_length, starting with require_reply's bytes.
     *
     * @param ch the check.
     * @param buf the reply (from 0).
     * @param length its length.
     * @return null when good, else why not.
     */
    static String judgeUdp(final Check ch, final ByteBuffer buf, final int length)
    {
        if (0 != ch.minReplyLength && length < ch.minReplyLength || 0 != ch.maxReplyLength && length > ch.maxReplyLength)
        {
            return "UDP reply of " + length + " bytes, outside " + ch.minReplyLength + ".." + ch.maxReplyLength;
        }
        if (null != ch.replyPrefix)
        {
            if (length < ch.replyPrefix.length)
            {
                return "UDP reply shorter than the expected " + ch.replyPrefix.length + " bytes";
            }
            for (int i = 0; i < ch.replyPrefix.length; i++)
            {
                if (buf.get(i) != ch.replyPrefix[i])
                {
                    return "UDP reply differs from require_reply at byte " + i;
                }
            }
        }
        return null;
    }

    static String judgeDns(final ByteBuffer buf, final int length, final int id)
    {
        if (length < 12)
        {
            return "DNS answer shorter than a header";
        }
        if ((buf.getShort(0) & 0xFFFF) != id)
        {
            return "";
        }
        final int flags = buf.getShort(2) & 0xFFFF;
        if (0 == (flags & 0x8000))
        {
            return "DNS packet is not a response";
        }
        if (0 != (flags & 0x000F))
        {
            return "DNS error response (rcode " + (flags & 0x000F) + ")";
        }
        if (0 == (buf.getShort(6) & 0xFFFF))
        {
            return "DNS response without answers";
        }
        return null;
    }

    private static InetAddress inet(final int addr)
    {
        try
        {
            return InetAddress.getByAddress(new byte[] {(byte)(addr >>> 24), (byte)(addr >>> 16), (byte)(addr >>> 8),
                (byte)addr});
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalArgumentException(ex);
        }
    }

    private static String reason(final IOException ex)
    {
        if (ex instanceof java.net.PortUnreachableException)
        {
            return "ICMP port unreachable";
        }
        return null != ex.getMessage() ? ex.getMessage() : ex.getClass().getSimpleName();
    }
}
