package dev.jvs.director.config;

import dev.jvs.director.adm.IpvsadmFormat;
import dev.jvs.engine.frame.IpAddress;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.Neighbors;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IPv6 in virtual_server as keepalived 2.2.7's check_parser reads it: the family follows the address, else
 * ip_family, persistence_granularity or the first real server; a real or sorry server of the other family is
 * skipped with keepalived's words; group ranges vary the last group, in hex; IPv6 services in the engine's
 * table, listed as ipvsadm lists them.
 */
class Ipv6ConfigTest
{
    private static final Path F = Path.of("keepalived.conf");

    private static KeepalivedConfig parse(final String text) throws ConfigException
    {
        return KeepalivedConfig.parse(F, text);
    }

    @Test
    void anIpv6ServiceShouldBeReadWithItsServersAndChecks() throws Exception
    {
        final KeepalivedConfig c = parse("""
            virtual_server 2001:2::80 80 {
                lb_algo rr
                lb_kind DR
                protocol TCP
                persistence_granularity 64
                sorry_server 2001:2::99 80
                real_server 2001:2::11 80 {
                    HTTP_GET {
                        url {
                            path /
                            status_code 200
                        }
                        bindto 2001:2::2
                    }
                }
                real_server 198.19.0.12 80 {
                }
            }
            virtual_server 198.19.0.80 80 {
                lb_algo rr
                lb_kind DR
                protocol TCP
                real_server 198.19.0.11 80 {
                }
            }
            """);
        final VirtualServer vs = c.virtualServers.get(0);
        assertTrue(vs.ipv6());
        assertEquals(IpAddress.parse("2001:2::80"), vs.address());
        assertEquals("[2001:2::80]:tcp:80", vs.keepalivedName());
        assertEquals("[2001:2::80]:80", vs.name());
        assertEquals(64, vs.persistenceNetmask(), "an IPv6 granularity is a prefix length, as the kernel keeps it");
        assertEquals(360, vs.persistenceTimeout(), "keepalived's pgr_handler sets IPVS_SVC_PERSISTENT_TIMEOUT");
        assertEquals(IpAddress.parse("2001:2::99"), vs.sorry());
        assertEquals(0, vs.sorryAddr(), "not an address the engine carries");
        assertEquals(1, vs.realServers().size());
        final RealServer rs = vs.realServers().get(0);
        assertEquals(IpAddress.parse("2001:2::11"), rs.address());
        assertEquals(IpAddress.parse("2001:2::11"), rs.checks().get(0).connectIp());
        assertEquals(IpAddress.parse("2001:2::2"), rs.checks().get(0).bindIp());
        assertTrue(c.warnings.contains("keepalived.conf:16: Address family of virtual server and real server " +
            "198.19.0.12 don't match - skipping real server."), c.warnings.toString());
        assertEquals(1, c.warnings.size(), "the skipped server only: " + c.warnings);
        assertFalse(c.virtualServers.get(1).ipv6());

        final ServiceTable services = new ServiceTable(() -> 0);
        ConfigLoader.apply(c, services, new Neighbors(), -1, 0);
        // As ipvsadm-save -n writes them: IPv4 before IPv6 (ipvs_cmp_services), the IPv6 mask a prefix length.
        assertEquals(List.of("-A -t 198.19.0.80:80 -s rr", "-a -t 198.19.0.80:80 -r 198.19.0.11:80 -g -w 1",
            "-A -t [2001:2::80]:80 -s rr -p 360 -M 64", "-a -t [2001:2::80]:80 -r [2001:2::11]:80 -g -w 1"),
            IpvsadmFormat.save(services));
        assertTrue(services.get(0).ipv6());
        assertFalse(services.isVip(services.get(0).vaddr()), "the IPv4 side never sees an IPv6 service");
    }

