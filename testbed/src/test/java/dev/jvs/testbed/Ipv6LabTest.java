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
 * IPv6 virtual servers in a running director (2001:2::/64 beside the lab's IPv4): HTTP through DR and NAT,
 * listed as ipvsadm lists them, and real servers health-checked over IPv6, out of the table and back with
 * their notify scripts.
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

    /** A web server on [::]:8080 in each real server, serving its directory (index.html says which it is). */
    private void serve6(final Lab lab, final int servers) throws Exception
    {
        for (int i = 1; i <= servers; i++)
        {
            lab.ns().spawn("rs" + i, List.of("timeout", "100", "/usr/bin/python3", "-m", "http.server", "8080",
                "--bind", "::", "--directory", work.resolve("rs" + i).toString()), work.resolve("rs" + i + "-6.log"));
        }
        for (int i = 1; i <= servers; i++)
        {
            for (int t = 0; t < 50 && 0 != lab.ns().shAllowFail("rs" + i, "curl -g -s -o /dev/null --max-time 1 " +
                "'http://[2001:2::1" + i + "]:8080/'", 5).exit(); t++)
            {
                Thread.sleep(100);
            }
        }
    }

    /** Each of {@code n} requests from the client to the IPv6 VIP, by which real server answered. */
    private static java.util.Map<String, Integer> get6(final Lab lab, final String url, final int n)
        throws Exception
    {
        final java.util.Map<String, Integer> seen = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++)
        {
            final Netns.Result r = lab.ns().shAllowFail("client", "curl -g -s -S --max-time 5 '" + url + "'", 10);
            seen.merge(0 != r.exit() ? "failed (" + r.exit() + ")" : r.out().strip(), 1, Integer::sum);
        }
        return seen;
    }

    /**
     * DR over IPv6: the client on the servers' link finds the VIP by neighbour discovery (jvs answers), the
     * servers hold the VIP on lo (Linux answers solicitations only for its interface's own addresses) and reply
     * straight to the client; rr spreads the connections.
     */
    @Test
    void drShouldCarryHttpOverIpv6() throws Exception
    {
        final String conf = "virtual_server 2001:2::80 8080 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n" +
            "    real_server 2001:2::11 8080 {\n    }\n    real_server 2001:2::12 8080 {\n    }\n}\n";
        try (Lab lab = new Lab(Lab.Mode.DR, 2, work, JAR))
        {
            lab.ns().sh("director", "ip -6 addr add 2001:2::2/64 dev eth0 nodad");
            lab.ns().sh("client", "ip -6 addr add 2001:2::5/64 dev eth0 nodad");
            for (int i = 1; i <= 2; i++)
            {
                lab.ns().sh("rs" + i, "ip -6 addr add 2001:2::1" + i + "/64 dev eth0 nodad && " +
                    "ip -6 addr add 2001:2::80/128 dev lo");
            }
            serve6(lab, 2);
            final Path sock = work.resolve("ctl.sock");
            lab.startDirector(conf, List.of("--control", sock.toString()));
            assertEquals(java.util.Map.of("rs1", 3, "rs2", 3), get6(lab, "http://[2001:2::80]:8080/", 6),
                lab.directorLog());
            final String conns = adm(sock, "-L", "-n", "-c").out();
            assertTrue(conns.contains("[2001:2::5]:") && conns.contains("[2001:2::80]:8080") &&
                conns.contains("[2001:2::11]:8080"), conns);
            lab.stopDirector();
        }
    }

    private static long forwarded(final Lab lab, final int worker) throws Exception
    {
        final String m = lab.ns().sh("director", "curl -s --max-time 5 http://198.19.0.2:9742/metrics");
        final java.util.regex.Matcher x = java.util.regex.Pattern.compile("jvs_worker_forwarded_total\\{worker=\"" +
            worker + "\"} (\\d+)").matcher(m);
        assertTrue(x.find(), m);
        return Long.parseLong(x.group(1));
    }

    /** One request from each client address to the IPv6 VIP; who answered each. */
    private static java.util.Map<String, String> round6(final Lab lab, final List<String> clients) throws Exception
    {
        final StringBuilder sh = new StringBuilder();
        for (final String c : clients)
        {
            sh.append("echo ").append(c).append(" $(curl -g -s --max-time 5 --interface ").append(c)
                .append(" 'http://[2001:2::80]/'); ");
        }
        final java.util.Map<String, String> who = new java.util.TreeMap<>();
        for (final String line : lab.ns().sh("client", sh.toString()).lines().toList())
        {
            final String[] w = line.trim().split("\\s+");
            who.put(w[0], w.length > 1 ? w[1] : "(none)");
        }
        return who;
    }

    /**
     * Two workers share IPv6 clients as IPv4's: the fanout program hashes the fold of the client's address
     * (a NAT real server's reply by its destination), so every client's requests and replies meet on one
     * worker, and the kernel steers them as {@code Fanout.worker6} says.
     */
    @Test
    void twoWorkersShouldShareIpv6Clients() throws Exception
    {
        final String conf = "virtual_server 2001:2::80 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n" +
            "    persistence_timeout 300\n" +
            "    real_server 2001:2::11 8080 {\n    }\n    real_server 2001:2::12 8080 {\n    }\n}\n";
        try (Lab lab = new Lab(Lab.Mode.NAT, 2, work, JAR))
        {
            lab.ns().sh("director", "ip -6 addr add 2001:2::2/64 dev eth0 nodad");
            lab.ns().sh("client", "ip -6 route add 2001:2::80/128 dev eth0 2>/dev/null || true");
            final List<String> all = new java.util.ArrayList<>();
            final List<String> ofWorker1 = new java.util.ArrayList<>();
            for (int c = 0; c < 16; c++)
            {
                final String a = "2001:2:1::" + Integer.toHexString(0x20 + c);
                lab.ns().sh("client", "ip -6 addr add " + a + "/64 dev eth0 nodad");
                all.add(a);
                final dev.jvs.engine.frame.IpAddress ip = dev.jvs.engine.frame.IpAddress.parse(a);
                if (1 == dev.jvs.engine.io.Fanout.worker6(ip.hi(), ip.lo(), 128, 2))
                {
                    ofWorker1.add(a);
                }
            }
            assertTrue(!ofWorker1.isEmpty() && ofWorker1.size() < all.size(), "both workers have clients: " +
                ofWorker1);
            for (int i = 1; i <= 2; i++)
            {
                lab.ns().sh("rs" + i, "ip -6 addr add 2001:2::1" + i + "/64 dev eth0 nodad && " +
                    "ip -6 route add 2001:2:1::/64 via 2001:2::2");
            }
            serve6(lab, 2);
            lab.startDirector(conf, List.of("--workers", "2", "--metrics", "198.19.0.2:9742"));
            final java.util.Map<String, String> first = round6(lab, all);
            assertEquals(java.util.Set.of("rs1", "rs2"), new java.util.HashSet<>(first.values()),
                "every client answered, rr over them: " + first + lab.directorLog());
            assertEquals(first, round6(lab, all), "each client stays on its real server (persistence)");
            assertTrue(forwarded(lab, 0) > 0 && forwarded(lab, 1) > 0, "both workers forward: " +
                lab.ns().sh("director", "curl -s --max-time 5 http://198.19.0.2:9742/metrics | grep worker") +
                lab.directorLog());
            final long w0 = forwarded(lab, 0);
            final long w1 = forwarded(lab, 1);
            round6(lab, ofWorker1);
            assertEquals(w0, forwarded(lab, 0), "worker 0 forwarded nothing of worker 1's clients");
            assertTrue(forwarded(lab, 1) > w1, "worker 1 forwarded them");
            final String log = lab.stopDirector();
            assertTrue(log.contains("(IPv6 /128)"), log);
        }
    }

    /**
     * A dual-stack service: one name's IPv4 and IPv6 addresses as two virtual servers side by side, over the
     * same real servers (their web server listens on both families); each family's connections spread by its
     * own rr, both listed by jvs adm as ipvsadm lists them.
     */
    @Test
    void aDualStackServiceShouldServeBothFamilies() throws Exception
    {
        final String conf = "virtual_server 198.19.0.80 8080 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n" +
            "    real_server 198.19.0.11 8080 {\n    }\n    real_server 198.19.0.12 8080 {\n    }\n}\n" +
            "virtual_server 2001:2::80 8080 {\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n" +
            "    real_server 2001:2::11 8080 {\n    }\n    real_server 2001:2::12 8080 {\n    }\n}\n";
        try (Lab lab = new Lab(Lab.Mode.DR, 2, work, JAR))
        {
            lab.ns().sh("director", "ip -6 addr add 2001:2::2/64 dev eth0 nodad");
            lab.ns().sh("client", "ip -6 addr add 2001:2::5/64 dev eth0 nodad");
            for (int i = 1; i <= 2; i++)
            {
                lab.ns().sh("rs" + i, "ip -6 addr add 2001:2::1" + i + "/64 dev eth0 nodad && " +
                    "ip -6 addr add 2001:2::80/128 dev lo");
            }
            serve6(lab, 2);
            final Path sock = work.resolve("ctl.sock");
            lab.startDirector(conf, List.of("--control", sock.toString()));
            assertEquals(java.util.Map.of("rs1", 2, "rs2", 2), get6(lab, "http://198.19.0.80:8080/", 4),
                lab.directorLog());
            assertEquals(java.util.Map.of("rs1", 2, "rs2", 2), get6(lab, "http://[2001:2::80]:8080/", 4),
                lab.directorLog());
            // Real servers sorted by address as ipvsadm sorts them (ipvs_cmp_dests). Each connection is
            // inactive once its client's FIN has passed (polled: the last one may be on its way).
            final String want = "TCP  198.19.0.80:8080 rr\n" +
                "  -> 198.19.0.11:8080             Route   1      0          2\n" +
                "  -> 198.19.0.12:8080             Route   1      0          2\n" +
                "TCP  [2001:2::80]:8080 rr\n" +
                "  -> [2001:2::11]:8080            Route   1      0          2\n" +
                "  -> [2001:2::12]:8080            Route   1      0          2\n";
            String listed = "";
            for (int t = 0; t < 50 && !want.equals(listed); t++)
            {
                Thread.sleep(t > 0 ? 100 : 0);
                listed = adm(sock, "-L", "-n").out().lines().skip(3).map(l -> l.stripTrailing() + "\n")
                    .reduce("", String::concat);
            }
            assertEquals(want, listed, "both families, IPv4 first (ipvs_cmp_services)");
            lab.stopDirector();
        }
    }

    /**
     * NAT over IPv6: the client on another prefix, the servers' route back through the director's address;
     * jvs rewrites the destination to the server's address and port 8080, and the replies' source back to the
     * VIP and port 80.
     */
    @Test
    void natShouldCarryHttpOverIpv6() throws Exception
    {
        final String conf = "virtual_server 2001:2::80 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n" +
            "    real_server 2001:2::11 8080 {\n    }\n    real_server 2001:2::12 8080 {\n    }\n}\n";
        try (Lab lab = new Lab(Lab.Mode.NAT, 2, work, JAR))
        {
            // Forwarding on, as a director's kernel often has it: the shields keep it out of what jvs owns.
            lab.ns().sh("director", "ip -6 addr add 2001:2::2/64 dev eth0 nodad && " +
                "sysctl -qw net.ipv6.conf.all.forwarding=1");
            lab.ns().sh("client", "ip -6 addr add 2001:2:1::5/64 dev eth0 nodad && " +
                "ip -6 route add 2001:2::80/128 dev eth0");
            for (int i = 1; i <= 2; i++)
            {
                lab.ns().sh("rs" + i, "ip -6 addr add 2001:2::1" + i + "/64 dev eth0 nodad && " +
                    "ip -6 route add 2001:2:1::/64 via 2001:2::2");
            }
            serve6(lab, 2);
            lab.startDirector(conf);
            assertEquals(java.util.Map.of("rs1", 3, "rs2", 3), get6(lab, "http://[2001:2::80]/", 6),
                lab.directorLog());
            final String shield = lab.ns().sh("director", "nft list table netdev jvs_eth0");
            final java.util.regex.Matcher vip = java.util.regex.Pattern.compile(
                "ip6 daddr 2001:2::80 counter packets (\\d+)").matcher(shield);
            final java.util.regex.Matcher replies = java.util.regex.Pattern.compile(
                "ip6 saddr \\{ 2001:2::11, 2001:2::12 \\} ip6 daddr != \\{[^}]*\\} counter packets (\\d+)")
                .matcher(shield);
            assertTrue(vip.find() && Long.parseLong(vip.group(1)) > 0 && replies.find() &&
                Long.parseLong(replies.group(1)) > 0, "the kernel never saw the VIP's traffic nor the replies: " +
                shield);
            final String log = lab.stopDirector();
            final java.util.regex.Matcher m = java.util.regex.Pattern.compile("forwarded (\\d+) in, (\\d+) out")
                .matcher(log);
            assertTrue(m.find() && Integer.parseInt(m.group(2)) > 0, "replies came back through jvs: " + log);
        }
    }

    /**
     * TUN over IPv6 (ip6ip6): each server decapsulates with {@code jvs rs-tun} (this kernel has no ip6_tunnel
     * module) and answers the client straight from the VIP on its loopback; the outer source is the director's
     * own address on the port.
     */
    @Test
    void tunShouldCarryHttpOverIpv6() throws Exception
    {
        final String conf = "virtual_server 2001:2::80 8080 {\n    lb_algo rr\n    lb_kind TUN\n    protocol TCP\n" +
            "    real_server 2001:2::11 8080 {\n    }\n    real_server 2001:2::12 8080 {\n    }\n}\n";
        try (Lab lab = new Lab(Lab.Mode.DR, 2, work, JAR))
        {
            lab.ns().sh("director", "ip -6 addr add 2001:2::2/64 dev eth0 nodad");
            lab.ns().sh("client", "ip -6 addr add 2001:2::5/64 dev eth0 nodad");
            for (int i = 1; i <= 2; i++)
            {
                lab.ns().sh("rs" + i, "ip -6 addr add 2001:2::1" + i + "/64 dev eth0 nodad");
                final Path log = work.resolve("rs" + i + "-tun6.log");
                lab.ns().spawn("rs" + i, List.of("java", "-Xmx64m", "-jar", JAR.toString(), "rs-tun", "--vip",
                    "2001:2::80", "--dev", "jvstun6"), log);
                for (int t = 0; t < 150 && !(Files.exists(log) && Files.readString(log).contains("decapsulating")); t++)
                {
                    Thread.sleep(100);
                }
                assertTrue(Files.readString(log).contains("decapsulating ip6ip6 into jvstun6"), Files.readString(log));
            }
            serve6(lab, 2);
            lab.startDirector(conf);
            assertEquals(java.util.Map.of("rs1", 3, "rs2", 3), get6(lab, "http://[2001:2::80]:8080/", 6),
                lab.directorLog());
            lab.stopDirector();
        }
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

    /**
     * Every network checker over IPv6 in one director, each against a server that answers and one that does
     * not: SMTP_CHECK (a scripted peer on [::]:25), DNS_CHECK (dnsmasq on the server's IPv6 address), UDP_CHECK
     * (an echo server; the other port answers ICMPv6 port unreachable), SSL_GET (openssl s_server on [::]:443)
     * and PING_CHECK (ICMPv6 echo, ping taking the family from the address). Only the failing servers go down.
     */
    @Test
    void everyCheckerShouldWorkOverIpv6() throws Exception
    {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/dnsmasq")) &&
            Files.isExecutable(Path.of("/usr/bin/openssl")) && Files.isExecutable(Path.of("/usr/bin/ping")),
            "needs dnsmasq, openssl and ping");
        final String rs = "    real_server 2001:2::%s %d {\n        %s {\n%s            connect_timeout 2\n" +
            "            retry 0\n        }\n    }\n";
        final StringBuilder conf = new StringBuilder();
        final String[][] checks = {
            {"80", "25", "TCP", "SMTP_CHECK", "            connect_port 25\n            helo_name jvs.test\n"},
            {"81", "53", "UDP", "DNS_CHECK", "            type A\n            name check.test\n"},
            {"82", "5353", "UDP", "UDP_CHECK", "            payload 6a 76 73\n            require_reply 6a76\n"},
            {"83", "443", "TCP", "SSL_GET", "            url {\n                path /index.html\n" +
                "                status_code 200\n            }\n            connect_port 443\n"},
            {"84", "80", "TCP", "PING_CHECK", ""}};
        for (final String[] c : checks)
        {
            conf.append("virtual_server 2001:2::").append(c[0]).append(' ').append(c[1])
                .append(" {\n    delay_loop 1\n    lb_algo rr\n    lb_kind DR\n    protocol ").append(c[2])
                .append('\n');
            for (int i = 1; i <= 2; i++)
            {
                // PING_CHECK's second server is an address nobody holds.
                final String host = 2 == i && "PING_CHECK".equals(c[3]) ? "99" : "1" + i;
                conf.append(String.format(java.util.Locale.ROOT, rs, host, Integer.parseInt(c[1]), c[3], c[4]));
            }
            conf.append("}\n");
        }
        try (Lab lab = new Lab(Lab.Mode.DR, 2, work, JAR))
        {
            lab.ns().sh("director", "ip -6 addr add 2001:2::2/64 dev eth0 nodad");
            lab.ns().sh("rs1", "ip -6 addr add 2001:2::11/64 dev eth0 nodad");
            lab.ns().sh("rs2", "ip -6 addr add 2001:2::12/64 dev eth0 nodad");
            final Path key = work.resolve("key.pem");
            final Path cert = work.resolve("cert.pem");
            Netns.run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=jvs-test",
                "-days", "1", "-keyout", key.toString(), "-out", cert.toString()), 60);
            // rs1 answers every check; rs2 runs nothing (refused, port unreachable, DNS silence), and PING_CHECK's
            // second server, 2001:2::99, is nobody: each of those goes down.
            lab.ns().spawn("rs1", List.of("timeout", "100", "/usr/bin/python3", "-c", String.join("\n",
                "import socket, threading",
                "def smtp():",
                "    s = socket.socket(socket.AF_INET6)",
                "    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
                "    s.bind(('::', 25)); s.listen(16)",
                "    while True:",
                "        c, _ = s.accept()",
                "        c.sendall(b'220 ready\\r\\n')",
                "        c.makefile('rb').readline()",
                "        c.sendall(b'250 peer\\r\\n'); c.close()",
                "threading.Thread(target=smtp, daemon=True).start()",
                "u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)",
                "u.bind(('::', 5353))",
                "while True:",
                "    d, a = u.recvfrom(2048); u.sendto(d, a)", "")), work.resolve("rs1-servers.log"));
            lab.ns().spawn("rs1", List.of("dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
                "--port=53", "--listen-address=2001:2::11", "--bind-interfaces", "--user=root",
                "--pid-file=" + work.resolve("dnsmasq.pid"), "--log-facility=-", "--address=/check.test/198.19.0.11"),
                work.resolve("dnsmasq.log"));
            lab.ns().spawn("rs1", List.of("sh", "-c", "cd " + work.resolve("rs1") + " && exec timeout 100 " +
                "openssl s_server -quiet -accept '[::]:443' -WWW -cert " + cert + " -key " + key),
                work.resolve("ssl.log"));
            Thread.sleep(1000);
            lab.startDirector(conf.toString());
            for (final String[] c : checks)
            {
                final String down = "PING_CHECK".equals(c[3]) ? "99" : "12";
                assertNotNull(lab.awaitLog("real server [2001:2::" + down + "]:" + c[1] + " of [2001:2::" + c[0] +
                    "]:" + c[1] + " is DOWN", 8000), c[3] + ": " + lab.directorLog());
            }
            Thread.sleep(2500);
            final String log = lab.directorLog();
            assertTrue(!log.contains("real server [2001:2::11]"), "every check of rs1 passes over IPv6: " + log);
            assertTrue(log.contains("ICMP port unreachable"), "UDP_CHECK's reason: " + log);
            lab.stopDirector();
        }
    }
}
