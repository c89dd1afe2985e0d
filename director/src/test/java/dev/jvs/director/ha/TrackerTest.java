package dev.jvs.director.ha;

import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.director.config.VrrpConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

/** track_script: rise, fall, weights, weight 0 means FAULT, init_fail. */
class TrackerTest
{
    @Test
    void shouldApplyRiseFallAndWeights() throws Exception
    {
        final VrrpConfig v = KeepalivedConfig.parse(Path.of("k.conf"), """
            vrrp_script down20 {
              script "false"
              weight -20
              fall 2
              rise 2
            }
            vrrp_script up10 {
              script "true"
              weight 10
              init_fail
            }
            vrrp_script vital {
              script "true"
            }
            vrrp_instance VI_1 {
              interface lo
              virtual_router_id 51
              virtual_ipaddress {
                198.19.0.80
              }
              track_script {
                down20
                up10
                vital
              }
            }
            """).vrrp;
        final List<String> log = new ArrayList<>();
        final Tracker t = new Tracker(v, v.instances(), log::add);
        assertEquals(new Tracker.Update("VI_1", 0, false), t.initial("VI_1"), "init_fail: up10 starts failed");
        t.result("up10", true);
        assertEquals(new Tracker.Update("VI_1", 10, false), t.poll());
        t.result("down20", false);
        assertNull(t.poll(), "fall 2: one failure is not enough");
        t.result("down20", false);
        assertEquals(new Tracker.Update("VI_1", -10, false), t.poll());
        t.result("down20", true);
        t.result("down20", false);
        t.result("down20", true);
        assertNull(t.poll(), "rise 2 needs two successes in a row");
        t.result("vital", false);
        assertEquals(new Tracker.Update("VI_1", -10, true), t.poll(), "weight 0: FAULT");
        t.close();
    }

    @Test
    void trackFilesShouldWeighTheirNumberOrFault(@org.junit.jupiter.api.io.TempDir final Path dir) throws Exception
    {
        final Path f = dir.resolve("offset");
        final Path g = dir.resolve("gate");
        Files.writeString(g, "0\n");
        final VrrpConfig v = KeepalivedConfig.parse(Path.of("k.conf"), """
            track_file offset {
                file "F"
                weight -10
                init_file 2
            }
            vrrp_track_file gate {
                file "G"
            }
            vrrp_instance VI_1 {
                interface lo
                virtual_router_id 51
                virtual_ipaddress {
                    198.19.0.80
                }
                track_file {
                    offset
                    gate weight 0
                }
            }
            """.replace("F", f.toString()).replace("G", g.toString())).vrrp;
        final Tracker t = new Tracker(v, v.instances(), s -> { });
        assertEquals("2", Files.readString(f).strip(), "init_file wrote the initial value");
        assertEquals(new Tracker.Update("VI_1", -20, false), t.initial("VI_1"), "2 times weight -10");
        Files.writeString(f, "-1\n");
        t.pollNow();
        assertEquals(new Tracker.Update("VI_1", 10, false), t.poll());
        Files.writeString(g, "1\n");
        t.pollNow();
        assertEquals(new Tracker.Update("VI_1", 10, true), t.poll(), "weight 0: non-zero is a fault");
        Files.writeString(g, "0\n");
        Files.writeString(f, "30\n");
        t.pollNow();
        assertEquals(new Tracker.Update("VI_1", 0, true), t.poll(), "below -253: fault");
        t.close();
    }

