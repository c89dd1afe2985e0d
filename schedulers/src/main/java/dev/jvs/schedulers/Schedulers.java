package dev.jvs.schedulers;

import java.util.List;
import java.util.Locale;

/** Creates schedulers by their IPVS names and parses ipvsadm's scheduler flags. */
public final class Schedulers
{
    /** Every name {@link #create} accepts, in ipvsadm's order. */
    public static final List<String> NAMES =
        List.of("rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos");

    private Schedulers()
    {
    }

    /**
     * Create a scheduler over a service's destinations (bind it with {@link Destinations#scheduler}).
     *
     * @param name IPVS name, e.g. "wlc".
     * @param dests the service's destinations.
     * @param serviceFlags {@code IP_VS_SVC_F_SCHED*} bits (sh/mh flags).
     * @param random source for twos' draws.
     * @param nowMs time of binding (lblc/lblcr timers).
     * @return the scheduler.
     * @throws IllegalArgumentException for an unknown name.
     */
    public static Scheduler create(
        final String name, final Destinations dests, final int serviceFlags, final RandomSource random,
        final long nowMs)
    {
        return switch (name)
        {
            case "rr" -> new RoundRobin(dests);
            case "wrr" -> new WeightedRoundRobin(dests);
            case "lc" -> new RankedScheduler(dests, "lc", Ranking.LC);
            case "wlc" -> new RankedScheduler(dests, "wlc", Ranking.WLC);
            case "sed" -> new RankedScheduler(dests, "sed", Ranking.SED);
            case "nq" -> new RankedScheduler(dests, "nq", Ranking.NQ);
            case "fo" -> new RankedScheduler(dests, "fo", Ranking.FO);
            case "ovf" -> new RankedScheduler(dests, "ovf", Ranking.OVF);
            case "lblc" -> new LocalityBased(dests, false, nowMs);
            case "lblcr" -> new LocalityBased(dests, true, nowMs);
            case "dh" -> new DestinationHashing(dests);
            case "sh" -> new SourceHashing(dests, serviceFlags);
            case "mh" -> new MaglevHashing(dests, serviceFlags);
            case "twos" -> new PowerOfTwoChoices(dests, random);
            default -> throw new IllegalArgumentException(
                "unknown scheduler '" + name + "': expected one of " + String.join(" ", NAMES));
        };
    }

    /**
     * Parse ipvsadm's {@code -b} list: sh-fallback, sh-port, mh-fallback, mh-port, flag-1, flag-2, flag-3.
     * The sh and mh names are aliases of the same service bits, as in the kernel.
     *
     * @param list comma-separated names, may be empty.
     * @return the bits.
     * @throws IllegalArgumentException for an unknown name.
     */
    public static int parseFlags(final String list)
    {
        int bits = 0;
        if (null == list || list.isBlank())
        {
            return 0;
        }
        for (final String raw : list.split(","))
        {
            final String f = raw.trim().toLowerCase(Locale.ROOT);
            bits |= switch (f)
            {
                case "sh-fallback", "mh-fallback", "flag-1" -> Scheduler.FLAG_SCHED1;
                case "sh-port", "mh-port", "flag-2" -> Scheduler.FLAG_SCHED2;
                case "flag-3" -> Scheduler.FLAG_SCHED3;
                case "mh-sorted" -> Scheduler.FLAG_SORTED;
                default -> throw new IllegalArgumentException("unknown scheduler flag '" + raw.trim() +
                    "': expected sh-fallback, sh-port, mh-fallback, mh-port, flag-1, flag-2, flag-3 or mh-sorted");
            };
        }
        return bits;
    }
}
