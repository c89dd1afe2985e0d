package dev.jvs.director.check;

import dev.jvs.director.config.Check;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;

/** DNS_CHECK (check_dns.c): one query with recursion desired; our ID, a response, no error, an answer. */
final class DnsProbe extends DatagramProbe
{
    private int id;

    DnsProbe(final Check ch, final Server server, final boolean up, final Loop loop)
    {
        super(ch, server, up, loop);
    }

    @Override
    byte[] request()
    {
        id = ThreadLocalRandom.current().nextInt(0x10000);
        return Replies.dnsQuery(id, ch.dnsName(), ch.dnsType());
    }

    @Override
    void answer(final ByteBuffer buf, final int length, final long now)
    {
        final String failure = Replies.dns(buf, length, id);
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
}
