package dev.jvs.director.adm;

import dev.jvs.engine.Method;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The kernel's estimator arithmetic (ip_vs_est.c): 1/4 EWMA over 2 s ticks, fixed point as the kernel's. */
class RateEstimatorTest
{
    @Test
    void shouldFollowTheKernelsEwma()
    {
        final ServiceTable t = new ServiceTable(() -> 4);
        final VirtualService s = t.add(6, Ipv4.parse("198.19.0.80"), 80, "rr", 0, 0);
        final int id = s.addRealServer(Ipv4.parse("198.19.0.11"), 80, Method.NAT, 1, 0, 0);
        final RateEstimator r = new RateEstimator();
        r.tick(t, 0);
        for (int i = 0; i < 1000; i++)
        {
            s.countNew(id);
        }
        r.tick(t, 1000);
        assertEquals(0, r.rates(s, -1)[0], "not 2 s yet");
        r.tick(t, 2000);
        // 1000 connections in 2 s is 500/s; the first step of a 1/4 EWMA from 0 reads 125.
        assertEquals(125, r.rates(s, -1)[0]);
        assertEquals(125, r.rates(s, id)[0]);
        r.tick(t, 4000);
        // No new connections: 125 decays by a quarter of itself (fixed point: 96000 >> 10, rounded up).
        assertEquals(94, r.rates(s, -1)[0]);
    }
}
