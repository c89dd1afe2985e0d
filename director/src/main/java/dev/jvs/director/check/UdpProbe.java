package dev.jvs.director.check;

import dev.jvs.director.config.Check;

import java.nio.ByteBuffer;

/**
 * UDP_CHECK (check_udp.c): the payload sent; a reply within min/max_reply_length starting with require_reply's
 * bytes is good, and without require_reply silence is good too (only an ICMP error fails).
 */
final class UdpProbe extends DatagramProbe
{
    UdpProbe(final Check ch, final Server server, final boolean up, final Loop loop)
    {
        super(ch, server, up, loop);
    }

    @Override
    byte[] request()
    {
        return ch.udpPayload();
    }

    @Override
    void answer(final ByteBuffer buf, final int length, final long now)
    {
        final String failure = Replies.udp(ch, buf, length);
        finish(now, null == failure, null == failure ? "UDP reply" : failure);
    }

    @Override
    void timeout(final long now)
    {
        if (!ch.requireReply())
        {
            // keepalived's UDP_CHECK without require_reply: silence (no ICMP error) is success.
            finish(now, true, "no ICMP error within " + ch.connectTimeoutMs() + " ms");
            return;
        }
        super.timeout(now);
    }
}