    @Test
    void groupsShouldTakeIpv6RangesInHexAndMarksWithAFamily() throws Exception
    {
        final KeepalivedConfig c = parse("""
            virtual_server_group v6 {
                2001:2::2-a 80
                2001:2::1 80
                fwmark 7 inet6
            }
            virtual_server group v6 {
                lb_algo rr
                lb_kind DR
                protocol TCP
                real_server 2001:2::11 80 {
                }
            }
            """);
        final List<KeepalivedConfig.GroupMember> m = c.groups.get("v6");
        assertEquals(IpAddress.parse("2001:2::2"), m.get(0).first());
        assertEquals(IpAddress.parse("2001:2::a"), m.get(0).last());
        assertTrue(m.get(2).ipv6());
        assertNull(m.get(2).first());
        final ServiceTable services = new ServiceTable(() -> 0);
        ConfigLoader.apply(c, services, new Neighbors(), -1, 0);
        assertEquals(11, services.size(), "2001:2::2 to 2001:2::a, 2001:2::1, and the mark");
        final List<String> save = IpvsadmFormat.save(services);
        assertEquals("-A -t [2001:2::1]:80 -s rr", save.get(0));
        assertEquals("-A -t [2001:2::a]:80 -s rr", save.get(18));
        assertEquals("-A -f 7 -6 -s rr", save.get(20));
        final ConfigException e = assertThrows(ConfigException.class, () -> parse(
            "virtual_server_group g {\n  2001:2::9-2 80\n}\n"));
        assertTrue(e.getMessage().contains("range end 2 is out of range: it must be 9..ffff"), e.getMessage());
    }

