package dev.jvs.director.config;

import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.Neighbors;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checker blocks: keepalived's defaults and inheritance, errors, and what a down server does to the table. */
class CheckerConfigTest
{
    private static final Path F = Path.of("keepalived.conf");

    @Test
    void shouldResolveCheckerOptionsFromCheckerRealServerAndVirtualServer() throws Exception
    {
        final KeepalivedConfig c = KeepalivedConfig.parse(F, """
            virtual_server 198.19.0.80 80 {
                delay_loop 6
                connect_timeout 2.5
                warmup 2
                alpha
                real_server 198.19.0.11 80 {
                    inhibit_on_failure
                    retry 4
                    HTTP_GET {
                        url { path /health; status_code 200 204 300-302 }
                        url { path /; digest 9B3A0C85A887A256D6939DA88AABD8CD }
                        nb_get_retry 2
                        connect_ip 198.19.0.21
                        connect_port 8080
                        bindto 198.19.0.2
                        virtualhost www.example
                    }
                    TCP_CHECK { }
                }
                real_server 198.19.0.12 80 {
                    TCP_CHECK
                }
                protocol TCP
                lb_kind NAT
                lb_algo wlc
            }
            """.replace("; ", "\n"));
        assertTrue(c.warnings.isEmpty(), c.warnings.toString());
        final RealServer rs1 = c.virtualServers.get(0).realServers().get(0);
        assertTrue(rs1.alpha() && rs1.inhibitOnFailure());
        final Check http = rs1.checks().get(0);
        assertEquals("HTTP_GET", http.type());
        assertEquals(6000, http.delayLoopMs());
        assertEquals(2000, http.warmupMs(), "inherited from the virtual server");
        assertEquals(2500, http.connectTimeoutMs());
        assertEquals(2, http.retry(), "the checker's nb_get_retry wins over the real server's retry");
        assertEquals(3000, http.delayBeforeRetryMs(), "HTTP_GET's default");
        assertEquals(IpAddress.parse("198.19.0.21"), http.connectIp());
        assertEquals(8080, http.connectPort());
        assertEquals(IpAddress.parse("198.19.0.2"), http.bindIp());
        assertEquals("www.example", http.virtualhost());
        assertEquals(Set.of(200, 204, 300, 301, 302), http.urls().get(0).statusCodes());
        assertEquals("9b3a0c85a887a256d6939da88aabd8cd", http.urls().get(1).digest());
        assertNull(http.urls().get(0).digest());
        final Check tcp = rs1.checks().get(1);
        assertEquals(4, tcp.retry(), "inherited from the real server");
        assertEquals(1000, tcp.delayBeforeRetryMs(), "TCP_CHECK's default");
        assertEquals(IpAddress.parse("198.19.0.11"), tcp.connectIp());
        assertEquals(80, tcp.connectPort());
        final Check plain = c.virtualServers.get(0).realServers().get(1).checks().get(0);
        assertEquals(1, plain.retry(), "keepalived's default retry");
        assertEquals(2500, plain.connectTimeoutMs());
    }

    @Test
    void eachCheckerShouldTakeKeepalivedsOwnDefaults() throws Exception
    {
        final KeepalivedConfig c = KeepalivedConfig.parse(F, "virtual_server 198.19.0.80 53 {\n delay_loop 10\n" +
            " real_server 198.19.0.11 53 {\n  DNS_CHECK {\n  }\n  MISC_CHECK {\n   misc_path /bin/true\n  }\n" +
            "  TCP_CHECK {\n  }\n  HTTP_GET {\n   url {\n    path /\n   }\n  }\n }\n}\n");
        final java.util.List<Check> ch = c.virtualServers.get(0).realServers().get(0).checks();
        assertEquals(3, ch.get(0).retry(), "DNS_CHECK: DNS_DEFAULT_RETRY");
        assertEquals(10_000, ch.get(0).delayBeforeRetryMs(), "DNS_CHECK: delay_before_retry defaults to delay_loop");
        assertEquals(6, ch.get(0).dnsType(), "DNS_CHECK: SOA");
        assertEquals(".", ch.get(0).dnsName());
        assertEquals(0, ch.get(1).retry(), "MISC_CHECK: no retry by default");
        assertEquals(1, ch.get(2).retry());
        assertEquals(1_000, ch.get(2).delayBeforeRetryMs());
        assertEquals(5_000, ch.get(2).connectTimeoutMs());
        assertEquals(3_000, ch.get(3).delayBeforeRetryMs(), "HTTP_GET: 3 s");
    }

    @Test
    void keepalivedsOwnSampleShapeShouldLoadWithoutAWarning() throws Exception
    {
        final java.nio.file.Path f = java.nio.file.Path.of(
            java.util.Objects.requireNonNull(getClass().getResource("/keepalived-sample.conf")).toURI());
        final KeepalivedConfig c = KeepalivedConfig.load(f);
        // Its scripts are not on this machine: keepalived would disable them as jvs does, saying so.
        assertEquals(java.util.List.of(
            f + ":119: Script /usr/local/bin/alert.sh cannot be accessed - No such file or directory",
            f + ":114: Script /usr/local/bin/check.sh cannot be accessed - No such file or directory",
            f + ":114: Disabling misc script /usr/local/bin/check.sh 198.18.200.5 since not found/accessible"),
            c.warnings);
        assertEquals(3, c.virtualServers.size());
        final Check ssl = c.virtualServers.get(0).realServers().get(0).checks().get(0);
        assertEquals("SSL_GET", ssl.type());
        assertEquals(2, ssl.urls().size());
        assertEquals(3, ssl.retry());
        assertEquals(443, ssl.connectPort());
        assertEquals(Ipv4.parse("198.18.200.200"), c.virtualServers.get(1).sorryAddr());
        final VirtualServer third = c.virtualServers.get(2);
        assertTrue(third.realServers().get(1).checks().isEmpty(), "the MISC_CHECK of a missing script is dropped");
        assertEquals("/usr/local/bin/alert.sh down", third.realServers().get(1).notifyDown().line());
        assertEquals("it cannot be found or executed", third.realServers().get(1).notifyDown().disabled());
        assertEquals("mail.example", third.realServers().get(2).checks().get(0).heloName());
        assertEquals(25, third.realServers().get(2).checks().get(0).connectPort());
        assertEquals(6, third.realServers().get(3).checks().get(0).dnsType());
        assertEquals(53, third.realServers().get(3).checks().get(0).connectPort());
    }

