package dev.jvs.director.config;

import dev.jvs.engine.frame.Ipv4;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** global_defs, vrrp_instance, vrrp_sync_group, vrrp_script and lvs_sync_daemon: defaults, values, errors. */
class VrrpConfigTest
{
    private static final Path F = Path.of("keepalived.conf");

    private static final String FULL = """
        global_defs {
          router_id LVS_A
          notification_email {
            ops@example.org
          }
          vrrp_garp_master_delay 2
          lvs_sync_daemon eth0 VI_1 id 7 maxlen 1000 port 8849 ttl 2 group 224.0.0.82
        }
        vrrp_script chk_nginx {
          script "/usr/bin/pgrep nginx"
          interval 2
          weight -20
          fall 3
          rise 2
        }
        vrrp_sync_group G1 {
          group {
            VI_1
            VI_GW
          }
          sync_group_tracking_weight
        }
        vrrp_instance VI_1 {
          state BACKUP
          interface eth0
          virtual_router_id 51
          priority 150
          advert_int 2
          preempt_delay 10
          unicast_src_ip 198.19.0.2
          unicast_peer {
            198.19.0.3
          }
          authentication {
            auth_type PASS
            auth_pass longerthan8
          }
          virtual_ipaddress {
            198.19.0.80/32 dev eth0 label eth0:vip
            198.19.0.81
          }
          track_script {
            chk_nginx weight -30
          }
          track_interface {
            eth1 weight 10
            eth2
          }
          notify_master "/etc/keepalived/master.sh"
          notify "/etc/keepalived/notify.sh"
        }
        vrrp_instance VI_GW {
          interface eth0
          virtual_router_id 52
          version 3
          virtual_ipaddress {
            198.19.0.1/24
          }
        }
        """;

    @Test
    void shouldReadInstancesWithKeepalivedDefaults() throws Exception
    {
        final KeepalivedConfig kc = KeepalivedConfig.parse(F, FULL);
        final VrrpConfig v = kc.vrrp;
        assertEquals("LVS_A", kc.globals.routerId());
        final VrrpConfig.Instance i = v.instance("VI_1");
        assertEquals(51, i.cfg().vrid());
        assertEquals(150, i.cfg().priority());
        assertEquals(200, i.cfg().advertCentis());
        assertTrue(i.cfg().preempt());
        assertEquals(10_000, i.cfg().preemptDelayMs());
        assertEquals(Ipv4.parse("198.19.0.2"), i.cfg().source());
        assertArrayEquals(new int[] {Ipv4.parse("198.19.0.3")}, i.cfg().unicastPeers());
        assertArrayEquals("longerth".getBytes(), i.cfg().authPass(), "keepalived keeps 8 bytes");
        assertArrayEquals(new int[] {Ipv4.parse("198.19.0.80"), Ipv4.parse("198.19.0.81")}, i.cfg().addresses());
        assertEquals(2_000, i.cfg().garpMasterDelayMs(), "from global_defs");
        assertEquals(Map.of("chk_nginx", -30), i.trackScripts());
        assertEquals(10, i.trackInterfaces().get("eth1"));
        assertEquals(0, i.trackInterfaces().get("eth2"));
        assertEquals("/etc/keepalived/master.sh", i.notifyMaster().line());
        final VrrpConfig.Instance gw = v.instance("VI_GW");
        assertEquals(100, gw.cfg().priority(), "keepalived's default priority");
        assertEquals(100, gw.cfg().advertCentis(), "default advert_int 1 s");
        assertEquals(3, gw.cfg().version());
        assertTrue(gw.cfg().preempt());
        assertNull(gw.cfg().authPass());
        assertEquals(List.of("VI_1", "VI_GW"), v.syncGroups().get("G1"));
        final VrrpConfig.Script s = v.scripts().get("chk_nginx");
        assertEquals(2_000, s.intervalMs());
        assertEquals(2_000, s.timeoutMs(), "timeout defaults to the interval");
        assertEquals(-20, s.weight());
        assertEquals(3, s.fall());
        assertEquals(2, s.rise());
        final VrrpConfig.SyncDaemon sd = v.syncDaemon();
        assertEquals("eth0", sd.iface());
        assertEquals("VI_1", sd.instance());
        assertEquals(7, sd.syncId());
        assertEquals(1000, sd.maxLen());
        assertEquals(8849, sd.port());
        assertEquals(2, sd.ttl());
        assertEquals(Ipv4.parse("224.0.0.82"), sd.group());
    }

