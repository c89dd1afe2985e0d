package dev.jvs.director.config;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SSL block's key formats, made by openssl: PKCS#8, PKCS#1 RSA, encrypted PKCS#8 (PBES2), EC. */
class TlsClientTest
{
    @TempDir
    Path dir;

    private void openssl(final String cmd) throws Exception
    {
        final Process p = new ProcessBuilder("sh", "-c", "cd " + dir + " && " + cmd).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
    }

    @Test
    void shouldReadTheKeyFormatsOpensslWrites() throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "needs openssl");
        openssl("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out p8.key && " +
            "openssl rsa -in p8.key -traditional -out p1.key && " +
            "openssl pkcs8 -topk8 -in p8.key -v2 aes256 -passout pass:s3cret -out enc.key && " +
            "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key && " +
            "openssl req -x509 -key p8.key -subj /CN=jvs -days 1 -out cert.pem");
        for (final String f : List.of("p8.key", "p1.key", "enc.key"))
        {
            assertEquals("RSA", TlsClient.privateKey(Files.readString(dir.resolve(f)), "s3cret").getAlgorithm(), f);
        }
        assertTrue(Files.readString(dir.resolve("p1.key")).contains("BEGIN RSA PRIVATE KEY"), "PKCS#1 indeed");
        assertEquals("EC", TlsClient.privateKey(Files.readString(dir.resolve("ec.key")), null).getAlgorithm());
        assertThrows(java.security.GeneralSecurityException.class,
            () -> TlsClient.privateKey(Files.readString(dir.resolve("enc.key")), null), "no password");
        assertThrows(java.security.GeneralSecurityException.class,
            () -> TlsClient.privateKey(Files.readString(dir.resolve("enc.key")), "wrong"), "wrong password");
        assertNotNull(TlsClient.context(dir.resolve("cert.pem"), dir.resolve("enc.key"), "s3cret", dir.resolve("cert.pem")));
    }

    @Test
    void aBrokenSslBlockShouldNameItsLine() throws Exception
    {
        Files.writeString(dir.resolve("bad.pem"), "not a certificate\n");
        final ConfigException e = assertThrows(ConfigException.class, () -> KeepalivedConfig.parse(
            dir.resolve("k.conf"), "SSL {\n  certificate " + dir.resolve("bad.pem") + "\n}\n"));
        assertEquals(1, e.line());
        assertTrue(e.getMessage().contains("SSL:"), e.getMessage());
    }
}
