package dev.jvs.testbed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code jvs check} against {@code keepalived -t} (Debian's keepalived 2.2.7) on the same files, in a namespace
 * whose interfaces the files name: for configurations keepalived accepts but runs differently from what they
 * say (defaults it fills in, contradictions it corrects), jvs says the same things in the same words. The
 * files hold only what jvs acts on, so that every message is one both should print.
 */
@Timeout(120)
class KeepalivedParityTest extends LabTest
{
    private static final String VIRTUAL_SERVERS = """
        virtual_server 198.18.0.80 80 {
            lb_algo rr
            lb_kind DR
            sh-port
            real_server 198.19.0.11 8080 {
                weight 70000
            }
            real_server 198.19.0.12 {
                weight 2
            }
        }
        virtual_server fwmark 7 {
            lb_algo rr
            lb_kind DR
            protocol TCP
            quorum 10
            real_server 198.19.0.13 80 {
            }
        }
        virtual_server 198.18.0.81 80 {
            protocol TCP
            lb_algo rr
        }
        virtual_server 198.18.0.82 0 {
            protocol tcp
            lb_algo sh
            mh-port
            sh-port
            lb_kind NAT
            ops
            hysteresis 3
            real_server 198.19.0.11 80 {
            }
            real_server 198.19.0.11 80 {
            }
        }
        virtual_server 198.18.0.83 53 {
            real_server 198.19.0.14 53 {
            }
        }
        """;

    private static final String VRRP = """
        global_defs {
            vrrp_strict
        }
        vrrp_script chk {
            script "/usr/bin/true"
            weight -20
        }
        vrrp_sync_group G {
            group {
                VI_1
                VI_2
            }
        }
        vrrp_instance VI_1 {
            state MASTER
            interface eth0
            virtual_router_id 51
            priority 100
            advert_int 1
            authentication {
                auth_type PASS
                auth_pass longerthan8
            }
            virtual_ipaddress {
                198.18.0.80
            }
            track_script {
                chk
            }
            track_interface {
                eth1 weight 10
            }
        }
        vrrp_instance VI_2 {
            state BACKUP
            interface eth1
            virtual_router_id 52
            priority 150
            nopreempt
            preempt_delay 4
            advert_int 2.5
            virtual_ipaddress {
                198.19.0.1
            }
        }
        """;

    private static final String PREEMPT = """
        vrrp_instance VI_1 {
            state MASTER
            interface eth0
            virtual_router_id 51
            nopreempt
            preempt_delay 3
            virtual_ipaddress {
                198.18.0.80
            }
        }
        vrrp_instance VI_2 {
            state MASTER
            interface eth1
            virtual_router_id 52
            priority 120
            nopreempt
            version 3
            advert_int 0.25
            authentication {
                auth_type PASS
                auth_pass secret
            }
            virtual_ipaddress {
                198.19.0.1
            }
        }
        """;

    @Test
    void jvsCheckShouldSayWhatKeepalivedTestSays() throws Exception
    {
        needs("/usr/sbin/keepalived");
        try (Netns ns = new Netns())
        {
            ns.add("kp");
            ns.sh("kp", "ip link add eth0 type veth peer name eth9 && ip link add eth1 type veth peer name eth8 && " +
                "for i in eth0 eth1 eth8 eth9; do ip link set $i up; done");
            for (final String conf : List.of(VIRTUAL_SERVERS, VRRP, PREEMPT))
            {
                final Path f = work.resolve("parity-" + conf.hashCode() + ".conf");
                Files.writeString(f, conf);
                final Netns.Result k = ns.shAllowFail("kp", "keepalived -t -f " + f + " -l -D 2>&1", 30);
                final Netns.Result j = Netns.run(List.of("java", "-jar", JAR.toString(), "check", "-f", f.toString()),
                    60);
                assertEquals(0, j.exit(), j.out());
                final TreeSet<String> expected = new TreeSet<>(messages(k.out(), Pattern.compile("^\\(.*?: Line \\d+\\) ")));
                final TreeSet<String> actual = new TreeSet<>(messages(j.out(),
                    Pattern.compile("^warning: " + Pattern.quote(f.toString()) + ":\\d+: ")));
                expected.removeIf(String::isBlank);
                assertEquals(String.join("\n", expected), String.join("\n", actual), "keepalived -t said:\n" +
                    k.out() + "\njvs check said:\n" + j.out());
            }
        }
    }

    /** Each line without its position prefix. */
    private static List<String> messages(final String out, final Pattern prefix)
    {
        final List<String> m = new ArrayList<>();
        for (final String line : out.split("\n"))
        {
            final Matcher x = prefix.matcher(line);
            m.add(x.find() ? line.substring(x.end()) : line.replaceFirst("^warning: ", ""));
        }
        return m;
    }
}
