package dev.jvs.director.config;

import dev.jvs.engine.Method;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where keepalived 2.2.7 accepts a file and quietly runs it differently from what it says (a default, a
 * correction), jvs runs it the same way with keepalived's warning, or refuses it with an error that says what
 * keepalived would do. The expected words are keepalived's own, as {@code keepalived -t} printed them
 * ({@code KeepalivedParityTest} in the testbed compares with the real program).
 */
class KeepalivedSemanticsTest
{
    private static final Path F = Path.of("k.conf");

    private static KeepalivedConfig parse(final String text) throws ConfigException
    {
        return KeepalivedConfig.parse(F, text);
    }

    private static void assertWarned(final KeepalivedConfig c, final String line, final String text)
    {
        assertTrue(c.warnings.contains("k.conf:" + line + ": " + text), () -> "wanted " + line + ": " + text +
            " in " + c.warnings);
    }

    @Test
    void aVirtualServerWithoutProtocolShouldBeUdpAsUnderKeepalived() throws Exception
    {
        final KeepalivedConfig c = parse("""
            virtual_server 198.18.0.80 53 {
                lb_algo rr
                lb_kind NAT
                real_server 198.19.0.11 53 {
                }
            }
            """);
        assertEquals(17, c.virtualServers.get(0).protocol());
        assertWarned(c, "1", "Virtual server [198.18.0.80]:none:53: no protocol set - defaulting to UDP");
        assertEquals(1, c.warnings.size(), c.warnings.toString());
    }

    @Test
    void lowerCaseLbKindShouldBeRefusedRatherThanRunAsSomethingElse()
    {
        final ConfigException e = assertThrows(ConfigException.class, () -> parse(
            "virtual_server 198.18.0.80 80 {\n  protocol TCP\n  lb_kind dr\n  real_server 198.19.0.11 80 {\n  }\n}\n"));
        assertEquals(3, e.line());
        assertTrue(e.getMessage().contains("unknown lb_kind 'dr': expected NAT, DR or TUN (case-sensitive; " +
            "keepalived would warn and run it as NAT)"), e.getMessage());
        final ConfigException algo = assertThrows(ConfigException.class, () -> parse(
            "virtual_server 198.18.0.80 80 {\n  protocol TCP\n  lb_algo RR\n  real_server 198.19.0.11 80 {\n  }\n}\n"));
        assertTrue(algo.getMessage().contains("unknown scheduler 'RR'"), algo.getMessage());
    }

    @Test
    void protocolShouldBeCaseInsensitiveAsKeepalivedReadsIt() throws Exception
    {
        final KeepalivedConfig c = parse("virtual_server 198.18.0.80 80 {\n  protocol tcp\n  lb_algo rr\n" +
            "  lb_kind NAT\n  real_server 198.19.0.11 80 {\n  }\n}\n");
        assertEquals(6, c.virtualServers.get(0).protocol());
        assertTrue(c.warnings.isEmpty(), c.warnings.toString());
    }

    @Test
    void missingSchedulerAndMethodShouldGetKeepalivedsDefaultsWithItsWarnings() throws Exception
    {
        final KeepalivedConfig c = parse("virtual_server 198.18.0.80 80 {\n  protocol TCP\n" +
            "  real_server 198.19.0.11 80 {\n  }\n}\n");
        final VirtualServer vs = c.virtualServers.get(0);
        assertEquals("wlc", vs.scheduler());
        assertEquals(Method.NAT, vs.method());
        assertEquals(Method.NAT, vs.realServers().get(0).method());
        assertEquals(List.of(
            "k.conf:1: Virtual server [198.18.0.80]:tcp:80: no scheduler set, setting default 'wlc'",
            "k.conf:1: Virtual server [198.18.0.80]:tcp:80: no forwarding method set, setting default NAT"),
            c.warnings);
    }

