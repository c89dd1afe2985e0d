package dev.jvs.bench;

import dev.jvs.schedulers.Destinations;
import dev.jvs.schedulers.Flow;
import dev.jvs.schedulers.RandomSource;
import dev.jvs.schedulers.Scheduler;
import dev.jvs.schedulers.Schedulers;

import java.util.SplittableRandom;

/**
 * A service with N real servers of mixed weights (1..10) and connection counts, plus 1024 precomputed
 * flows from distinct clients to 4096 distinct destination addresses, shared by the scheduler benchmarks.
 */
final class SchedulerFixture
{
    static final int FLOWS = 1024;
    static final int FLOW_MASK = FLOWS - 1;

    final Destinations dests;
    final Scheduler scheduler;
    final Flow[] flows = new Flow[FLOWS];

    /** xorshift draws for twos: no allocation, no contention. */
    private static final class XorShift implements RandomSource
    {
        private int x = 0x9E3779B9;

        @Override
        public int nextU32()
        {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            return x;
        }
    }

    SchedulerFixture(final String name, final int servers)
    {
        final SplittableRandom r = new SplittableRandom(42);
        dests = new Destinations(servers);
        for (int i = 0; i < servers; i++)
        {
            // 198.19.0.0/16 real servers.
            final int id = dests.add(0xC6130000 | (i + 1), 80, 1 + r.nextInt(10), 0, 0);
            dests.counts(id, r.nextInt(50), r.nextInt(500));
        }
        final int flags = "sh".equals(name) || "mh".equals(name) ? Scheduler.FLAG_SCHED2 : 0;
        scheduler = Schedulers.create(name, dests, flags, new XorShift(), 0);
        dests.scheduler(scheduler);
        for (int i = 0; i < FLOWS; i++)
        {
            // clients in 198.18.0.0/16, virtual/destination addresses in 198.19.128.0/20.
            flows[i] = new Flow().set(Flow.TCP, 0xC6120000 | r.nextInt(1 << 16), 1024 + r.nextInt(60000),
                0xC6138000 | r.nextInt(4096), 80, 1000);
        }
        for (final Flow f : flows)
        {
            scheduler.pick(f);
        }
    }
}
