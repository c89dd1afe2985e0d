package dev.jvs.director.config;

import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.Method;
import dev.jvs.engine.frame.Ipv4;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeepalivedConfigTest
{
    private static final Path F = Path.of("keepalived.conf");

    private static KeepalivedConfig parse(final String text) throws ConfigException
    {
        return KeepalivedConfig.parse(F, text);
    }

    private static ConfigException error(final String text)
    {
        return assertThrows(ConfigException.class, () -> parse(text));
    }

    @Test
    void shouldReadTheManPageStyleVirtualServer() throws Exception
    {
        final KeepalivedConfig c = parse("""
            ! Configuration File for keepalived
            global_defs {
               router_id LVS_DEVEL
            }
            virtual_server 198.19.0.80 443 {   # a comment after a brace
                delay_loop 6
                lb_algo wrr
                lb_kind DR
                persistence_timeout 50
                persistence_granularity 255.255.255.0
                protocol TCP
                flag-2
                real_server 198.19.0.11 443 {
                    weight 3
                    uthreshold 100
                    lthreshold 10
                    SSL_GET {
                        url {
                          path /
                          digest ff20ad2481f97b1754ef3e12ecd3a9cc
                        }
                        connect_timeout 3
                    }
                }
                real_server 198.19.0.12 443 { weight 2; lvs_method TUN }
            }
            """.replace("; ", "\n"));
        assertTrue(c.warnings.isEmpty(), c.warnings.toString());
        assertEquals("SSL_GET", c.virtualServers.get(0).realServers().get(0).checks().get(0).type());
        assertEquals("ff20ad2481f97b1754ef3e12ecd3a9cc",
            c.virtualServers.get(0).realServers().get(0).checks().get(0).urls().get(0).digest());
        assertEquals(3000, c.virtualServers.get(0).realServers().get(0).checks().get(0).connectTimeoutMs());
        final VirtualServer vs = c.virtualServers.get(0);
        assertEquals(Ipv4.parse("198.19.0.80"), vs.vip());
        assertEquals(443, vs.port());
        assertEquals("wrr", vs.scheduler());
        assertEquals(Method.DR, vs.method());
        assertEquals(50, vs.persistenceTimeout());
        assertEquals(0xFFFFFF00, vs.persistenceNetmask());
        assertEquals(0x0010, vs.flags());
        assertEquals(2, vs.realServers().size());
        assertEquals(3, vs.realServers().get(0).weight());
        assertEquals(100, vs.realServers().get(0).uthreshold());
        assertEquals(10, vs.realServers().get(0).lthreshold());
        assertEquals(Method.TUN, vs.realServers().get(1).method());
        assertEquals(13, vs.realServers().get(0).at().line());
    }

    @Test
    void shouldReadFwmarkGroupsRulesAndOneLineBlocks() throws Exception
    {
        final KeepalivedConfig c = parse("""
            jvs_fwmark_rules {
                198.19.1.0/24 proto tcp port 8000-8100 mark 7
            }
            virtual_server_group web {
                198.19.0.80-82 80
                fwmark 7
            }
            virtual_server group web
            {
                lb_algo rr
                real_server 198.19.0.11 80 { weight 1 }
            }
            virtual_server fwmark 9 { lb_algo sh; real_server 198.19.0.12 0 }
            """.replace("; ", "\n"));
        assertEquals(1, c.markRules.size());
        assertEquals(7, c.markRules.get(0).mark());
        assertEquals(8100, c.markRules.get(0).portHigh());
        assertEquals(2, c.groups.get("web").size());
        assertEquals(IpAddress.parse("198.19.0.82"), c.groups.get("web").get(0).last());
        assertEquals("web", c.virtualServers.get(0).group());
        assertEquals(9, c.virtualServers.get(1).fwmark());
        assertEquals(0, c.virtualServers.get(1).realServers().get(0).port());
    }

    @Test
    void shouldWarnAboutUnknownKeywordsWithTheirLine() throws Exception
    {
        final KeepalivedConfig c = parse("""
            virtual_server 198.19.0.80 80 {
                lb_algo rr
                lb_kind NAT
                protocol TCP
                frobnicate 3
                real_server 198.19.0.11 80
            }
            """);
        assertEquals(1, c.warnings.size());
        assertEquals("keepalived.conf:5: unknown keyword 'frobnicate' in virtual_server 198.19.0.80:80, ignored",
            c.warnings.get(0));
    }

    @Test
    void shouldNameLineAndColumnOfEveryError()
    {
        ConfigException e = error("virtual_server 198.19.0.80 80 {\n    lb_algo rr\n");
        assertEquals(1, e.line());
        assertEquals(31, e.column());
        assertTrue(e.getMessage().endsWith("'{' is never closed"), e.getMessage());

        e = error("virtual_server 198.19.0.80 80 {\n}\n}\n");
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("without a matching"));

        e = error("virtual_server 198.19.0.800 80 {\n}\n");
        assertEquals(1, e.line());
        assertEquals(16, e.column());
        assertTrue(e.getMessage().contains("'198.19.0.800' is not an IPv4 address"), e.getMessage());

        e = error("virtual_server 198.19.0.80 80 {\n  real_server 198.19.0.11 80 {\n    weight 2147483648\n  }\n}\n");
        assertEquals(3, e.line());
        assertEquals(12, e.column());
        assertTrue(e.getMessage().contains("weight 2147483648 is out of range: it must be 0..2147483647"),
            e.getMessage());

        e = error("virtual_server 198.19.0.80 80 {\n  lb_algo fastest\n}\n");
        assertEquals(2, e.line());
        assertEquals(11, e.column());
        assertTrue(e.getMessage().contains("unknown scheduler 'fastest'"), e.getMessage());

        e = error("virtual_server 198.19.0.80 80 {\n  lb_kind FULLNAT\n}\n");
        assertTrue(e.getMessage().contains("expected NAT, DR or TUN"), e.getMessage());

        e = error("virtual_server group nope {\n}\n");
        assertTrue(e.getMessage().contains("names no virtual_server_group"), e.getMessage());

        e = error("virtual_server 198.19.0.80 80 {\n  protocol ICMP\n}\n");
        assertTrue(e.getMessage().startsWith("keepalived.conf:2:12: unknown protocol 'ICMP'"), e.getMessage());

        e = error("virtual_server \"198.19.0.80 80 {\n}\n");
        assertTrue(e.getMessage().contains("unterminated quoted string"), e.getMessage());
    }

    @Test
    void shouldFollowIncludesWithGlobs(@TempDir final Path dir) throws Exception
    {
        Files.createDirectories(dir.resolve("conf.d"));
        Files.writeString(dir.resolve("keepalived.conf"), "include conf.d/*.conf\n");
        Files.writeString(dir.resolve("conf.d/a.conf"),
            "virtual_server 198.19.0.80 80 {\n lb_algo rr\n real_server 198.19.0.11 80\n}\n");
        Files.writeString(dir.resolve("conf.d/b.conf"), "virtual_server 198.19.0.81 80 {\n lb_algo xx\n}\n");
        final ConfigException e = assertThrows(ConfigException.class,
            () -> KeepalivedConfig.load(dir.resolve("keepalived.conf")));
        assertEquals(dir.resolve("conf.d/b.conf"), e.file(), "the error names the included file");
        assertEquals(2, e.line());
        Files.writeString(dir.resolve("conf.d/b.conf"),
            "virtual_server 198.19.0.81 80 {\n lb_algo sh\n real_server 198.19.0.11 80\n}\n");
        assertEquals(2, KeepalivedConfig.load(dir.resolve("keepalived.conf")).virtualServers.size());
    }

    /** What a file makes is immutable once read, and each real server knows its virtual server. */
    @Test
    void theVirtualServerModelShouldBeImmutableOnceRead() throws Exception
    {
        final KeepalivedConfig c = KeepalivedConfig.parse(F, """
            virtual_server 198.18.0.80 53 {
              protocol TCP
              lb_kind DR
              lb_algo rr
              real_server 198.19.0.11 53 { TCP_CHECK { connect_timeout 2 } }
            }
            virtual_server 198.18.0.80 53 {
              protocol UDP
              lb_kind DR
              lb_algo rr
              real_server 198.19.0.11 53 { TCP_CHECK { connect_timeout 2 } }
            }
            """.replace(" { TCP", "{\n TCP").replace("2 } }", "2\n}\n}"));
        final VirtualServer tcp = c.virtualServers.get(0);
        final VirtualServer udp = c.virtualServers.get(1);
        final RealServer rs = tcp.realServers().get(0);
        assertTrue(tcp == rs.vs() && udp == udp.realServers().get(0).vs(), "each real server points at its own");
        assertTrue(!rs.equals(udp.realServers().get(0)), "alike in every field, still two servers to check");
        assertEquals(2000, rs.checks().get(0).connectTimeoutMs());
        assertThrows(UnsupportedOperationException.class, () -> tcp.realServers().remove(0));
        assertThrows(UnsupportedOperationException.class, () -> rs.checks().clear());
        assertThrows(UnsupportedOperationException.class, () -> c.virtualServers.clear());
    }
}
