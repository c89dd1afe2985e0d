package dev.jvs.testbed;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The health checkers of a running director against real servers in namespaces: a wrong digest, a server
 * that accepts and never answers, one that comes back; and what the traffic does meanwhile.
 */
@Timeout(180)
class CheckerLabTest extends LabTest
{
    @Test
    void checkersShouldTakeFailingServersOutAndBringThemBack() throws Exception
    {
        final String good = HexFormat.of().formatHex(MessageDigest.getInstance("MD5")
            .digest("rs1\n".getBytes(StandardCharsets.US_ASCII)));
        final String conf = "virtual_server " + Lab.VIP + " 80 {\n" +
            "    delay_loop 1\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n" +
            "    real_server " + Lab.rs(1) + " 80 {\n        HTTP_GET {\n" +
            "            url {\n                path /index.html\n                digest " + good + "\n" +
            "                status_code 200\n            }\n" +
            "            connect_timeout 1\n            retry 1\n            delay_before_retry 1\n        }\n    }\n" +
            "    real_server " + Lab.rs(2) + " 80 {\n        TCP_CHECK {\n            connect_timeout 1\n        }\n    }\n" +
            "    real_server " + Lab.rs(3) + " 80 {\n        inhibit_on_failure\n        HTTP_GET {\n" +
            "            url {\n                path /index.html\n" +
            "                digest 00000000000000000000000000000000\n            }\n" +
            "            connect_timeout 1\n            retry 0\n        }\n    }\n}\n";
        try (Lab lab = new Lab(Lab.Mode.NAT, 3, work, JAR))
        {
            lab.startDirector(conf);
            final String rs3 = lab.awaitLog("real server " + Lab.rs(3) + ":80", 5000);
            assertNotNull(rs3, lab.directorLog());
            assertTrue(rs3.contains("DOWN: weight 0 (inhibit_on_failure)"), rs3);
            assertTrue(lab.directorLog().contains("digest"), "the reason is logged: " + lab.directorLog());
            lab.awaitLog("health:", 2000);
            assertEquals(Map.of("rs1", 10, "rs2", 10), Map.copyOf(lab.counts(20)), "weight 0: no new connections");

            // rs1 now accepts connections and never answers: HTTP_GET times out.
            Netns.stopAll("rs1");
            final long t0 = System.nanoTime();
            lab.ns().spawn("rs1", List.of("python3", "-c", "import socket,time\ns=socket.socket()\n" +
                "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(('0.0.0.0', 80))\n" +
                "s.listen(64)\ntime.sleep(120)\n"), work.resolve("hang.log"));
            final String rs1Down = lab.awaitLog("real server " + Lab.rs(1) + ":80 of " + Lab.VIP + ":80 is DOWN",
                15000);
            final long detectMs = (System.nanoTime() - t0) / 1_000_000;
            assertNotNull(rs1Down, lab.directorLog());
            assertTrue(lab.directorLog().contains("timeout after 1000 ms"), lab.directorLog());
            // keepalived's bound: delay_loop + connect_timeout x (retry + 1) + delay_before_retry x retry = 4 s,
            // plus scheduling slack.
            assertTrue(detectMs <= 5500, "detected in " + detectMs + " ms");
            lab.awaitLog("health: 0 services added, 0 removed; 0 real servers added, 1 removed", 2000);
            assertEquals(Map.of("rs2", 6), Map.copyOf(lab.counts(6)), "rs1 removed");

            // rs1 serves again: up at its next check.
            Netns.stopAll("rs1");
            lab.ns().spawn("rs1", List.of("/usr/bin/python3", "-m", "http.server", "80", "--bind", "0.0.0.0",
                "--directory", work.resolve("rs1").toString()), work.resolve("rs1-again.log"));
            assertNotNull(lab.awaitLog("real server " + Lab.rs(1) + ":80 of " + Lab.VIP + ":80 is UP", 6000),
                lab.directorLog());
            lab.awaitLog("1 real servers added, 0 removed", 2000);
            assertEquals(Map.of("rs1", 5, "rs2", 5), Map.copyOf(lab.counts(10)), "rs1 back");
            System.out.println("hang detected in " + detectMs + " ms; director log:\n" + lab.stopDirector());
        }
    }

