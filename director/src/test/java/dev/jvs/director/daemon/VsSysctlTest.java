package dev.jvs.director.daemon;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** --vs-sysctl: IPVS's sysctl names (bare or as sysctl.conf writes them), their ranges, plain refusals. */
class VsSysctlTest
{
    @Test
    void namesAndRangesShouldBeTheKernels()
    {
        assertEquals(Map.entry("sloppy_tcp", 1), Settings.vsSysctl("sloppy_tcp=1"));
        assertEquals(Map.entry("expire_nodest_conn", 1), Settings.vsSysctl("net.ipv4.vs.expire_nodest_conn = 1"));
        assertEquals(Map.entry("secure_tcp", 3), Settings.vsSysctl("net/ipv4/vs/secure_tcp=3"));
        assertEquals("--vs-sysctl: net.ipv4.vs.sloppy_tcp takes 0..1, not 2",
            assertThrows(IllegalArgumentException.class, () -> Settings.vsSysctl("sloppy_tcp=2")).getMessage());
        assertEquals("--vs-sysctl: net.ipv4.vs.conntrack is not one jvs has (expire_nodest_conn, " +
            "expire_quiescent_template, pmtu_disc, secure_tcp, sloppy_tcp)",
            assertThrows(IllegalArgumentException.class, () -> Settings.vsSysctl("conntrack=1")).getMessage());
        assertEquals("--vs-sysctl: net.ipv4.vs.pmtu_disc takes 0..1, not nothing",
            assertThrows(IllegalArgumentException.class, () -> Settings.vsSysctl("pmtu_disc")).getMessage());
    }
}
