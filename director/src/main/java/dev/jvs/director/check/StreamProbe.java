package dev.jvs.director.check;

import dev.jvs.director.config.Check;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * The checkers over a TCP connection (TCP_CHECK, HTTP_GET, SSL_GET, SMTP_CHECK): a non-blocking connect bound
 * as {@code bind_to} says, a request written, the response gathered; each kind says what to send once
 * connected and how to judge what comes back.
 */
abstract class StreamProbe extends Probe
{
    static final int MAX_RESPONSE = 16 << 20;
    private static final int KEEP_RESPONSE = 65536;

    SocketChannel chan;
    ByteBuffer request;
    byte[] response = new byte[0];
    int responseLength;

    StreamProbe(final Check ch, final Server server, final boolean up, final Loop loop)
    {
        super(ch, server, up, loop, ch.connectIp().withPort(ch.connectPort()));
    }

    @Override
    void attempt(final long now)
    {
        try
        {
            chan = SocketChannel.open();
            chan.configureBlocking(false);
            chan.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (null != ch.bindIp() || 0 != ch.bindPort())
            {
                chan.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                chan.bind(new InetSocketAddress(null == ch.bindIp() ? null : ch.bindIp().inet(), ch.bindPort()));
            }
            final boolean done = chan.connect(new InetSocketAddress(ch.connectIp().inet(), ch.connectPort()));
            arm(now);
            if (done)
            {
                connected(now);
            }
            else
            {
                chan.register(loop.selector(), SelectionKey.OP_CONNECT, this);
            }
        }
        catch (final IOException ex)
        {
            finish(now, false, "connect: " + Replies.reason(ex));
        }
    }

    /** The connection is up: send, or conclude. */
    abstract void connected(long now) throws IOException;

    /** The server closed after its response: judge it. */
    void responseComplete(final long now) throws IOException
    {
        finish(now, false, "connection closed");
    }

    @Override
    void ready(final SelectionKey key, final long now)
    {
        try
        {
            if (key.isConnectable())
            {
                chan.finishConnect();
                connected(now);
            }
            else if (key.isWritable())
            {
                writable(key, now);
            }
            else if (key.isReadable())
            {
                readSome(now);
            }
        }
        catch (final IOException ex)
        {
            finish(now, false, Replies.reason(ex));
        }
    }

    /** Write what is left of the request; once it is all out, wait for the answer. */
    void writable(final SelectionKey key, final long now) throws IOException
    {
        chan.write(request);
        deadline = now + ch.connectTimeoutMs() * 1_000_000L;
        if (!request.hasRemaining())
        {
            key.interestOps(SelectionKey.OP_READ);
        }
    }

    /** Read what came; the end of the stream completes the response. */
    void readSome(final long now) throws IOException
    {
        final ByteBuffer buf = loop.readBuffer();
        buf.clear();
        final int n = chan.read(buf);
        deadline = now + ch.connectTimeoutMs() * 1_000_000L;
        if (n > 0)
        {
            buf.flip();
            if (append(buf, now))
            {
                received(now);
            }
            return;
        }
        if (n < 0)
        {
            responseComplete(now);
        }
    }

    /** More of the response arrived (SMTP acts on each reply). */
    void received(final long now) throws IOException
    {
        // Most kinds judge the whole response once the server closes.
    }

    /** Take what a read brought into the response; false (and the check failed) when it grows too big. */
    final boolean append(final ByteBuffer src, final long now)
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

    @Override
    void close()
    {
        if (response.length > KEEP_RESPONSE)
        {
            response = new byte[0];
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
}