    /** A scripted SMTP peer: greets with 220 and answers HELO with the given code; bounded in time. */
    private static List<String> smtpPeer(final int heloCode)
    {
        return List.of("python3", "-c", "import socket,time\ns=socket.socket()\n" +
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(('0.0.0.0', 25))\ns.listen(16)\n" +
            "s.settimeout(60)\n" +
            "while True:\n" +
            "    c, _ = s.accept()\n" +
            "    c.sendall(b'220-peer.test ESMTP\\r\\n220 ready\\r\\n')\n" +
            "    f = c.makefile('rb')\n" +
            "    line = f.readline()\n" +
            "    if line.startswith(b'HELO jvs.test'):\n" +
            "        c.sendall(b'" + heloCode + " peer\\r\\n')\n" +
            "    else:\n" +
            "        c.sendall(b'500 unexpected\\r\\n')\n" +
            "    c.close()\n");
    }

    @Test
    void smtpCheckShouldWantAGreetingAndAnAnswerToHelo() throws Exception
    {
        final String conf = "virtual_server " + Lab.VIP + " 80 {\n    delay_loop 1\n    lb_algo rr\n" +
            "    lb_kind NAT\n    protocol TCP\n" +
            "    real_server " + Lab.rs(1) + " 80 {\n        SMTP_CHECK {\n            connect_port 25\n" +
            "            helo_name jvs.test\n            connect_timeout 1\n            retry 0\n        }\n    }\n" +
            "    real_server " + Lab.rs(2) + " 80 {\n        SMTP_CHECK {\n            connect_port 25\n" +
            "            helo_name jvs.test\n            connect_timeout 1\n            retry 0\n        }\n    }\n}\n";
        try (Lab lab = new Lab(Lab.Mode.NAT, 2, work, JAR))
        {
            lab.ns().spawn("rs1", smtpPeer(250), work.resolve("smtp1.log"));
            lab.ns().spawn("rs2", smtpPeer(554), work.resolve("smtp2.log"));
            Thread.sleep(500);
            lab.startDirector(conf);
            final String down = lab.awaitLog("real server " + Lab.rs(2) + ":80", 5000);
            assertNotNull(down, lab.directorLog());
            assertTrue(down.contains("is DOWN"), down);
            assertTrue(lab.directorLog().contains("SMTP reply '554 peer' to HELO"), lab.directorLog());
            lab.awaitLog("health:", 2000);
            Thread.sleep(1500);
            assertTrue(!lab.directorLog().contains("real server " + Lab.rs(1) + ":80 of"), "rs1 stays up: " +
                lab.directorLog());
            assertEquals(Map.of("rs1", 4), Map.copyOf(lab.counts(4)));
            lab.stopDirector();
        }
    }

