package dev.jvs.testbed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IPv6 virtual servers in a running director, as far as jvs carries them today: listed as ipvsadm lists them,
 * and their real servers health-checked over IPv6 (2001:2::/64 beside the lab's IPv4), out of the table and
 * back with their notify scripts; the log says they are not forwarded yet.
 */
@Timeout(120)
class Ipv6LabTest extends LabTest
{
    /** An HTTP server on [::]:8080 that writes down the Host header it was sent; bounded in time. */
    private static List<String> httpServer6(final Path hosts)
    {
        return List.of("timeout", "100", "/usr/bin/python3", "-c", String.join("\n",
            "import socket, http.server",
            "class H(http.server.BaseHTTPRequestHandler):",
            "    def do_GET(self):",
            "        open('" + hosts + "', 'a').write(self.headers['Host'] + '\\n')",
            "        self.send_response(200)",
            "        self.send_header('Content-Length', '3')",
            "        self.end_headers()",
            "        self.wfile.write(b'ok\\n')",
            "class S(http.server.HTTPServer):",
            "    address_family = socket.AF_INET6",
            "    allow_reuse_address = True",
            "S(('::', 8080), H).serve_forever()", ""));
    }

    /** The save output once it is what is expected (a health change reaches the table within a tick). */
    private static String awaitSave(final Path sock, final String expected) throws Exception
    {
        String got = "";
        for (int t = 0; t < 50 && !expected.equals(got); t++)
        {
            got = adm(sock, "-S", "-n").out();
            Thread.sleep(100);
        }
        return got;
    }

    @Test
    void checkersShouldTakeAnIpv6RealServerOutAndBringItBack() throws Exception
    {
        final Path hosts = work.resolve("hosts.txt");
        final Path notes = work.resolve("notes.txt");
        final String conf = "virtual_server 2001:2::80 8080 {\n    delay_loop 1\n    lb_algo rr\n    lb_kind DR\n" +
            "    protocol TCP\n" +
            "    real_server 2001:2::11 8080 {\n" +
            "        notify_down \"/bin/sh -c 'echo down >> " + notes + "'\"\n" +
            "        notify_up \"/bin/sh -c 'echo up >> " + notes + "'\"\n" +
            "        HTTP_GET {\n            url {\n                path /\n                status_code 200\n" +
            "            }\n            connect_timeout 1\n            retry 0\n        }\n    }\n" +
            "    real_server 2001:2::12 8080 {\n        TCP_CHECK {\n            connect_timeout 1\n" +
            "            retry 0\n        }\n    }\n}\n";
        try (Lab lab = new Lab(Lab.Mode.DR, 2, work, JAR))
        {
            lab.ns().sh("director", "ip -6 addr add 2001:2::2/64 dev eth0 nodad");
            lab.ns().sh("rs1", "ip -6 addr add 2001:2::11/64 dev eth0 nodad");
            lab.ns().sh("rs2", "ip -6 addr add 2001:2::12/64 dev eth0 nodad");
            lab.ns().spawn("rs1", httpServer6(hosts), work.resolve("http6.log"));
            final Path sock = work.resolve("ctl.sock");
            lab.startDirector(conf, List.of("--control", sock.toString()));
            assertTrue(lab.directorLog().contains("virtual server [2001:2::80]:8080 is IPv6: jvs lists it and runs " +
                "its checkers, but does not forward IPv6 yet"), lab.directorLog());
            // rs2 has nothing on 8080: refused over IPv6, down.
            assertNotNull(lab.awaitLog("real server [2001:2::12]:8080 of [2001:2::80]:8080 is DOWN", 8000),
                lab.directorLog());
            for (int t = 0; t < 50 && !Files.exists(hosts); t++)
            {
                Thread.sleep(100);
            }
            assertEquals("[2001:2::11]:8080", Files.readAllLines(hosts).get(0),
                "keepalived's Host header for an IPv6 address (RFC 2732)");
            assertTrue(!lab.directorLog().contains("real server [2001:2::11]:8080 of"), lab.directorLog());
            // The running table as ipvsadm-save -n writes it: rs2 taken out by its check.
            final String one = "-A -t [2001:2::80]:8080 -s rr\n-a -t [2001:2::80]:8080 -r [2001:2::11]:8080 -g -w 1\n";
            assertEquals(one, awaitSave(sock, one));

            // rs1 stops serving: out, with its notify_down; serving again: back, with notify_up.
            Netns.stopAll("rs1");
            assertNotNull(lab.awaitLog("real server [2001:2::11]:8080 of [2001:2::80]:8080 is DOWN", 8000),
                lab.directorLog());
            assertEquals("-A -t [2001:2::80]:8080 -s rr\n", awaitSave(sock, "-A -t [2001:2::80]:8080 -s rr\n"));
            lab.ns().spawn("rs1", httpServer6(hosts), work.resolve("http6-again.log"));
            assertNotNull(lab.awaitLog("real server [2001:2::11]:8080 of [2001:2::80]:8080 is UP", 8000),
                lab.directorLog());
            for (int t = 0; t < 50 && !(Files.exists(notes) && Files.readString(notes).contains("up")); t++)
            {
                Thread.sleep(100);
            }
            assertEquals(List.of("down", "up"), Files.readAllLines(notes));
            assertEquals(one, awaitSave(sock, one), "back in the table");
            assertTrue(adm(sock, "-L", "-n").out().contains("TCP  [2001:2::80]:8080 rr\n" +
                "  -> [2001:2::11]:8080            Route   1      0          0"), "listed as ipvsadm lists it");
            lab.stopDirector();
        }
    }
}