    @Test
    void weightsShouldGoUpToIntMaxAsKeepalivedPassesThem() throws Exception
    {
        final KeepalivedConfig c = parse("virtual_server 198.18.0.80 80 {\n  protocol TCP\n  lb_algo wrr\n" +
            "  lb_kind DR\n  weight 5\n  real_server 198.19.0.11 80 {\n    weight 70000\n  }\n" +
            "  real_server 198.19.0.12 80 {\n  }\n}\n");
        assertEquals(70_000, c.virtualServers.get(0).realServers().get(0).weight());
        assertEquals(5, c.virtualServers.get(0).realServers().get(1).weight(), "the virtual server's weight");
        final dev.jvs.engine.service.ServiceTable t = new dev.jvs.engine.service.ServiceTable(() -> 0);
        ConfigLoader.apply(c, t, new dev.jvs.engine.Neighbors(), -1, 0);
        final dev.jvs.engine.service.VirtualService s = t.all().iterator().next();
        assertEquals(70_000, s.dests().weight(s.findRealServer(dev.jvs.engine.frame.Ipv4.parse("198.19.0.11"), 80)));
    }

    @Test
    void realServerPortsShouldBeCorrectedAsKeepalivedDoesUnlessNat() throws Exception
    {
        final KeepalivedConfig c = parse("""
            virtual_server 198.18.0.80 80 {
                protocol TCP
                lb_algo rr
                lb_kind DR
                real_server 198.19.0.11 8080 {
                }
                real_server 198.19.0.12 {
                }
            }
            virtual_server fwmark 7 {
                lb_algo rr
                lb_kind TUN
                real_server 198.19.0.13 80 {
                }
            }
            virtual_server 198.18.0.81 80 {
                protocol TCP
                lb_algo rr
                lb_kind NAT
                real_server 198.19.0.14 {
                }
                real_server 198.19.0.15 8080 {
                }
            }
            """);
        final List<VirtualServer> v = c.virtualServers;
        assertEquals(80, v.get(0).realServers().get(0).port(), "DR: reset to the virtual server's port");
        assertEquals(80, v.get(0).realServers().get(1).port(), "none given: the virtual server's");
        assertEquals(0, v.get(1).realServers().get(0).port(), "fwmark, not NAT: cleared");
        assertEquals(80, v.get(2).realServers().get(0).port(), "NAT without a port: the virtual server's");
        assertEquals(8080, v.get(2).realServers().get(1).port(), "NAT: kept");
        assertEquals(List.of(
            "k.conf:5: WARNING - virtual server [198.18.0.80]:tcp:80 and real server [198.19.0.11]:tcp:8080 ports " +
                "don't match - resetting",
            "k.conf:13: WARNING - fwmark virtual server FWM 7, real server [198.19.0.13]:none:80 has port " +
                "specified - clearing"), c.warnings);
    }

    @Test
    void correctionsOfTheQuorumTheOpsFlagZeroPortsAndDuplicatesShouldBeKeepalivedsOwn() throws Exception
    {
        final KeepalivedConfig c = parse("""
            virtual_server 198.18.0.80 80 {
                protocol TCP
                lb_algo rr
                lb_kind NAT
            }
            virtual_server 198.18.0.82 0 {
                protocol TCP
                lb_algo sh
                mh-port
                sh-port
                lb_kind NAT
                ops
                quorum 9
                hysteresis 3
                real_server 198.19.0.11 80 {
                }
                real_server 198.19.0.11 80 {
                }
            }
            virtual_server 198.18.0.83 80 {
                protocol UDP
                sh-port
                lb_algo rr
                lb_kind NAT
                real_server 198.19.0.11 80 {
                }
            }
            """);
        assertEquals(List.of(
            "k.conf:1: Virtual server [198.18.0.80]:tcp:80 has no real servers - ignoring",
            "k.conf:6: Virtual server [198.18.0.82]:tcp:0: one packet scheduling requires UDP - resetting",
            "k.conf:6: Virtual server [198.18.0.82]:tcp:0: zero port only valid for persistent services - setting",
            "k.conf:17: VS [198.18.0.82]:tcp:0: real server [198.19.0.11]:tcp:80 is duplicated - removing second rs",
            "k.conf:6: Warning - quorum 9 for [198.18.0.82]:tcp:0 exceeds total weight of real servers 1, " +
                "reducing quorum to 1",
            "k.conf:6: Virtual server [198.18.0.82]:tcp:0: hysteresis 3 >= quorum 1; setting hysteresis to 0"),
            c.warnings.subList(1, c.warnings.size()));
        assertEquals("k.conf:22: sh-port only applies to sh scheduler - ignoring", c.warnings.get(0));
        assertEquals(2, c.virtualServers.size(), "the one without real servers is ignored");
        final VirtualServer sh = c.virtualServers.get(0);
        assertEquals(0x0010, sh.flags(), "sh-port once lb_algo sh; mh-port ignored");
        assertFalse(sh.ops());
        assertEquals(360, sh.persistenceTimeout());
        assertEquals(1, sh.realServers().size());
        assertEquals(0, c.virtualServers.get(1).flags(), "sh-port before any lb_algo is ignored");
    }