    @Test
    void dnsCheckShouldWantAnAnswerWithoutError() throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/dnsmasq")), "needs dnsmasq");
        final StringBuilder conf = new StringBuilder("virtual_server " + Lab.VIP + " 80 {\n    delay_loop 1\n" +
            "    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n");
        for (int i = 1; i <= 3; i++)
        {
            conf.append("    real_server ").append(Lab.rs(i)).append(" 80 {\n        DNS_CHECK {\n")
                .append("            type A\n            name check.test\n            connect_timeout 1\n")
                .append("            retry 0\n        }\n    }\n");
        }
        conf.append("}\n");
        try (Lab lab = new Lab(Lab.Mode.NAT, 3, work, JAR))
        {
            for (int i = 1; i <= 2; i++)
            {
                // rs1 knows check.test; rs2 knows nothing (and has no upstream): it refuses. rs3 runs no DNS.
                final List<String> cmd = new java.util.ArrayList<>(List.of("dnsmasq", "--keep-in-foreground",
                    "--no-resolv", "--no-hosts", "--port=53", "--listen-address=" + Lab.rs(i), "--bind-interfaces",
                    "--user=root", "--pid-file=" + work.resolve("dnsmasq" + i + ".pid"), "--log-facility=-"));
                if (1 == i)
                {
                    cmd.add("--address=/check.test/" + Lab.rs(1));
                }
                lab.ns().spawn("rs" + i, cmd, work.resolve("dnsmasq" + i + ".log"));
            }
            Thread.sleep(500);
            lab.startDirector(conf.toString());
            assertNotNull(lab.awaitLog("real server " + Lab.rs(2) + ":80 of " + Lab.VIP + ":80 is DOWN", 5000),
                lab.directorLog());
            assertNotNull(lab.awaitLog("real server " + Lab.rs(3) + ":80 of " + Lab.VIP + ":80 is DOWN", 5000),
                lab.directorLog());
            assertTrue(lab.directorLog().contains("DNS error response (rcode 5)"), lab.directorLog());
            Thread.sleep(1500);
            assertTrue(!lab.directorLog().contains("real server " + Lab.rs(1) + ":80 of"), "rs1 stays up: " +
                lab.directorLog());
            assertEquals(Map.of("rs1", 3), Map.copyOf(lab.counts(3)));
            lab.stopDirector();
        }
    }

    @Test
    void sslGetShouldCheckStatusAndDigestOverTls() throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "needs openssl");
        final String good = HexFormat.of().formatHex(MessageDigest.getInstance("MD5")
            .digest("rs1\n".getBytes(StandardCharsets.US_ASCII)));
        final StringBuilder conf = new StringBuilder("virtual_server " + Lab.VIP + " 80 {\n    delay_loop 1\n" +
            "    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n");
        for (int i = 1; i <= 2; i++)
        {
            conf.append("    real_server ").append(Lab.rs(i)).append(" 80 {\n        SSL_GET {\n")
                .append("            url {\n                path /index.html\n                digest ").append(good)
                .append("\n            }\n            connect_port 443\n            connect_timeout 2\n")
                .append("            retry 0\n        }\n    }\n");
        }
        conf.append("}\n");
        try (Lab lab = new Lab(Lab.Mode.NAT, 2, work, JAR))
        {
            final Path key = work.resolve("key.pem");
            final Path cert = work.resolve("cert.pem");
            Netns.run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=jvs-test",
                "-days", "1", "-keyout", key.toString(), "-out", cert.toString()), 60);
            for (int i = 1; i <= 2; i++)
            {
                // openssl s_server -WWW serves files of its working directory: rs1's index.html is "rs1\n"
                // (the digest matches), rs2's is "rs2\n" (it does not).
                lab.ns().spawn("rs" + i, List.of("sh", "-c", "cd " + work.resolve("rs" + i) + " && exec timeout 120 " +
                    "openssl s_server -quiet -accept 443 -WWW -cert " + cert + " -key " + key),
                    work.resolve("ssl" + i + ".log"));
            }
            Thread.sleep(700);
            lab.startDirector(conf.toString());
            assertNotNull(lab.awaitLog("real server " + Lab.rs(2) + ":80 of " + Lab.VIP + ":80 is DOWN", 6000),
                lab.directorLog());
            assertTrue(lab.directorLog().contains("of /index.html is not " + good), lab.directorLog());
            Thread.sleep(1500);
            assertTrue(!lab.directorLog().contains("real server " + Lab.rs(1) + ":80 of"), "rs1 stays up: " +
                lab.directorLog());
            assertEquals(Map.of("rs1", 3), Map.copyOf(lab.counts(3)));
            lab.stopDirector();
        }
    }

    /**
     * Scripts run as keepalived runs them: a MISC_CHECK as {@code script_user} (its effective uid is
     * written down by the script itself), and with {@code enable_script_security} a script run as root from a
     * directory anyone may write is refused: never run, its checker dropped, and the log says why.
     */
    @Test
    void scriptsShouldRunAsScriptUserAndAnUnsafeRootScriptShouldBeRefused() throws Exception
    {
        needs("/usr/bin/setpriv");
        final java.nio.file.attribute.FileAttribute<?>[] none = {};
        Files.setPosixFilePermissions(work, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        final Path out = Files.createDirectory(work.resolve("out"), none);
        Files.setPosixFilePermissions(out, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        final Path safe = Files.createDirectory(work.resolve("scripts"), none);
        final Path unsafe = Files.createDirectory(work.resolve("unsafe"), none);
        Files.setPosixFilePermissions(unsafe, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        final Path check = safe.resolve("check.sh");
        // Written aside and renamed: the test polls for the file, and "id -u > uid" creates it empty first.
        Files.writeString(check, "#!/bin/sh\nid -u > " + out.resolve("uid.tmp") + " && mv " + out.resolve("uid.tmp") +
            " " + out.resolve("uid") + "\nexit 0\n");
        final Path bad = unsafe.resolve("bad.sh");
        Files.writeString(bad, "#!/bin/sh\ntouch " + out.resolve("bad-ran") + "\nexit 1\n");
        for (final Path f : List.of(check, bad))
        {
            Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        final String conf = "global_defs {\n    script_user nobody\n    enable_script_security\n}\n" +
            "virtual_server " + Lab.VIP + " 80 {\n    delay_loop 1\n    lb_algo rr\n    lb_kind NAT\n" +
            "    protocol TCP\n" +
            "    real_server " + Lab.rs(1) + " 80 {\n        MISC_CHECK {\n            misc_path " + check +
            "\n        }\n    }\n" +
            "    real_server " + Lab.rs(2) + " 80 {\n        MISC_CHECK {\n            misc_path " + bad +
            "\n            user root\n        }\n    }\n}\n";
        try (Lab lab = new Lab(Lab.Mode.NAT, 2, work, JAR))
        {
            lab.startDirector(conf);
            final long end = System.currentTimeMillis() + 8000;
            while (!Files.exists(out.resolve("uid")) && System.currentTimeMillis() < end)
            {
                Thread.sleep(100);
            }
            assertEquals("65534", Files.readString(out.resolve("uid")).strip(), "the check ran as nobody");
            Thread.sleep(2500);
            assertTrue(!Files.exists(out.resolve("bad-ran")), "the unsafe script never ran");
            final String log = lab.directorLog();
            assertTrue(log.contains("Unsafe permissions found for script '" + bad + "' - disabling."), log);
            assertTrue(log.contains("Disabling misc script " + bad + " due to insecure"), log);
            assertTrue(!log.contains(Lab.rs(2) + ":80 of " + Lab.VIP + ":80 is DOWN"),
                "its checker is gone, so its server stays in: " + log);
            lab.stopDirector();
        }
    }

    /** PING_CHECK: a host that answers ICMP echo stays up, an address nobody holds goes down. */
    @Test
    void pingCheckShouldTellALiveHostFromAMissingOne() throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/ping")), "needs iputils-ping");
        final String conf = "virtual_server " + Lab.VIP + " 80 {\n    delay_loop 1\n    lb_algo rr\n" +
            "    lb_kind DR\n    protocol TCP\n" +
            "    real_server " + Lab.rs(1) + " 80 {\n        PING_CHECK {\n            connect_timeout 1\n" +
            "            retry 0\n        }\n    }\n" +
            "    real_server 198.19.0.99 80 {\n        PING_CHECK {\n            connect_timeout 1\n" +
            "            retry 0\n        }\n    }\n}\n";
        try (Lab lab = new Lab(Lab.Mode.DR, 1, work, JAR))
        {
            lab.startDirector(conf);
            assertNotNull(lab.awaitLog("real server 198.19.0.99:80 of " + Lab.VIP + ":80 is DOWN", 8000),
                lab.directorLog());
            Thread.sleep(2000);
            assertTrue(!lab.directorLog().contains("real server " + Lab.rs(1) + ":80 of"),
                "the host that answers stays up: " + lab.directorLog());
            lab.stopDirector();
        }
    }

    /**
     * UDP_CHECK: an echo server that answers what require_reply wants stays up; a port nobody listens on
     * answers with ICMP port unreachable and its server goes down.
     */
    @Test
    void udpCheckShouldTellAnAnsweringServerFromAClosedPort() throws Exception
    {
        final String conf = "virtual_server " + Lab.VIP + " 5353 {\n    delay_loop 1\n    lb_algo rr\n" +
            "    lb_kind DR\n    protocol UDP\n" +
            "    real_server " + Lab.rs(1) + " 5353 {\n        UDP_CHECK {\n            connect_timeout 1\n" +
            "            retry 0\n            payload 6a 76 73\n            require_reply 6a76\n        }\n    }\n" +
            "    real_server " + Lab.rs(2) + " 5353 {\n        UDP_CHECK {\n            connect_timeout 1\n" +
            "            retry 0\n        }\n    }\n}\n";
        try (Lab lab = new Lab(Lab.Mode.DR, 2, work, JAR))
        {
            lab.ns().spawn("rs1", List.of("/usr/bin/python3", "-c", "import socket\ns = socket.socket(2, 2)\n" +
                "s.bind(('0.0.0.0', 5353))\nwhile True:\n    d, a = s.recvfrom(2048)\n    s.sendto(d, a)\n"),
                work.resolve("udp-echo.log"));
            Thread.sleep(500);
            lab.startDirector(conf);
            assertNotNull(lab.awaitLog("real server " + Lab.rs(2) + ":5353 of " + Lab.VIP + ":5353 is DOWN", 6000),
                lab.directorLog());
            assertTrue(lab.directorLog().contains("failed (ICMP port unreachable)"),
                "the reason is the ICMP error: " + lab.directorLog());
            Thread.sleep(2500);
            assertTrue(!lab.directorLog().contains("real server " + Lab.rs(1) + ":5353 of"),
                "the echo server stays up: " + lab.directorLog());
            lab.stopDirector();
        }
    }

    /**
     * keepalived's SSL block: SSL_GET presents the configured client certificate (its key encrypted, with
     * the block's password) to a server that demands one; without the block the same server refuses the check.
     */
    @Test
    void sslBlockShouldPresentTheClientCertificate() throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "needs openssl");
        final Path d = work.resolve("pki");
        Files.createDirectories(d);
        Netns.run(List.of("sh", "-c", "cd " + d + " && " +
            "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=jvs-ca -days 1 -keyout ca.key -out ca.pem && " +
            "openssl req -newkey rsa:2048 -nodes -subj /CN=rs1 -keyout srv.key -out srv.csr && " +
            "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -out srv.pem && " +
            "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes256 -pass pass:jvspass " +
            "-out client.key && openssl req -new -key client.key -passin pass:jvspass -subj /CN=jvs-checker " +
            "-out client.csr && openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 " +
            "-out client.pem"), 120);
        assertTrue(Files.exists(d.resolve("client.pem")), "the test's PKI");
        final String vs = "virtual_server " + Lab.VIP + " 80 {\n    delay_loop 1\n    lb_algo rr\n    lb_kind NAT\n" +
            "    protocol TCP\n" +
            "    real_server " + Lab.rs(1) + " 80 {\n        SSL_GET {\n            url {\n" +
            "                path /index.html\n            }\n            connect_port 443\n" +
            "            connect_timeout 2\n            retry 0\n        }\n    }\n}\n";
        final String ssl = "SSL {\n    password jvspass\n    ca " + d.resolve("ca.pem") + "\n    certificate " +
            d.resolve("client.pem") + "\n    key " + d.resolve("client.key") + "\n}\n";
        try (Lab lab = new Lab(Lab.Mode.NAT, 1, work, JAR))
        {
            lab.ns().spawn("rs1", List.of("sh", "-c", "cd " + work.resolve("rs1") + " && exec timeout 120 " +
                "openssl s_server -quiet -accept 443 -WWW -cert " + d.resolve("srv.pem") + " -key " +
                d.resolve("srv.key") + " -Verify 1 -CAfile " + d.resolve("ca.pem")), work.resolve("ssl-verify.log"));
            Thread.sleep(700);
            lab.startDirector(ssl + vs);
            Thread.sleep(4000);
            assertTrue(!lab.directorLog().contains("real server " + Lab.rs(1) + ":80 of"),
                "with the client certificate rs1 stays up: " + lab.directorLog());
            lab.stopDirector();
            lab.startDirector(vs);
            assertNotNull(lab.awaitLog("real server " + Lab.rs(1) + ":80 of " + Lab.VIP + ":80 is DOWN", 6000),
                "without it the server refuses the check: " + lab.directorLog());
            lab.stopDirector();
        }
    }

    /**
     * smtp_alert: a real server that goes down and the VRRP instance that becomes master each send keepalived's
     * mail, through a scripted SMTP server on the client host (Python's smtpd DebuggingServer prints what it
     * receives).
     */
    @Test
    void smtpAlertShouldMailTransitions() throws Exception
    {
        final String conf = "global_defs {\n  router_id LVS_TEST\n  notification_email {\n    ops@example.test\n" +
            "  }\n  notification_email_from jvs@example.test\n  smtp_server 198.19.0.5 2525\n" +
            "  smtp_connect_timeout 5\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n" +
            "  priority 150\n  advert_int 1\n  smtp_alert\n  virtual_ipaddress {\n    " + Lab.VIP + "\n  }\n}\n" +
            "virtual_server " + Lab.VIP + " 80 {\n  delay_loop 1\n  lb_algo rr\n  lb_kind DR\n  protocol TCP\n  smtp_alert\n" +
            "  real_server " + Lab.rs(1) + " 80 {\n    TCP_CHECK {\n      connect_timeout 1\n      retry 0\n    }\n  }\n" +
            "  real_server " + Lab.rs(2) + " 80\n}\n";
        try (Lab lab = new Lab(Lab.Mode.DR, 2, work, JAR))
        {
            final Path mail = work.resolve("smtpd.log");
            lab.ns().spawn("client", List.of("python3", "-u", "-W", "ignore", "-m", "smtpd", "-n", "-c",
                "DebuggingServer", "198.19.0.5:2525"), mail);
            lab.startDirector(conf);
            assertTrue(await(mail, "Subject: [LVS_TEST] VRRP Instance VI_1 - Entering MASTER state", 10_000),
                Files.readString(mail) + lab.directorLog());
            assertTrue(Files.readString(mail).contains("=> VRRP Instance is now owning VRRP VIPs <="));
            Netns.stopAll("rs1");
            assertTrue(await(mail, "Subject: [LVS_TEST] Realserver [" + Lab.rs(1) + "]:80 of virtual server [" +
                Lab.VIP + "]:80 - DOWN", 10_000), Files.readString(mail) + lab.directorLog());
            final String m = Files.readString(mail);
            assertTrue(m.contains("=> CHECK failed on service <="), m);
            assertTrue(m.contains("From: jvs@example.test") && m.contains("To: ops@example.test") &&
                m.contains("X-Mailer: Keepalived"), m);
            assertTrue(lab.directorLog().contains("smtp_alert sent: [LVS_TEST] Realserver"), lab.directorLog());
        }
    }

    private static boolean await(final Path file, final String text, final long ms) throws Exception
    {
        final long end = System.currentTimeMillis() + ms;
        while (System.currentTimeMillis() < end)
        {
            if (Files.exists(file) && Files.readString(file).contains(text))
            {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }
}
