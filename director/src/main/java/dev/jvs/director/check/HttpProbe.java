package dev.jvs.director.check;

import dev.jvs.director.config.Check;
import dev.jvs.director.config.KeepalivedConfig;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;

/**
 * HTTP_GET and SSL_GET (check_http.c): each url in turn on a connection of its own, keepalived's HTTP/1.0
 * request, the status code and (with a digest) the body's MD5 judged once the server closes; over TLS for
 * SSL_GET, with no certificate verified unless the SSL block asks.
 */
final class HttpProbe extends StreamProbe
{
    private int url;
    private SSLEngine ssl;
    private ByteBuffer netIn;
    private ByteBuffer netOut;
    private ByteBuffer appIn;

    HttpProbe(final Check ch, final Server server, final boolean up, final Loop loop)
    {
        super(ch, server, up, loop);
    }

    @Override
    void attempt(final long now)
    {
        url = 0;
        super.attempt(now);
    }

    @Override
    void connected(final long now) throws IOException
    {
        final KeepalivedConfig.Url u = ch.urls().get(url);
        final boolean tls = "SSL_GET".equals(ch.type());
        // keepalived's request_host: the virtualhost as it is, else the address and port ([v6]:port, RFC 2732).
        final String host = null != ch.virtualhost() ? ch.virtualhost() : ch.connectIp().withPort(ch.connectPort());
        // keepalived's request (request_template, HTTP/1.0), so servers log and answer it the same way.
        request = ByteBuffer.wrap(("GET " + u.path() + " HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: " +
            host + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        responseLength = 0;
        if (tls)
        {
            ssl = loop.sslContext().createSSLEngine(null != ch.virtualhost() ? ch.virtualhost() :
                ch.connectIp().toString(), ch.connectPort());
            ssl.setUseClientMode(true);
            final int packet = ssl.getSession().getPacketBufferSize();
            netIn = ByteBuffer.allocate(packet);
            netOut = ByteBuffer.allocate(packet);
            appIn = ByteBuffer.allocate(ssl.getSession().getApplicationBufferSize());
            ssl.beginHandshake();
            tlsPump(now);
            return;
        }
        chan.register(loop.selector(), SelectionKey.OP_WRITE, this);
    }

    @Override
    void ready(final SelectionKey key, final long now)
    {
        if (null == ssl || key.isConnectable())
        {
            super.ready(key, now);
            return;
        }
        deadline = now + ch.connectTimeoutMs() * 1_000_000L;
        try
        {
            tlsPump(now);
        }
        catch (final IOException ex)
        {
            finish(now, false, Replies.reason(ex));
        }
    }

    /** The server has closed: judge this URL, then go on to the next one or conclude. */
    @Override
    void responseComplete(final long now)
    {
        final String failure = Replies.http(ch.urls().get(url), response, responseLength);
        if (null != failure)
        {
            finish(now, false, failure);
        }
        else if (++url < ch.urls().size())
        {
            close();
            super.attempt(now);
        }
        else
        {
            finish(now, true, "HTTP status and digest good");
        }
    }

    /**
     * Drive TLS as far as the socket allows: handshake, the request, then the response until the server
     * closes. netIn and netOut stay in write mode between calls.
     */
    private void tlsPump(final long now) throws IOException
    {
        final ByteBuffer none = ByteBuffer.allocate(0);
        while (null != ssl)
        {
            if (netOut.position() > 0 && !flushNet())
            {
                return;
            }
            final SSLEngineResult.HandshakeStatus hs = ssl.getHandshakeStatus();
            if (SSLEngineResult.HandshakeStatus.NEED_TASK == hs)
            {
                Runnable task;
                while (null != (task = ssl.getDelegatedTask()))
                {
                    task.run();
                }
                continue;
            }
            if (SSLEngineResult.HandshakeStatus.NEED_WRAP == hs)
            {
                ssl.wrap(none, netOut);
                continue;
            }
            final boolean handshaking = SSLEngineResult.HandshakeStatus.NEED_UNWRAP == hs ||
                SSLEngineResult.HandshakeStatus.NEED_UNWRAP_AGAIN == hs;
            if (!handshaking && request.hasRemaining())
            {
                ssl.wrap(request, netOut);
                continue;
            }
            if (!unwrap(now, handshaking))
            {
                return;
            }
        }
    }

    /** Send what TLS produced; false when the socket takes no more now (wait to write). */
    private boolean flushNet() throws IOException
    {
        netOut.flip();
        chan.write(netOut);
        netOut.compact();
        if (netOut.position() > 0)
        {
            chan.register(loop.selector(), SelectionKey.OP_WRITE, this);
            return false;
        }
        return true;
    }

    /** Unwrap what arrived into the response, reading more when TLS needs it; false to stop pumping. */
    private boolean unwrap(final long now, final boolean handshaking) throws IOException
    {
        netIn.flip();
        final SSLEngineResult r = ssl.unwrap(netIn, appIn);
        netIn.compact();
        appIn.flip();
        if (!append(appIn, now))
        {
            return false;
        }
        appIn.clear();
        if (SSLEngineResult.Status.CLOSED == r.getStatus())
        {
            ended(now, handshaking, "TLS closed during the handshake");
            return false;
        }
        if (SSLEngineResult.Status.BUFFER_UNDERFLOW == r.getStatus() || 0 == r.bytesConsumed() &&
            0 == r.bytesProduced())
        {
            final int got = chan.read(netIn);
            if (0 == got)
            {
                chan.register(loop.selector(), SelectionKey.OP_READ, this);
                return false;
            }
            if (got < 0)
            {
                ended(now, handshaking, "connection closed during the TLS handshake");
                return false;
            }
        }
        return true;
    }

    private void ended(final long now, final boolean handshaking, final String why)
    {
        if (handshaking)
        {
            finish(now, false, why);
        }
        else
        {
            responseComplete(now);
        }
    }

    @Override
    void close()
    {
        ssl = null;
        netIn = null;
        netOut = null;
        appIn = null;
        super.close();
    }
}