    @Test
    void shouldStopAtRealErrorsWithTheirPosition()
    {
        ConfigException e = assertThrows(ConfigException.class, () -> KeepalivedConfig.parse(F,
            "vrrp_instance VI_1 {\n  interface eth0\n  virtual_ipaddress {\n    198.19.0.80\n  }\n}\n"));
        assertEquals(1, e.line());
        assertTrue(e.getMessage().contains("has no virtual_router_id"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> KeepalivedConfig.parse(F,
            "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 256\n}\n"));
        assertEquals(4, e.line());
        assertEquals(12, e.column());
        assertTrue(e.getMessage().contains("priority 256 is out of range"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> KeepalivedConfig.parse(F,
            "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n" +
            "    198.19.0.300\n  }\n}\n"));
        assertEquals(5, e.line());
        e = assertThrows(ConfigException.class, () -> KeepalivedConfig.parse(F,
            "vrrp_sync_group G {\n  group {\n    VI_X\n  }\n}\n"));
        assertTrue(e.getMessage().contains("names no vrrp_instance VI_X"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> KeepalivedConfig.parse(F,
            "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  authentication {\n" +
            "    auth_type AH\n  }\n  virtual_ipaddress {\n    198.19.0.80\n  }\n}\n"));
        assertTrue(e.getMessage().contains("AH is not supported"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> KeepalivedConfig.parse(F,
            "vrrp_instance A {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    198.19.0.80\n" +
            "  }\n}\nvrrp_instance B {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n" +
            "    198.19.0.81\n  }\n}\n"));
        assertEquals(8, e.line());
        assertTrue(e.getMessage().contains("already used by A"), e.getMessage());
    }

    @Test
    void shouldWarnAboutWhatItDoesNotActOn() throws Exception
    {
        final KeepalivedConfig c = KeepalivedConfig.parse(F,
            "global_defs {\n  bogus_global 1\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n" +
            "  garp_interval 1\n  whatever\n  virtual_ipaddress {\n    198.19.0.80\n  }\n}\n");
        assertTrue(c.warnings.stream().anyMatch(w -> w.contains(":2: unknown keyword 'bogus_global'")), c.warnings.toString());
        assertTrue(c.warnings.stream().anyMatch(w -> w.contains(":7: 'garp_interval' is read and not acted on")),
            c.warnings.toString());
        assertTrue(c.warnings.stream().anyMatch(w -> w.contains(":8: unknown keyword 'whatever'")), c.warnings.toString());
    }

    /** global_defs lvs_timeouts (ipvsadm --set) and vrrp_check_unicast_src (every instance's default). */
    @Test
    void globalLvsTimeoutsAndCheckUnicastSrc() throws Exception
    {
        final KeepalivedConfig kc = KeepalivedConfig.parse(F, """
            global_defs {
                lvs_timeouts tcp 7200 udp 60
                vrrp_check_unicast_src
            }
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                virtual_ipaddress {
                    198.19.0.80
                }
            }
            """);
        final VrrpConfig v = kc.vrrp;
        assertEquals(List.of(7200, 0, 60), kc.globals.lvsTimeouts(), "tcpfin not given: unchanged");
        assertTrue(v.instances().get(0).cfg().checkUnicastSource());
        ConfigException e = assertThrows(ConfigException.class, () -> KeepalivedConfig.parse(F,
            "global_defs {\n  lvs_timeouts tcp\n}\n"));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("lvs_timeouts takes pairs"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> KeepalivedConfig.parse(F,
            "global_defs {\n  lvs_timeouts tcp 0\n}\n"));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> KeepalivedConfig.parse(F,
            "global_defs {\n  lvs_timeouts icmp 5\n}\n"));
        assertTrue(e.getMessage().contains("'icmp' is not tcp, tcpfin or udp"), e.getMessage());
    }

    /** A reload compares values: what runs decides, not where it is written. */
    @Test
    void configurationsShouldCompareByWhatRuns() throws Exception
    {
        final VrrpConfig a = KeepalivedConfig.parse(F, FULL).vrrp;
        assertEquals(a, KeepalivedConfig.parse(F, "# a comment moves every line down\n\n" + FULL).vrrp,
            "the same instances, scripts and groups: equal");
        assertEquals(a.hashCode(), KeepalivedConfig.parse(F, FULL).vrrp.hashCode());
        final VrrpConfig other = KeepalivedConfig.parse(F, FULL.replace("priority 150", "priority 140")).vrrp;
        assertFalse(a.equals(other), "a priority changed");
        assertFalse(a.instances().get(0).cfg().equals(other.instances().get(0).cfg()));
        assertThrows(UnsupportedOperationException.class, () -> a.instances().clear(), "immutable");
    }
}
