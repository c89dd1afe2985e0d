package dev.jvs.director.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The examples of keepalived.conf(5)'s ADVANCED CONFIGURATION section, each with what the man page says. */
class PreprocessorTest
{
    private static List<String> lines(final String id, final String text) throws Exception
    {
        return Preprocessor.lines(id, text).stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void conditionalConfigurationAsTheManPageShowsIt() throws Exception
    {
        final String text = """
            global_defs {
                @main   router_id main_router
                @backup router_id backup_router
            }
            vrrp_instance VRRP {
                interface eth0
                virtual_router_id 9
                @main    unicast_src_ip 1.2.3.4
                @backup  unicast_src_ip 1.2.3.5
                @backup2 unicast_src_ip 1.2.3.6
                unicast_peer {
                    @^main    1.2.3.4
                    @^backup  1.2.3.5
                    @^backup2 1.2.3.6
                }
                virtual_ipaddress {
                    10.0.0.1
                }
            }
            """;
        final Path f = Path.of("k.conf");
        final KeepalivedConfig mainConfig = KeepalivedConfig.parse(f, text, "main");
        final VrrpConfig main = mainConfig.vrrp;
        assertEquals("main_router", mainConfig.globals.routerId());
        assertEquals(dev.jvs.engine.frame.Ipv4.parse("1.2.3.4"), main.instance("VRRP").cfg().source());
        assertArrayEquals(new int[] {dev.jvs.engine.frame.Ipv4.parse("1.2.3.5"), dev.jvs.engine.frame.Ipv4.parse(
            "1.2.3.6")}, main.instance("VRRP").cfg().unicastPeers(), "the unicast peers for main are 1.2.3.5 and 1.2.3.6");
        assertEquals("backup_router", KeepalivedConfig.parse(f, text, "backup").globals.routerId());
        assertEquals(null, KeepalivedConfig.parse(f, text, "other").globals.routerId(), "not set for any other id");
    }

    @Test
    void parametersAreReplacedWhenUsedNotWhenDefined() throws Exception
    {
        assertEquals(List.of("10.2.0.100/32", "10.2.10.100/32"), lines("x", """
            $ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}
            $ADDRESS_BASE_SUB=0
            ${ADDRESS_BASE}.100/32
            $ADDRESS_BASE_SUB=10
            ${ADDRESS_BASE}.100/32
            """));
        assertEquals(List.of("priority 240"), lines("main", """
            @main $PRIORITY=240
            @backup $PRIORITY=200
            priority $PRIORITY
            """));
        assertEquals(List.of("priority 240"), lines("main", "$IF_MAIN=@main\n$IF_MAIN priority 240\n"));
        assertEquals(List.of(), lines("backup", "$IF_MAIN=@main\n$IF_MAIN priority 240\n"));
        assertEquals(List.of("script \"echo ${UNDEF_PARAMETER} $HOME\""),
            lines("x", "script \"echo ${UNDEF_PARAMETER} $HOME\"\n"), "undefined parameters stay");
        assertEquals(List.of("misc_path \"/etc/keepalived/check.sh # 1\""),
            lines("x", "misc_path \"${_PWD}/check.sh ${_HASH} 1\"\n"), "_PWD is the file's directory");
        assertEquals(List.of("x main"), lines("main", "x ${_INSTANCE}\n"));
        final int r = Integer.parseInt(lines("x", "${_RANDOM 5 9}\n").get(0));
        assertTrue(r >= 5 && r <= 9, "random " + r);
    }

    @Test
    void multilineDefinitionsExpandLineByLineWithTheirConditionals() throws Exception
    {
        final String text = """
            vrrp_script offset_instance_0 {
                script "true"
            }
            vrrp_script offset_instance_1 {
                script "true"
            }
            $INSTANCE= \\
            vrrp_instance VI_${NUM} { \\
                interface eth0.${NUM} \\
                use_vmac vrrp${NUM}.1 \\
                virtual_router_id 1 \\
                @high priority 130 \\
                @low priority 120 \\
                advert_int 1 \\
                virtual_ipaddress { \\
                    10.0.${NUM}.254/24 \\
                } \\
                track_script { \\
                    offset_instance_${NUM} \\
                } \\
            }

            $NUM=0
            $INSTANCE

            $NUM=1
            $INSTANCE
            """;
        final VrrpConfig v = KeepalivedConfig.parse(Path.of("k.conf"), text, "high").vrrp;
        assertEquals(2, v.instances().size());
        assertEquals("eth0.1", v.instance("VI_1").cfg().iface());
        assertEquals(130, v.instance("VI_0").cfg().priority());
        assertArrayEquals(new int[] {dev.jvs.engine.frame.Ipv4.parse("10.0.1.254")}, v.instance("VI_1").cfg().addresses());
        assertEquals(java.util.Set.of("offset_instance_1"), v.instance("VI_1").trackScripts().keySet());
        assertEquals(120, KeepalivedConfig.parse(Path.of("k.conf"), text, "low").vrrp.instance("VI_1").cfg().priority());
    }

    @Test
    void nestedMultilineDefinitionsMakeTwoVirtualServersOfThreeRealServers(
        @org.junit.jupiter.api.io.TempDir final Path dir) throws Exception
    {
        // The scripts exist, or keepalived (and jvs) would disable the checks that name them.
        java.nio.file.Files.createDirectories(dir.resolve("scripts"));
        for (final String f : List.of("vs.sh", "notify.sh"))
        {
            java.nio.file.Files.writeString(dir.resolve("scripts").resolve(f), "#!/bin/sh\n");
            java.nio.file.Files.setPosixFilePermissions(dir.resolve("scripts").resolve(f),
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        final String text = """
            $RS= \\
            real_server 192.168.${VS_NUM}.${RS_NUM} 80 { \\
                weight 1 \\
                inhibit_on_failure \\
                smtp_alert \\
                MISC_CHECK { \\
                    misc_path "${_PWD}/scripts/vs.sh RS_misc.${INST}.${VS_NUM}.${RS_NUM}.0 10.0.${VS_NUM}.4:80->192.168.${VS_NUM}.${RS_NUM}:80" \\
                } \\

                MISC_CHECK { \\
                    misc_path "${_PWD}/scripts/vs.sh RS_misc.${INST}.${VS_NUM}.${RS_NUM}.1 10.0.${VS_NUM}.4:80->192.168.${VS_NUM}.${RS_NUM}:80" \\
                } \\

                notify_up "${_PWD}/scripts/notify.sh RS_notify.${INST}.${VS_NUM}.${RS_NUM} UP 10.0.${VS_NUM}.4:80->192.168.${VS_NUM}.${RS_NUM}:80" \\

                notify_down "${_PWD}/scripts/notify.sh RS_notify.${INST}.${VS_NUM}.${RS_NUM} DOWN 10.0.${VS_NUM}.4:80->192.168.${VS_NUM}.${RS_NUM}:80" \\

            }

            $VS= \\
            virtual_server 10.0.${VS_NUM}.4 80 { \\
                quorum 2 \\
                quorum_up "${_PWD}/scripts/notify.sh VS_notify.${INST} UP 10.0.${VS_NUM}.4:80" \\
                quorum_down "${_PWD}/scripts/notify.sh VS_notify.${INST} DOWN 10.0.${VS_NUM}.4:80" \\
                $RS_NUM=1 \\
                $RS \\
                $RS_NUM=2 \\
                $RS \\
                $RS_NUM=3 \\
                $RS \\
            }

            $VS_NUM=0
            $ALPHA=alpha
            $VS

            $VS_NUM=1
            $ALPHA=
            $VS
            """;
        final KeepalivedConfig c = KeepalivedConfig.parse(dir.resolve("keepalived.conf"), text, "x");
        assertEquals(2, c.virtualServers.size(), "the above will create 2 virtual servers");
        assertEquals(3, c.virtualServers.get(1).realServers().size(), "each with 3 real servers");
        final RealServer rs = c.virtualServers.get(1).realServers().get(2);
        assertEquals(dev.jvs.engine.frame.Ipv4.parse("192.168.1.3"), rs.addr());
        assertEquals(2, rs.checks().size());
        assertEquals(dir + "/scripts/vs.sh RS_misc.${INST}.1.3.1 10.0.1.4:80->192.168.1.3:80",
            rs.checks().get(1).miscPath(), "INST is not defined: it stays");
        assertEquals(2, c.virtualServers.get(0).quorum());
    }

    @Test
    void sequenceAndListBlocks() throws Exception
    {
        assertEquals(List.of("ip_address 10.0.0.1", "ip_address 10.0.1.1", "ip_address 10.0.2.1",
            "ip_address 10.0.3.1"), lines("x", "~SEQ(SUBNET, 0, 3) ip_address 10.0.${SUBNET}.1\n"));
        final List<String> hex = List.of("ip_address fe80::20:90:1", "ip_address fe80::20:a0:1",
            "ip_address fe80::20:b0:1", "ip_address fe80::20:c0:1");
        assertEquals(hex, lines("x", "~SEQx(SUBNET, 144, 16, 192) ip_address fe80::20:${SUBNET}:1\n"));
        assertEquals(hex, lines("x", "~SEQx(S2, 0x90, 0x10, 0xc0) ip_address fe80::20:${S2}:1\n"));
        assertEquals(List.of("fe81::10:90:12", "fe81::10:90:11"), lines("x",
            "~SEQx(AD2, 0x90, 0x10, 0xc0) ~SEQx(AD1, 0x12, -1, 0x0c) fe81::10:${AD2}:${AD1}\n").subList(0, 2));
        assertEquals(4 * 7, lines("x", "~SEQx(A2, 0x90, 0x10, 0xc0) ~SEQx(A1, 0x12, -1, 0x0c) x${A2}:${A1}\n").size());
        assertEquals(List.of("192.168.10.1", "192.168.20.4", "192.168.5.6", "192.168.12.8"), lines("x",
            "~LST({IP, IP1}, {10,1},{20,4},{5,6},{12,8}) 192.168.${IP}.${IP1}\n"));
        assertEquals(List.of("192.169.1.5", "192.169.1.6", "192.169.1.7", "192.169.2.5"), lines("x",
            "~LST(IP, 1, 2, 3, 4) ~LST(IP1, 5,6,7) 192.169.${IP}.${IP1}\n").subList(0, 4));
        assertEquals(List.of("1", "2", "3"), lines("x", "~SEQ(N, 3) ${N}\n"), "start defaults to 1");
    }
}
