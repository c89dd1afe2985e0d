package dev.jvs.director.check;

import dev.jvs.director.config.Check;

/** TCP_CHECK (check_tcp.c): up when the connection is accepted within connect_timeout. */
final class TcpProbe extends StreamProbe
{
    TcpProbe(final Check ch, final Server server, final boolean up, final Loop loop)
    {
        super(ch, server, up, loop);
    }

    @Override
    void connected(final long now)
    {
        finish(now, true, "connected");
    }
}
