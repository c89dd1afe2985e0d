package dev.jvs.director.check;

import dev.jvs.director.config.Check;

import java.nio.channels.SelectionKey;

/**
 * One checker of one real server, with its attempt in flight: what every kind shares is here (keepalived's
 * check_api.c: the retries, the verdict, the next check on the delay_loop grid); how a kind asks and judges
 * is in its subclass, made by {@link #of}.
 */
abstract class Probe
{
    final Check ch;
    final Server server;
    final Loop loop;
    final String target;
    boolean up;
    int retryIt;
    long gridStart;
    int epoch;
    long deadline;
    /** The last settled attempt, for jvs adm --checkers: its result, why, and when (ms since the epoch; 0: none). */
    volatile boolean lastOk;
    volatile String lastWhy = "not checked yet";
    volatile long lastMs;

    Probe(final Check ch, final Server server, final boolean up, final Loop loop, final String target)
    {
        this.ch = ch;
        this.server = server;
        this.up = up;
        this.loop = loop;
        this.target = target;
    }

    /**
     * @param ch the check as configured.
     * @param server its real server.
     * @param up its state to start from.
     * @param loop the checkers' thread.
     * @return the checker of the check's kind.
     */
    static Probe of(final Check ch, final Server server, final boolean up, final Loop loop)
    {
        return switch (ch.type())
        {
            case "TCP_CHECK" -> new TcpProbe(ch, server, up, loop);
            case "HTTP_GET", "SSL_GET" -> new HttpProbe(ch, server, up, loop);
            case "SMTP_CHECK" -> new SmtpProbe(ch, server, up, loop);
            case "DNS_CHECK" -> new DnsProbe(ch, server, up, loop);
            case "UDP_CHECK" -> new UdpProbe(ch, server, up, loop);
            case "MISC_CHECK", "PING_CHECK" -> new ScriptProbe(ch, server, up, loop);
            case "FILE_CHECK" -> new FileProbe(ch, server, up, loop);
            default -> throw new IllegalArgumentException("unknown checker " + ch.type());
        };
    }

    /** A regular check (or a retry) is due. */
    final void start(final long now)
    {
        epoch++;
        attempt(now);
    }

    /** Start one attempt: open, send, spawn, read. */
    abstract void attempt(long now);

    /** The socket this checker registered is ready. */
    void ready(final SelectionKey key, final long now)
    {
        // Kinds without a socket have nothing to do.
    }

    /** The attempt's deadline passed. */
    void timeout(final long now)
    {
        finish(now, false, "timeout after " + ch.connectTimeoutMs() + " ms");
    }

    /** Let go of what the attempt holds (sockets, a process). */
    void close()
    {
        // Nothing held by default.
    }

    /** Set the attempt's deadline connect_timeout from now, and its timer. */
    final void arm(final long now)
    {
        deadline = now + ch.connectTimeoutMs() * 1_000_000L;
        loop.schedule(deadline, this, epoch, false);
    }

    /** keepalived's epilog: retry, or settle the state and wait for the next regular check. */
    final void finish(final long now, final boolean ok, final String why)
    {
        close();
        epoch++;
        final long next;
        if (ok || retryIt >= ch.retry())
        {
            lastOk = ok;
            lastWhy = why;
            lastMs = System.currentTimeMillis();
            if (ok && !up)
            {
                up = true;
                loop.log("checker " + ch.type() + " " + target + " for " + server.name + ": success (" + why + ")");
                loop.changed(server);
            }
            else if (!ok && up)
            {
                up = false;
                loop.log("checker " + ch.type() + " " + target + " for " + server.name + ": failed " +
                    (ch.retry() > 0 ? "after " + ch.retry() + " retries " : "") + "(" + why + ")");
                loop.changed(server);
            }
            retryIt = 0;
            final long period = ch.delayLoopMs() * 1_000_000L;
            // The next point of the grid after now: fixed start, no drift from check durations.
            next = period <= 0 ? now : gridStart + ((now - gridStart) / period + 1) * period;
        }
        else
        {
            retryIt++;
            next = now + ch.delayBeforeRetryMs() * 1_000_000L;
        }
        loop.schedule(next, this, epoch, true);
    }
}