    private static final String INSTANCE = """
        vrrp_instance VI_1 {
            interface eth0
            virtual_router_id 51
            virtual_ipaddress {
                198.18.0.80
            }
        %s}
        """;

    private static VrrpConfig.Instance instance(final KeepalivedConfig c)
    {
        return c.vrrp.instances().get(0);
    }

    @Test
    void stateMasterShouldClearNopreemptAndMakeTheDefaultPriorityTheOwners() throws Exception
    {
        KeepalivedConfig c = parse(INSTANCE.formatted("    state MASTER\n    nopreempt\n    preempt_delay 5\n"));
        assertTrue(instance(c).cfg().preempt(), "nopreempt cleared");
        assertEquals(0, instance(c).cfg().preemptDelayMs());
        assertEquals(255, instance(c).cfg().priority(), "no priority with state MASTER: the address owner's");
        assertEquals(List.of("k.conf:1: (VI_1) nopreempt is incompatible with priority 255. resetting nopreempt",
            "k.conf:1: (VI_1) Warning - preempt delay will not work with initial state MASTER - clearing"),
            c.warnings);
        c = parse(INSTANCE.formatted("    state MASTER\n    priority 150\n    nopreempt\n"));
        assertTrue(instance(c).cfg().preempt());
        assertEquals(List.of("k.conf:1: (VI_1) Warning - nopreempt will not work with initial state MASTER - clearing"),
            c.warnings);
        c = parse(INSTANCE.formatted("    priority 255\n"));
        assertEquals("MASTER", instance(c).cfg().initialState(), "priority 255 and no state: MASTER");
        c = parse(INSTANCE.formatted("    state BACKUP\n    nopreempt\n    preempt_delay 3\n"));
        assertFalse(instance(c).cfg().preempt());
        assertEquals(0, instance(c).cfg().preemptDelayMs());
        assertEquals(100, instance(c).cfg().priority());
        assertEquals(List.of("k.conf:1: (VI_1) preempt_delay is incompatible with nopreempt mode - resetting"),
            c.warnings);
    }

    @Test
    void strictModeShouldTurnAuthenticationOffAndRefuseUnicastPeers() throws Exception
    {
        final String auth = "    authentication {\n        auth_type PASS\n        auth_pass secret\n    }\n";
        final KeepalivedConfig c = parse("global_defs {\n    vrrp_strict\n}\n" + INSTANCE.formatted(
            "    state MASTER\n    priority 100\n" + auth));
        final VrrpConfig.Instance i = instance(c);
        assertTrue(i.strict());
        assertNull(i.cfg().authPass(), "strict: no authentication");
        assertEquals("BACKUP", i.cfg().initialState(), "strict: MASTER only for the address owner");
        assertTrue(i.cfg().lowerPrioNoAdvert());
        assertEquals(0, i.cfg().garpLowerPrioRepeat());
        assertEquals(List.of("k.conf:4: (VI_1) State MASTER must match being address owner",
            "k.conf:12: (VI_1) Strict mode does not support authentication. Ignoring."), c.warnings);
        final ConfigException e = assertThrows(ConfigException.class, () -> parse(INSTANCE.formatted(
            "    strict_mode\n    unicast_peer {\n        198.18.0.3\n    }\n")));
        assertTrue(e.getMessage().endsWith("(VI_1) Unicast peers are not supported in strict mode"), e.getMessage());
        final KeepalivedConfig lax = parse(INSTANCE.formatted(auth));
        assertArrayEquals("secret\0\0".getBytes(), instance(lax).cfg().authPass());
        assertFalse(instance(lax).cfg().lowerPrioNoAdvert());
        assertEquals(5, instance(lax).cfg().garpLowerPrioRepeat());
    }

