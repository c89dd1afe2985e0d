package dev.jvs.director.config;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The TLS client of SSL_GET with keepalived's top-level {@code SSL} block: the certificate and key (PEM,
 * PKCS#8, encrypted PKCS#8 with {@code password}, or PKCS#1 RSA) are presented to servers that ask for a
 * client certificate. As in keepalived, the server's certificate is not verified: the check is of the
 * service, not of trust ({@code ca} is read, as keepalived reads it, and does not fail a check).
 */
public final class TlsClient
{
    /** Accepts any server certificate, as keepalived's SSL_GET does: health, not trust. */
    public static final javax.net.ssl.X509TrustManager TRUST_ANY = new javax.net.ssl.X509TrustManager()
    {
        @Override
        public void checkClientTrusted(final java.security.cert.X509Certificate[] chain, final String a)
        {
            // Client side only.
        }

        @Override
        public void checkServerTrusted(final java.security.cert.X509Certificate[] chain, final String a)
        {
            // Health, not trust: keepalived's SSL_GET does not verify either.
        }

        @Override
        public java.security.cert.X509Certificate[] getAcceptedIssuers()
        {
            return new java.security.cert.X509Certificate[0];
        }
    };

    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----([^-]+)-----END \\1-----");

    private TlsClient()
    {
    }

    /**
     * Build the context.
     *
     * @param certificate PEM certificate chain file, or null for none.
     * @param key PEM key file (with the certificate).
     * @param password the key's password, or null.
     * @param ca PEM CA file, or null (read to catch a bad file early).
     * @return the context.
     * @throws IOException when a file cannot be read or holds no usable PEM.
     * @throws GeneralSecurityException when the key or a certificate cannot be decoded.
     */
    public static SSLContext context(final Path certificate, final Path key, final String password, final Path ca)
        throws IOException, GeneralSecurityException
    {
        javax.net.ssl.KeyManager[] km = null;
        if (null != certificate)
        {
            final Certificate[] chain = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(certificate))).toArray(new Certificate[0]);
            if (0 == chain.length)
            {
                throw new IOException(certificate + " holds no certificate");
            }
            final PrivateKey pk = privateKey(Files.readString(null != key ? key : certificate, StandardCharsets.US_ASCII),
                password);
            final char[] pw = "jvs".toCharArray();
            final KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("client", pk, pw, chain);
            final KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            km = kmf.getKeyManagers();
        }
        if (null != ca)
        {
            CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(Files.readAllBytes(ca)));
        }
        final SSLContext c = SSLContext.getInstance("TLS");
        c.init(km, new javax.net.ssl.TrustManager[] {TRUST_ANY}, null);
        return c;
    }

    /**
     * Decode the first private key of a PEM text.
     *
     * @param pem the text.
     * @param password for an encrypted key, or null.
     * @return the key.
     * @throws GeneralSecurityException when it cannot be decoded.
     */
    static PrivateKey privateKey(final String pem, final String password) throws GeneralSecurityException
    {
        final Matcher m = PEM.matcher(pem);
        while (m.find())
        {
            final String type = m.group(1);
            final byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            switch (type)
            {
                case "PRIVATE KEY":
                    return pkcs8(der);
                case "RSA PRIVATE KEY":
                    return pkcs8(rsaPkcs1ToPkcs8(der));
                case "ENCRYPTED PRIVATE KEY":
                {
                    if (null == password)
                    {
                        throw new GeneralSecurityException("the key is encrypted and the SSL block has no password");
                    }
                    final EncryptedPrivateKeyInfo info;
                    try
                    {
                        info = new EncryptedPrivateKeyInfo(der);
                    }
                    catch (final IOException ex)
                    {
                        throw new GeneralSecurityException("malformed encrypted key: " + ex.getMessage(), ex);
                    }
                    // PBES2's parameters name the real algorithm (PBEWithHmacSHA256AndAES_256, say).
                    final String alg = null != info.getAlgParameters() ? info.getAlgParameters().toString() :
                        info.getAlgName();
                    final Cipher cipher = Cipher.getInstance(alg);
                    cipher.init(Cipher.DECRYPT_MODE, SecretKeyFactory.getInstance(alg)
                        .generateSecret(new PBEKeySpec(password.toCharArray())), info.getAlgParameters());
                    return pkcs8(info.getKeySpec(cipher).getEncoded());
                }
                default:
                    break;
            }
        }
        throw new GeneralSecurityException("no private key (PRIVATE KEY, ENCRYPTED PRIVATE KEY or RSA PRIVATE KEY)");
    }

    private static PrivateKey pkcs8(final byte[] der) throws GeneralSecurityException
    {
        GeneralSecurityException last = null;
        for (final String alg : new String[] {"RSA", "EC", "Ed25519", "EdDSA"})
        {
            try
            {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            }
            catch (final GeneralSecurityException ex)
            {
                last = ex;
            }
        }
        throw last;
    }

    /** PKCS#1 RSAPrivateKey into PKCS#8: SEQUENCE { 0, SEQUENCE { rsaEncryption, NULL }, OCTET STRING }. */
    static byte[] rsaPkcs1ToPkcs8(final byte[] pkcs1)
    {
        final byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte)0x86, 0x48, (byte)0x86, (byte)0xf7, 0x0d, 0x01,
            0x01, 0x01, 0x05, 0x00};
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(algorithm);
        body.write(0x04);
        length(body, pkcs1.length);
        body.writeBytes(pkcs1);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        length(out, body.size());
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static void length(final ByteArrayOutputStream out, final int n)
    {
        if (n < 0x80)
        {
            out.write(n);
        }
        else if (n < 0x100)
        {
            out.write(0x81);
            out.write(n);
        }
        else if (n < 0x10000)
        {
            out.write(0x82);
            out.write(n >>> 8);
            out.write(n);
        }
        else
        {
            out.write(0x83);
            out.write(n >>> 16);
            out.write(n >>> 8);
            out.write(n);
        }
    }
}
