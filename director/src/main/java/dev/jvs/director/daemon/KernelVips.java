package dev.jvs.director.daemon;

import dev.jvs.director.ha.VrrpAgent;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@code --vip-mode kernel} with VRRP: the master's addresses become the interface's while it is master, by a
 * thread of their own (ip(8) takes milliseconds the conductor does not have between two VRRP deadlines).
 */
final class KernelVips implements VrrpAgent.VipOwner, AutoCloseable
{
    private final java.util.List<KernelSetup> kernel;
    private final java.util.function.IntUnaryOperator portOf;
    private final ExecutorService exec = Executors.newSingleThreadExecutor(r ->
    {
        final Thread t = new Thread(r, "jvs-vip");
        t.setDaemon(true);
        return t;
    });

    KernelVips(final java.util.List<KernelSetup> kernel, final java.util.function.IntUnaryOperator portOf)
    {
        this.kernel = java.util.List.copyOf(kernel);
        this.portOf = portOf;
    }

    @Override
    public void own(final int[] addresses)
    {
        exec.execute(() -> change(addresses, true));
    }

    @Override
    public void release(final int[] addresses)
    {
        exec.execute(() -> change(addresses, false));
    }

    private void change(final int[] addresses, final boolean add)
    {
        for (final int a : addresses)
        {
            final KernelSetup k = kernel.get(Math.min(kernel.size() - 1, portOf.applyAsInt(a)));
            try
            {
                if (add)
                {
                    k.addVipAddresses(new int[] {a});
                }
                else
                {
                    k.removeVipAddresses(new int[] {a});
                }
            }
            catch (final IOException ex)
            {
                Log.info("warning: vip_mode kernel: " + ex.getMessage());
            }
        }
    }

    /** Finish what is queued (a release on stop), at most 5 s. */
    @Override
    public void close()
    {
        exec.shutdown();
        try
        {
            exec.awaitTermination(5, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
