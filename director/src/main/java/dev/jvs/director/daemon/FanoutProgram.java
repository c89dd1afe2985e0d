package dev.jvs.director.daemon;

import dev.jvs.engine.agent.Workers;
import dev.jvs.engine.frame.Ipv4;
import dev.jvs.engine.io.Fanout;
import dev.jvs.engine.io.PacketIoException;
import dev.jvs.engine.service.ServiceTable;
import dev.jvs.engine.service.VirtualService;

import java.util.Arrays;

/**
 * The fanout group's program for the running services (set at start, after a reload or an edit): the NAT
 * real servers' frames go by destination, and clients by the coarsest persistence netmask. A changed netmask
 * moves some clients to another worker, whose table does not have their connections: those break.
 */
final class FanoutProgram
{
    private final Workers workers;
    private int[][] program;
    private volatile int mask = -1;
    /** The coarsest IPv6 persistence prefix, or -1 while no IPv6 service runs (IPv6 then all worker 0's). */
    private volatile int prefix6 = -1;

    FanoutProgram(final Workers workers)
    {
        this.workers = workers;
    }

    /**
     * @param client a client address.
     * @return the worker the fanout gives it (any thread).
     */
    int owner(final int client)
    {
        return Fanout.worker(client, mask, workers.count());
    }

    /**
     * @param hi an IPv6 client's address, high 64 bits.
     * @param lo low 64 bits.
     * @return the worker the fanout gives it (any thread).
     */
    int owner6(final long hi, final long lo)
    {
        return prefix6 < 0 ? 0 : Fanout.worker6(hi, lo, prefix6, workers.count());
    }

    /** Set the program for worker 0's services, unless it is the one set already; on the conductor's thread. */
    void refresh()
    {
        if (workers.count() < 2)
        {
            return;
        }
        final int[] maskAndNat = workers.ask(0, FanoutProgram::maskAndNat);
        final int m = maskAndNat[0];
        final int[] nat = Arrays.copyOfRange(maskAndNat, 1, maskAndNat.length);
        final int[] prefixAndNat6 = workers.ask(0, FanoutProgram::prefixAndNat6);
        final int p6 = prefixAndNat6[0];
        final int[] nat6 = Arrays.copyOfRange(prefixAndNat6, 1, prefixAndNat6.length);
        final int[][] p = Fanout.program(m, nat, p6, nat6);
        if (null != program && Arrays.deepEquals(p, program))
        {
            return;
        }
        try
        {
            // Every port's group: a connection's frames meet on one worker whichever port they come in by.
            for (int port = 0; port < workers.worker(0).ports(); port++)
            {
                Fanout.setProgram(workers.worker(0).receiverFd(port), p);
            }
            mask = m;
            prefix6 = p6;
            program = p;
            Log.info("fanout over " + workers.count() + " workers: clients by " + Ipv4.toString(m) +
                (p6 < 0 ? "" : " (IPv6 /" + p6 + ")") + ", " + (nat.length + nat6.length) +
                " NAT real servers by destination");
        }
        catch (final PacketIoException | IllegalArgumentException ex)
        {
            Log.info("warning: fanout program: " + ex.getMessage() + "; the previous one stays");
        }
    }

    /** The coarsest persistence netmask, then the NAT real servers; on worker 0's thread. */
    private static int[] maskAndNat(final dev.jvs.engine.Forwarder f)
    {
        final ServiceTable services = f.services();
        int m = -1;
        for (final VirtualService s : services.all())
        {
            if (s.persistenceTimeoutMs() > 0 && !s.ipv6())
            {
                m &= s.persistenceNetmask();
            }
        }
        final int[] nat = services.natServerAddresses();
        final int[] out = new int[nat.length + 1];
        out[0] = m;
        System.arraycopy(nat, 0, out, 1, nat.length);
        return out;
    }

    /** The coarsest IPv6 persistence prefix, then the IPv6 NAT real servers' folds; on worker 0's thread. */
    private static int[] prefixAndNat6(final dev.jvs.engine.Forwarder f)
    {
        final ServiceTable services = f.services();
        if (!services.hasIpv6())
        {
            return new int[] {-1};
        }
        int prefix = 128;
        for (final VirtualService s : services.all())
        {
            if (s.persistenceTimeoutMs() > 0 && s.ipv6())
            {
                prefix = Math.min(prefix, s.persistenceNetmask());
            }
        }
        final java.util.List<dev.jvs.engine.frame.IpAddress> nat = services.natServerAddresses6();
        final int[] out = new int[nat.size() + 1];
        out[0] = prefix;
        for (int i = 0; i < nat.size(); i++)
        {
            out[i + 1] = nat.get(i).fold();
        }
        return out;
    }
}
