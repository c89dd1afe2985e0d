package dev.jvs.director.check;

import dev.jvs.director.config.Check;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.charset.StandardCharsets;

/** SMTP_CHECK (check_smtp.c): the greeting answered 220, HELO answered 250, then QUIT. */
final class SmtpProbe extends StreamProbe
{
    /** 0 awaiting the 220 greeting, 1 awaiting the 250 to HELO. */
    private int step;

    SmtpProbe(final Check ch, final Server server, final boolean up, final Loop loop)
    {
        super(ch, server, up, loop);
    }

    @Override
    void connected(final long now) throws IOException
    {
        step = 0;
        responseLength = 0;
        chan.register(loop.selector(), SelectionKey.OP_READ, this);
    }

    @Override
    void responseComplete(final long now)
    {
        finish(now, false, "SMTP server closed the connection");
    }

    @Override
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
        responseComplete(now);
    }

    /** Act on a complete SMTP reply: the last line of a multi-line one is "NNN text". */
    @Override
    void received(final long now) throws IOException
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
        if (0 == step)
        {
            if (!"220".equals(code))
            {
                finish(now, false, "SMTP greeting '" + last.strip() + "'");
                return;
            }
            step = 1;
            request = ByteBuffer.wrap(("HELO " + ch.heloName() + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            chan.register(loop.selector(), SelectionKey.OP_WRITE, this);
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
}
