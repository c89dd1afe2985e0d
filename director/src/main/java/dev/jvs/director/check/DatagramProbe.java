package dev.jvs.director.check;

import dev.jvs.director.config.Check;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;

/**
 * The checkers over UDP (DNS_CHECK, UDP_CHECK): one datagram on a connected socket, bound as {@code bind_to}
 * says, and the answer judged; a connected socket reports the ICMP port unreachable as an error.
 */
abstract class DatagramProbe extends Probe
{
    private DatagramChannel udp;

    DatagramProbe(final Check ch, final Server server, final boolean up, final Loop loop)
    {
        super(ch, server, up, loop, ch.connectIp().withPort(ch.connectPort()));
    }

    /** @return the datagram to send this attempt. */
    abstract byte[] request();

    /**
     * Judge a datagram that came back.
     *
     * @param buf it, from 0.
     * @param length its length.
     * @param now the time.
     */
    abstract void answer(ByteBuffer buf, int length, long now);

    @Override
    void attempt(final long now)
    {
        try
        {
            udp = DatagramChannel.open();
            udp.configureBlocking(false);
            if (null != ch.bindIp() || 0 != ch.bindPort())
            {
                udp.bind(new InetSocketAddress(null == ch.bindIp() ? null : ch.bindIp().inet(), ch.bindPort()));
            }
            udp.connect(new InetSocketAddress(ch.connectIp().inet(), ch.connectPort()));
            udp.write(ByteBuffer.wrap(request()));
            arm(now);
            udp.register(loop.selector(), SelectionKey.OP_READ, this);
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            finish(now, false, ch.type() + ": " + (ex instanceof IOException io ? Replies.reason(io) : ex.getMessage()));
        }
    }

    @Override
    void ready(final SelectionKey key, final long now)
    {
        if (!key.isReadable())
        {
            return;
        }
        try
        {
            final ByteBuffer buf = loop.readBuffer();
            buf.clear();
            // A connected datagram channel reports the ICMP port unreachable as PortUnreachableException.
            final int n = udp.read(buf);
            if (n > 0)
            {
                answer(buf, n, now);
            }
        }
        catch (final IOException ex)
        {
            finish(now, false, Replies.reason(ex));
        }
    }

    @Override
    void close()
    {
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
    }
}