    @Test
    void theFamilyShouldComeFromIpFamilyOrGranularityWhenTheAddressGivesNone() throws Exception
    {
        KeepalivedConfig c = parse("""
            virtual_server fwmark 5 {
                lb_algo rr
                lb_kind DR
                ip_family inet6
                real_server 198.19.0.11 0 {
                }
                real_server 2001:2::11 0 {
                }
            }
            """);
        assertTrue(c.virtualServers.get(0).ipv6());
        assertEquals(1, c.virtualServers.get(0).realServers().size());
        // Before anything gave a family, keepalived reads a value without a dot as an IPv6 prefix length.
        c = parse("virtual_server fwmark 5 {\n  lb_algo rr\n  lb_kind DR\n  persistence_granularity 48\n" +
            "  real_server 2001:2::11 0 {\n  }\n}\n");
        assertTrue(c.virtualServers.get(0).ipv6());
        assertEquals(48, c.virtualServers.get(0).persistenceNetmask());
        // A firewall-mark service with no family said takes its servers'.
        c = parse("virtual_server fwmark 5 {\n  lb_algo rr\n  lb_kind DR\n  real_server 2001:2::11 0 {\n  }\n}\n");
        assertTrue(c.virtualServers.get(0).ipv6());
        assertEquals(128, c.virtualServers.get(0).persistenceNetmask(), "the whole IPv6 address by default");
        final ConfigException e = assertThrows(ConfigException.class, () -> parse(
            "virtual_server 198.19.0.80 80 {\n  ip_family inet6\n}\n"));
        assertTrue(e.getMessage().contains("Virtual server specified family inet6 conflicts with server family"),
            e.getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> parse("virtual_server 2001:2::1:: 80 {\n}\n"))
            .getMessage().contains("'2001:2::1::' is not an IPv6 address"));
    }

    /**
     * A VRRP instance over IPv6 as keepalived 2.2.7 reads it (its words checked with {@code keepalived -t}): the
     * first address decides the family, an address, unicast_src_ip or a version of the other kind is skipped
     * with keepalived's words, an IPv6 instance is VRRPv3, virtual_ipaddress_excluded takes either family.
     */
    @Test
    void anIpv6VrrpInstanceShouldBeReadAsKeepalivedReadsIt() throws Exception
    {
        final KeepalivedConfig c = parse("""
            vrrp_instance V6 {
              interface eth0
              virtual_router_id 61
              priority 150
              virtual_ipaddress {
                2001:2::80
                198.19.0.80
                2001:2::81/64 dev eth1
              }
              virtual_ipaddress_excluded {
                198.19.0.99
              }
              unicast_src_ip 198.19.0.2
              version 2
            }
            vrrp_instance V4 {
              interface eth0
              virtual_router_id 62
              virtual_ipaddress {
                198.19.0.81
              }
              virtual_ipaddress_excluded {
                2001:2::99
              }
            }
            vrrp_instance LL {
              interface eth0
              virtual_router_id 63
              virtual_ipaddress {
                fe80::1:80
                2001:2::83
              }
              unicast_src_ip 2001:2::2
              unicast_peer {
                2001:2::3
                198.19.0.3
              }
            }
            """);
        assertEquals(List.of(
            "keepalived.conf:7: (V6): address family must match VRRP instance [198.19.0.80] - ignoring",
            "keepalived.conf:13: Configuration error: VRRP instance[V6] and src address[198.19.0.2] MUST be of the " +
                "same family !!! Skipping...",
            "keepalived.conf:14: (V6) vrrp_version 2 conflicts with configured or deduced version 0; ignoring.",
            "keepalived.conf:36: Configuration error: VRRP instance[LL] and unicast peer address[198.19.0.3] MUST " +
                "be of the same family !!! Skipping...",
            "keepalived.conf:1: (V6) the first IPv6 VIP address should be link local"), c.warnings);
        final dev.jvs.vrrp.InstanceConfig v6 = c.vrrp.instances().get(0).cfg();
        assertTrue(v6.ipv6());
        assertEquals(3, v6.version(), "an IPv6 instance is VRRPv3");
        assertEquals(List.of(IpAddress.parse("2001:2::80"), IpAddress.parse("2001:2::81")), VrrpConfig.vips(v6));
        assertEquals(List.of(IpAddress.parse("2001:2::80"), IpAddress.parse("2001:2::81"),
            IpAddress.parse("198.19.0.99")), VrrpConfig.owned(v6), "excluded addresses of the other family too");
        assertNull(v6.source6(), "the interface's link-local address, known at run time");
        assertEquals(java.util.Map.of(IpAddress.parse("2001:2::81"), "eth1"), c.vrrp.instances().get(0).devices());
        final dev.jvs.vrrp.InstanceConfig v4 = c.vrrp.instances().get(1).cfg();
        assertFalse(v4.ipv6());
        assertEquals(2, v4.version());
        assertEquals(IpAddress.parse("2001:2::99"), IpAddress.of(v4.ownedAddresses6()));
        final dev.jvs.vrrp.InstanceConfig ll = c.vrrp.instances().get(2).cfg();
        assertEquals(IpAddress.parse("2001:2::2"), IpAddress.of(ll.source6()));
        assertEquals(IpAddress.parse("2001:2::3"), IpAddress.of(ll.unicastPeers6()));
        assertEquals(0, ll.unicastPeers().length);
    }

    @Test
    void nativeIpv6AndAnExplicitVersion2ShouldBeSettled() throws Exception
    {
        final KeepalivedConfig c = parse("""
            vrrp_instance N {
              interface eth0
              virtual_router_id 61
              native_ipv6
              virtual_ipaddress {
                198.19.0.80
                fe80::80
              }
            }
            vrrp_instance V2 {
              interface eth0
              virtual_router_id 62
              version 2
              virtual_ipaddress {
                fe80::81
              }
            }
            """);
        assertEquals(List.of("keepalived.conf:6: (N): address family must match VRRP instance [198.19.0.80] - ignoring",
            "keepalived.conf:10: (V2) cannot use IPv6 with VRRP version 2; setting version 3 (keepalived would say " +
                "so in strict mode only, and send VRRPv2 over IPv6 otherwise)"), c.warnings);
        assertTrue(c.vrrp.instances().get(0).cfg().ipv6());
        assertEquals(3, c.vrrp.instances().get(1).cfg().version());
        final ConfigException e = assertThrows(ConfigException.class, () -> parse("""
            vrrp_instance N {
              interface eth0
              virtual_router_id 61
              native_ipv6
              virtual_ipaddress {
                198.19.0.80
              }
            }
            """));
        assertTrue(e.getMessage().contains("keepalived.conf:1:1: vrrp_instance N has no virtual_ipaddress"),
            e.getMessage());
    }

    /** jvs_fwmark_rules with an IPv6 prefix marks IPv6 packets for an IPv6 firewall-mark virtual server. */
    @Test
    void ipv6MarkingRulesShouldFeedAnIpv6FirewallMarkService() throws Exception
    {
        final KeepalivedConfig c = parse("""
            jvs_fwmark_rules {
                2001:2::/64 proto tcp port 80-81 mark 7
                198.19.0.0/24 mark 8
            }
            virtual_server fwmark 7 {
                ip_family inet6
                lb_algo rr
                lb_kind DR
                real_server 2001:2::11 0
            }
            """);
        final ServiceTable services = new ServiceTable(() -> 0);
        ConfigLoader.apply(c, services, new Neighbors(), -1, 0);
        final IpAddress in = IpAddress.parse("2001:2::80");
        final IpAddress out = IpAddress.parse("2001:3::80");
        assertEquals(7, services.classify6(6, in.hi(), in.lo(), 81));
        assertEquals(0, services.classify6(6, in.hi(), in.lo(), 82));
        assertEquals(0, services.classify6(17, in.hi(), in.lo(), 80));
        assertEquals(0, services.classify6(6, out.hi(), out.lo(), 80));
        assertEquals(8, services.classify(6, dev.jvs.engine.frame.Ipv4.parse("198.19.0.9"), 1));
        assertTrue(services.getFwmark(7, true).ipv6());
        assertThrows(ConfigException.class, () -> parse("jvs_fwmark_rules {\n    2001:2::/129 mark 7\n}\n"));
    }
}