    @Test
    void keywordsJvsDoesNotActOnShouldBeWarnedAboutNotSwallowed() throws Exception
    {
        final KeepalivedConfig c = KeepalivedConfig.parse(F,
            "virtual_server 198.19.0.80 80 {\n persistence_engine sip\n real_server 198.19.0.11 80 {\n  rise 3\n }\n" +
            " protocol TCP\n lb_kind NAT\n lb_algo rr\n}\n");
        assertEquals(java.util.List.of("keepalived.conf:2: 'persistence_engine' is not acted on by jvs yet, ignored",
            "keepalived.conf:4: 'rise' is not acted on by jvs yet, ignored"), c.warnings);
    }

    @Test
    void shouldNameTheLineOfABrokenChecker()
    {
        ConfigException e = assertThrows(ConfigException.class, () -> KeepalivedConfig.parse(F,
            "virtual_server 198.19.0.80 80 {\n real_server 198.19.0.11 80 {\n  HTTP_GET {\n   url {\n" +
            "    digest xyz\n   }\n  }\n }\n}\n"));
        assertEquals(5, e.line());
        assertTrue(e.getMessage().contains("is not an MD5 digest"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> KeepalivedConfig.parse(F,
            "virtual_server 198.19.0.80 80 {\n real_server 198.19.0.11 80 {\n  HTTP_GET {\n   url {\n" +
            "    status_code 200-700\n   }\n  }\n }\n}\n"));
        assertTrue(e.getMessage().contains("status_code 700 is out of range"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> KeepalivedConfig.parse(F,
            "virtual_server 198.19.0.80 80 {\n real_server 198.19.0.11 80 {\n  HTTP_GET {\n   connect_timeout 3\n" +
            "  }\n }\n}\n"));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("HTTP_GET needs at least one url"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> KeepalivedConfig.parse(F,
            "virtual_server 198.19.0.80 80 {\n real_server 198.19.0.11 80 {\n  DNS_CHECK {\n   type AXFR\n  }\n }\n}\n"));
        assertEquals("keepalived.conf:4:9: unknown DNS type 'AXFR': expected one of A AAAA CNAME MX NS SOA TXT",
            e.getMessage());
        e = assertThrows(ConfigException.class, () -> KeepalivedConfig.parse(F,
            "virtual_server 198.19.0.80 80 {\n delay_loop soon\n}\n"));
        assertEquals("keepalived.conf:2:13: delay_loop 'soon' is not a number of seconds", e.getMessage());
    }

    @Test
    void aDownServerShouldBeRemovedOrUnderInhibitKeptWithWeightZero() throws Exception
    {
        final KeepalivedConfig c = KeepalivedConfig.parse(F, """
            virtual_server 198.19.0.80 80 {
                real_server 198.19.0.11 80 { weight 5 }
                real_server 198.19.0.12 80 { weight 7
                    inhibit_on_failure
                }
                protocol TCP
                lb_kind NAT
                lb_algo wlc
            }
            """);
        final ServiceTable t = new ServiceTable(() -> 4);
        final Neighbors nb = new Neighbors();
        ConfigLoader.apply(c, t, nb, -1, 0);
        final VirtualService s = t.get(6, Ipv4.parse("198.19.0.80"), 80);
        ConfigLoader.reconcile(c, t, nb, 0, rs -> -1);
        assertTrue(s.findRealServer(Ipv4.parse("198.19.0.11"), 80) < 0, "removed");
        final int id = s.findRealServer(Ipv4.parse("198.19.0.12"), 80);
        assertEquals(0, s.dests().weight(id), "inhibited");
        ConfigLoader.reconcile(c, t, nb, 0, rs -> rs.weight());
        assertEquals(5, s.dests().weight(s.findRealServer(Ipv4.parse("198.19.0.11"), 80)), "back");
        assertEquals(7, s.dests().weight(id), "weight restored");

        // One server at a time, as health events are applied.
        final RealServer rs1 = c.virtualServers.get(0).realServers().get(0);
        final RealServer rs2 = c.virtualServers.get(0).realServers().get(1);
        assertEquals("0 services added, 0 removed; 0 real servers added, 1 removed, 0 changed",
            ConfigLoader.applyHealth(c, t, rs1, rs -> -1).toString());
        assertTrue(s.findRealServer(Ipv4.parse("198.19.0.11"), 80) < 0);
        assertEquals("0 services added, 0 removed; 0 real servers added, 0 removed, 1 changed",
            ConfigLoader.applyHealth(c, t, rs2, rs -> -1).toString());
        assertEquals(0, s.dests().weight(id), "inhibited");
        ConfigLoader.applyHealth(c, t, rs1, rs -> rs.weight());
        ConfigLoader.applyHealth(c, t, rs2, rs -> 3);
        assertEquals(5, s.dests().weight(s.findRealServer(Ipv4.parse("198.19.0.11"), 80)));
        assertEquals(3, s.dests().weight(id), "a misc_dynamic weight");
    }
}