    @Test
    void aLongAuthPassShouldBeTruncatedWithAWarning() throws Exception
    {
        final KeepalivedConfig c = parse(INSTANCE.formatted(
            "    authentication {\n        auth_type PASS\n        auth_pass longerthan8\n    }\n"));
        assertArrayEquals("longerth".getBytes(), instance(c).cfg().authPass());
        assertEquals(List.of("k.conf:9: Truncating auth_pass to 8 characters"), c.warnings);
    }

    @Test
    void aVrrp2AdvertIntervalShouldBeRoundedToWholeSeconds() throws Exception
    {
        KeepalivedConfig c = parse(INSTANCE.formatted("    advert_int 0.5\n"));
        assertEquals(100, instance(c).cfg().advertCentis());
        assertEquals(List.of("k.conf:1: (VI_1) VRRPv2 advertisement interval 0.500000s must be an integer. rounding"),
            c.warnings);
        c = parse(INSTANCE.formatted("    version 3\n    advert_int 0.5\n"));
        assertEquals(50, instance(c).cfg().advertCentis());
        assertTrue(c.warnings.isEmpty(), c.warnings.toString());
    }

    @Test
    void trackingWeightsInASyncGroupShouldBeIgnoredAsKeepalivedDoes() throws Exception
    {
        final String text = """
            vrrp_script chk {
                script "true"
                weight -20
            }
            vrrp_sync_group G {
                group {
                    VI_1
                }
            %s}
            """ + INSTANCE.formatted("    track_interface {\n        eth1 weight 10\n    }\n" +
            "    track_script {\n        chk\n    }\n");
        KeepalivedConfig c = parse(text.formatted(""));
        assertEquals(0, instance(c).trackInterfaces().get("eth1"), "tracked without weight: down means FAULT");
        assertTrue(instance(c).trackScripts().isEmpty(), "a weighted script is dropped");
        assertEquals(List.of("k.conf:10: (VI_1) ignoring eth1 tracked interface weight due to SYNC group",
            "k.conf:10: (VI_1) ignoring tracked script chk with weights due to SYNC group",
            "k.conf:2: SECURITY VIOLATION - scripts are being executed but script_security not enabled."), c.warnings);
        c = parse(text.formatted("    sync_group_tracking_weight\n"));
        assertEquals(10, instance(c).trackInterfaces().get("eth1"));
        assertEquals(1, instance(c).trackScripts().size());
        assertEquals(List.of("k.conf:2: SECURITY VIOLATION - scripts are being executed but script_security not " +
            "enabled."), c.warnings);
    }

    @Test
    void checkShouldPrintEveryWarningBeforeTheErrorInLineOrder() throws Exception
    {
        final ConfigException e = assertThrows(ConfigException.class, () -> parse("""
            virtual_server 198.18.0.80 80 {
                protocl TCP
                lb_kind NAT
                real_server 198.19.0.11 80 {
                    wieght 3
                }
                real_server 198.19.0.12 80 {
                    lb_kind fast
                }
            }
            """));
        assertEquals(8, e.line());
        assertEquals(List.of("k.conf:2: unknown keyword 'protocl' in virtual_server 198.18.0.80:80, ignored",
            "k.conf:5: unknown keyword 'wieght' in real_server 198.19.0.11, ignored"),
            KeepalivedConfig.inLineOrder(e.warnings()));
    }

    @Test
    void addressOptionsAndStaticAddressesShouldBeWarnedAboutNotDropped() throws Exception
    {
        final KeepalivedConfig c = parse("static_ipaddress {\n    198.18.0.9/24 dev eth0\n}\n" + """
            vrrp_instance VI_1 {
                virtual_ipaddress {
                    198.18.0.80/24 dev eth0 label eth0:vip
                    198.18.0.81 dev eth1
                }
                interface eth0
                virtual_router_id 51
            }
            """);
        assertEquals(List.of(
            "k.conf:1: static_ipaddress is not acted on by jvs: keepalived would add these at start; give them to " +
                "the system's network configuration",
            "k.conf:6: 'label eth0:vip' on virtual_ipaddress 198.18.0.80/24 (VI_1) is not acted on: jvs answers " +
                "for the address itself instead of adding it to the kernel with options"), c.warnings);
        // dev is acted on: the address lives on that interface (a two-armed director's DIP).
        assertEquals(java.util.Map.of(dev.jvs.engine.frame.IpAddress.parse("198.18.0.81"), "eth1"),
            c.vrrp.instances().get(0).devices());
    }
}
