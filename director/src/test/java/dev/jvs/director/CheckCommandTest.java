package dev.jvs.director;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckCommandTest extends CapturedOutput
{
    @Test
    void shouldPassAValidConfigurationAndDumpItInIpvsadmSaveFormat() throws Exception
    {
        final Path f = dir.resolve("keepalived.conf");
        Files.writeString(f, """
            virtual_server 198.19.0.80 80 {
                lb_algo wlc
                lb_kind DR
                protocol TCP
                persistence_timeout 300
                persistence_granularity 255.255.255.0
                flag-2
                real_server 198.19.0.12 80 { weight 2 }
                real_server 198.19.0.11 80 {
                    weight 3
                    uthreshold 100
                    lthreshold 10
                    lvs_method TUN
                    frobnicate yes
                }
            }
            virtual_server fwmark 7 {
                lb_algo rr
                lb_kind NAT
                real_server 198.19.0.13 0 { weight 1 }
            }
            vrrp_instance VI_1 {
                interface eth0
                virtual_router_id 51
                priority 150
                nopreempt
                virtual_ipaddress {
                    198.19.0.80
                }
            }
            """.replace("{ weight 2 }", "{\n weight 2\n }").replace("{ weight 1 }", "{\n weight 1\n }"));
        assertEquals(0, Main.execute("check", "-f", f.toString(), "--dump"));
        assertEquals(String.join("\n",
            "-A -t 198.19.0.80:80 -s wlc -p 300 -M 255.255.255.0 -b flag-2",
            "-a -t 198.19.0.80:80 -r 198.19.0.11:80 -i -w 3 -x 100 -y 10",
            "-a -t 198.19.0.80:80 -r 198.19.0.12:80 -g -w 2",
            "-A -f 7 -s rr",
            "-a -f 7 -r 198.19.0.13:0 -m -w 1",
            "# vrrp_instance VI_1: eth0 vrid 51 VRRPv2 priority 150 advert_int 1.00 nopreempt addresses 198.19.0.80",
            ""), out.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("keepalived.conf:16: unknown keyword 'frobnicate'"),
            err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldFailWithTheErrorsPosition() throws Exception
    {
        final Path f = dir.resolve("bad.conf");
        Files.writeString(f, "virtual_server 198.19.0.80 80 {\n  real_server 198.19.0.300 80\n}\n");
        assertEquals(1, Main.execute("check", "-f", f.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("bad.conf:2:15: '198.19.0.300' is not an IPv4 address"),
            err.toString(StandardCharsets.UTF_8));
    }
}