    /**
     * vrrp_track_process: a process named uniquely for the test (a copy of sleep), quorum 1 with weight 0
     * (FAULT when none runs) and quorum 2 with weight 10 on another; terminate_delay holds the down.
     */
    @Test
    void trackProcessShouldCountRunningProcessesAgainstTheQuorum(@org.junit.jupiter.api.io.TempDir final Path dir)
        throws Exception
    {
        final String name = "jvstrk" + ProcessHandle.current().pid() % 100000;
        final Path bin = dir.resolve(name);
        Files.copy(Path.of("/bin/sleep"), bin);
        bin.toFile().setExecutable(true);
        final VrrpConfig v = KeepalivedConfig.parse(Path.of("k.conf"), """
            vrrp_track_process one {
                process NAME
                weight 0
                terminate_delay 2
            }
            vrrp_track_process two {
                process NAME
                quorum 2
                weight 10
            }
            vrrp_track_process args {
                process BIN 300
                weight -5
            }
            vrrp_instance VI_1 {
                interface lo
                virtual_router_id 51
                virtual_ipaddress {
                    198.19.0.80
                }
                track_process {
                    one
                    two
                    args
                }
            }
            """.replace("NAME", name).replace("BIN", bin.toString())).vrrp;
        final Tracker none = new Tracker(v, v.instances(), s -> { });
        assertEquals(new Tracker.Update("VI_1", -5, true), none.initial("VI_1"), "nothing runs: FAULT, and -5");
        none.close();

        final Process a = new ProcessBuilder(bin.toString(), "300").start();
        try
        {
            final Tracker t = new Tracker(v, v.instances(), s -> { });
            assertEquals(new Tracker.Update("VI_1", 0, false), t.initial("VI_1"), "one runs (with argument 300)");
            final Process b = new ProcessBuilder(bin.toString(), "301").start();
            try
            {
                t.pollNow(1000);
                assertEquals(new Tracker.Update("VI_1", 10, false), t.poll(), "two run: quorum 2 met, +10");
            }
            finally
            {
                b.destroyForcibly().waitFor();
            }
            t.pollNow(2000);
            assertEquals(new Tracker.Update("VI_1", 0, false), t.poll());
            a.destroyForcibly().waitFor();
            t.pollNow(3000);
            assertEquals(new Tracker.Update("VI_1", -5, false), t.poll(), "'args' has no delay: -5 at once");
            t.pollNow(4000);
            assertNull(t.poll(), "'one' waits for its terminate_delay of 2 s");
            t.pollNow(5000);
            assertEquals(new Tracker.Update("VI_1", -5, true), t.poll(), "then FAULT");
            t.close();
        }
        finally
        {
            a.destroyForcibly().waitFor();
        }
    }

    @Test
    void trackProcessMatchesAsKeepalivedSays()
    {
        VrrpConfig.TrackProcess p = process(List.of("haproxy"), null, false);
        assertTrue(p.matches("haproxy", List.of("/usr/sbin/haproxy", "-f", "x")), "by name (comm)");
        assertFalse(p.matches("haproxy-x", List.of()), "exactly, not as a pattern");
        p = process(List.of("haproxy"), null, true);
        assertFalse(p.matches("haproxy", List.of("/usr/sbin/haproxy")), "full_command: argv[0]");
        assertTrue(p.matches("x", List.of("haproxy", "-f", "y")));
        p = process(List.of("nginx", "-c", "/etc/nginx"), null, false);
        assertTrue(p.matches("nginx", List.of("nginx", "-c", "/etc/nginx")));
        assertFalse(p.matches("nginx", List.of("nginx", "-c", "/etc/nginx", "-g")), "parameters: exactly");
        p = process(List.of("nginx", "-c", "/etc/nginx"), "partial", false);
        assertTrue(p.matches("nginx", List.of("nginx", "-c", "/etc/nginx", "-g")), "partial: the first ones");
        assertFalse(p.matches("nginx", List.of("nginx", "-c", "/etc/nginx.conf")));
        p = process(List.of("nginx", "-c", "/etc/nginx"), "initial", false);
        assertTrue(p.matches("nginx", List.of("nginx", "-c", "/etc/nginx.conf")), "initial: the last a prefix");
        p = process(List.of("nginx"), "initial", false);
        assertFalse(p.matches("nginx", List.of("nginx", "-c")), "param_match without parameters: none allowed");
        assertTrue(p.matches("nginx", List.of("nginx")));
    }

    private static VrrpConfig.TrackProcess process(final List<String> command, final String paramMatch,
        final boolean fullCommand)
    {
        return new VrrpConfig.TrackProcess("p", command, paramMatch, 1, false, 1, 65535, 0, 0, fullCommand);
    }

    /** keepalived tracks an instance's own interface (down: FAULT) unless dont_track_primary says not to. */
    @Test
    void theInstancesOwnInterfaceShouldBeTrackedUnlessDontTrackPrimary() throws Exception
    {
        final String conf = """
            vrrp_instance VI_1 {
                interface jvs-none0
                virtual_router_id 51
                EXTRA
                virtual_ipaddress {
                    198.19.0.80
                }
            }
            """;
        final VrrpConfig tracked = KeepalivedConfig.parse(Path.of("k.conf"), conf.replace("EXTRA", "")).vrrp;
        final Tracker t = new Tracker(tracked, tracked.instances(), s -> { });
        assertEquals(new Tracker.Update("VI_1", 0, true), t.initial("VI_1"), "no such interface: FAULT");
        t.close();
        final VrrpConfig notTracked = KeepalivedConfig.parse(Path.of("k.conf"),
            conf.replace("EXTRA", "dont_track_primary")).vrrp;
        final Tracker u = new Tracker(notTracked, notTracked.instances(), s -> { });
        assertEquals(new Tracker.Update("VI_1", 0, false), u.initial("VI_1"));
        u.close();
    }
}
