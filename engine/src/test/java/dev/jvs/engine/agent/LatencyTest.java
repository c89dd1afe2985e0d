package dev.jvs.engine.agent;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ring wait is the kernel's wall-clock stamp against the cycle's monotonic start, calibrated. */
class LatencyTest
{
    @Test
    void aFrameStampedAMillisecondAgoShouldHaveWaitedAboutAMillisecond()
    {
        final Latency l = new Latency();
        final Instant now = Instant.now();
        final long start = System.nanoTime();
        final long stamp = now.getEpochSecond() * 1_000_000_000L + now.getNano() - 1_000_000L;
        l.record(start, start + 20_000, stamp);
        final long waited = l.ringWait().getMaxValue();
        // Within the clocks' reading apart (generous: a loaded machine may pause between them).
        assertTrue(waited >= 900_000 && waited < 50_000_000, "waited " + waited + " ns");
        assertEquals(1, l.cycle().getTotalCount());
        assertTrue(l.cycle().getMaxValue() >= 19_000 && l.cycle().getMaxValue() <= 21_000);
    }
}
