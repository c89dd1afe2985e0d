package dev.jvs.engine.agent;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ring wait is the kernel's wall-clock stamp against the cycle's monotonic start, calibrated. */
class LatencyTest
{
    @Test
    void aFrameStampedTenMillisecondsAgoShouldHaveWaitedAboutTenMilliseconds()
    {
        final Latency l = new Latency();
        final Instant now = Instant.now();
        final long start = System.nanoTime();
        final long stamp = now.getEpochSecond() * 1_000_000_000L + now.getNano() - 10_000_000L;
        l.record(start, start + 20_000, stamp);
        final long waited = l.ringWait().getMaxValue();
        // A pause between this test's two clock reads only adds; the calibration's error is half its
        // narrowest bracket (microseconds). Margins for a loaded machine: 5 ms under, 1 s over.
        assertTrue(waited >= 5_000_000 && waited < 1_000_000_000, "waited " + waited + " ns");
        assertEquals(1, l.cycle().getTotalCount());
        assertTrue(l.cycle().getMaxValue() >= 19_000 && l.cycle().getMaxValue() <= 21_000);
    }
}
