package dev.jvs.director.check;

import dev.jvs.director.config.Check;
import dev.jvs.director.config.KeepalivedConfig;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** What the checkers ask and how they judge the answers, as keepalived's check_http.c, check_dns.c, check_udp.c. */
final class Replies
{
    private Replies()
    {
    }

    /**
     * Judge an HTTP response as keepalived does: the status code (200-299 unless status_code is given) and,
     * when a digest is configured, the MD5 of the body.
     *
     * @return null when good, else why not.
     */
    static String http(final KeepalivedConfig.Url u, final byte[] response, final int length)
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
     * UDP_CHECK's reply: within min/max_reply_length, starting with require_reply's bytes.
     *
     * @param ch the check.
     * @param buf the reply (from 0).
     * @param length its length.
     * @return null when good, else why not.
     */
    static String udp(final Check ch, final ByteBuffer buf, final int length)
    {
        if (0 != ch.minReplyLength() && length < ch.minReplyLength() || 0 != ch.maxReplyLength() && length > ch.maxReplyLength())
        {
            return "UDP reply of " + length + " bytes, outside " + ch.minReplyLength() + ".." + ch.maxReplyLength();
        }
        if (null != ch.replyPrefix())
        {
            if (length < ch.replyPrefix().length)
            {
                return "UDP reply shorter than the expected " + ch.replyPrefix().length + " bytes";
            }
            for (int i = 0; i < ch.replyPrefix().length; i++)
            {
                if (buf.get(i) != ch.replyPrefix()[i])
                {
                    return "UDP reply differs from require_reply at byte " + i;
                }
            }
        }
        return null;
    }

    /**
     * Judge a DNS answer as keepalived does: our ID, a response, no error code, at least one answer.
     *
     * @return null when good, "" when it is not the answer to our query, else why not.
     */
    static String dns(final ByteBuffer buf, final int length, final int id)
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

    static InetAddress inet(final int addr)
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

    static String reason(final IOException ex)
    {
        if (ex instanceof java.net.PortUnreachableException)
        {
            return "ICMP port unreachable";
        }
        return null != ex.getMessage() ? ex.getMessage() : ex.getClass().getSimpleName();
    }
}
