package dev.jvs.director.check;

import dev.jvs.director.config.KeepalivedConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** HTTP_GET's judgement of a response (the sockets are exercised in testbed's CheckerLabTest). */
class HealthCheckerTest
{
    private static String judge(final KeepalivedConfig.Url u, final String response)
    {
        final byte[] b = response.getBytes(StandardCharsets.ISO_8859_1);
        return HealthChecker.judge(u, b, b.length);
    }

    @Test
    void shouldAcceptTwoHundredsByDefaultAndTheConfiguredCodesOtherwise()
    {
        final KeepalivedConfig.Url any = new KeepalivedConfig.Url("/", Set.of(), null);
        assertNull(judge(any, "HTTP/1.0 204 No Content\r\n\r\n"));
        assertEquals("HTTP status 301 for /", judge(any, "HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\n"));
        final KeepalivedConfig.Url redirect = new KeepalivedConfig.Url("/", Set.of(301), null);
        assertNull(judge(redirect, "HTTP/1.1 301 Moved\r\n\r\n"));
        assertEquals("HTTP status 200 for /", judge(redirect, "HTTP/1.1 200 OK\r\n\r\n"));
        assertEquals("empty response", judge(any, ""));
        assertEquals("bad status line 'SSH-2.0-OpenSSH'", judge(any, "SSH-2.0-OpenSSH\r\n"));
        assertEquals("no HTTP status line", judge(any, "HTTP/1.0 200"));
    }

    @Test
    void theDigestShouldBeTheMd5OfTheBodyAsGenhashComputesIt()
    {
        // A digest that is not the body's.
        final KeepalivedConfig.Url u = new KeepalivedConfig.Url("/", Set.of(), "00fd8a1d6e5f4e2ddc2ef2c30ec44e6d");
        final String body = "rs1\n";
        final String md5 = java.util.HexFormat.of().formatHex(md5(body));
        final KeepalivedConfig.Url good = new KeepalivedConfig.Url("/", Set.of(), md5);
        assertNull(judge(good, "HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\n" + body));
        assertEquals("digest " + md5 + " of / is not 00fd8a1d6e5f4e2ddc2ef2c30ec44e6d",
            judge(u, "HTTP/1.0 200 OK\r\n\r\n" + body));
        assertEquals("no end of HTTP headers", judge(good, "HTTP/1.0 200 OK\r\nServer: x\r\n"));
    }

    private static byte[] md5(final String s)
    {
        try
        {
            return java.security.MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.US_ASCII));
        }
        catch (final java.security.NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
