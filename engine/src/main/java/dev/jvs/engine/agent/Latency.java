package dev.jvs.engine.agent;

import org.HdrHistogram.Histogram;

import java.time.Instant;
import java.util.Locale;

/**
 * Where a worker's time goes, per batch, in two HdrHistograms recorded without allocation: how long the
 * batch's first frame waited in the receive ring (the kernel's receive timestamp to the start of the cycle
 * that took it: wake-up and scheduling delay, and the previous batch), and how long the cycle took (inbox
 * operations, the frames, the send). A tail in the first is the thread not running; in the second, the
 * thread's own work. Single writer: the worker; read through a question posted to it.
 */
public final class Latency
{
    private static final long MAX_NS = 10_000_000_000L;
    private static final long CALIBRATE_NS = 100_000_000L;
    /** A clock read bracketed closer than this is taken at once. */
    private static final long CALIBRATE_BRACKET_NS = 10_000L;

    private final Histogram ringWait = new Histogram(MAX_NS, 2);
    private final Histogram cycle = new Histogram(MAX_NS, 2);
    /** CLOCK_REALTIME minus System.nanoTime, in ns: the ring's stamps are wall-clock time. */
    private long realOffset;
    private long calibratedAt;
    private boolean calibrated;

    /**
     * One cycle that handled frames.
     *
     * @param startNs System.nanoTime at the cycle's start.
     * @param endNs System.nanoTime at its end.
     * @param firstFrameRealNs the kernel's stamp of its first frame (0: unknown).
     */
    public void record(final long startNs, final long endNs, final long firstFrameRealNs)
    {
        cycle.recordValue(Math.min(MAX_NS, Math.max(0, endNs - startNs)));
        if (0 != firstFrameRealNs)
        {
            if (!calibrated || startNs - calibratedAt > CALIBRATE_NS)
            {
                calibrate(startNs);
            }
            ringWait.recordValue(Math.min(MAX_NS, Math.max(0, startNs + realOffset - firstFrameRealNs)));
        }
    }

    /**
     * Ten times a second: the offset between the two clocks. The wall clock is read between two monotonic
     * readings and set against their middle; a read that was preempted (a wide bracket) is tried again, so the
     * offset is off by half the narrowest of three brackets, not by however long the thread was descheduled.
     */
    private void calibrate(final long nowNs)
    {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3 && best > CALIBRATE_BRACKET_NS; i++)
        {
            final long before = System.nanoTime();
            final Instant real = Instant.now();
            final long after = System.nanoTime();
            if (after - before < best)
            {
                best = after - before;
                realOffset = real.getEpochSecond() * 1_000_000_000L + real.getNano() - (before + (after - before) / 2);
            }
        }
        calibratedAt = nowNs;
        calibrated = true;
    }

    /** @return a copy of the ring-wait histogram (on the worker's thread). */
    public Histogram ringWait()
    {
        return ringWait.copy();
    }

    /** @return a copy of the cycle histogram (on the worker's thread). */
    public Histogram cycle()
    {
        return cycle.copy();
    }

    /**
     * @param h a histogram of ns.
     * @return its p50, p99, p99.9 and max in µs, for a log line.
     */
    public static String describe(final Histogram h)
    {
        return String.format(Locale.ROOT, "p50 %.0f, p99 %.0f, p99.9 %.0f, max %.0f µs (%d batches)",
            h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3,
            h.getMaxValue() / 1e3, h.getTotalCount());
    }
}
