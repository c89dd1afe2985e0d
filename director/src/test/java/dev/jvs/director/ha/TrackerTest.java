package dev.jvs.director.ha;

import dev.jvs.director.config.KeepalivedConfig;
import dev.jvs.director.config.VrrpConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        final Tracker t = new Tracker(v, v.instances, log::add);
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
        final Tracker t = new Tracker(v, v.instances, s -> { });
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
}
