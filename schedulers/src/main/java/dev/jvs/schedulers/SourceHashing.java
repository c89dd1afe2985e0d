package dev.jvs.schedulers;

/**
 * sh ({@code ip_vs_sh.c}): a 256-bucket table filled by walking the list, each destination taking as many
 * consecutive buckets as its weight (at least one); the bucket is the kernel's {@code ip_vs_sh_hashkey} of the
 * client address (plus the client port with sh-port). An unavailable destination (weight 0 or overloaded)
 * means no destination, or with sh-fallback a deterministic walk around the table.
 */
public final class SourceHashing extends TableScheduler
{
    static final int TAB_BITS = 8;
    static final int TAB_SIZE = 1 << TAB_BITS;
    static final int TAB_MASK = TAB_SIZE - 1;

    private final boolean fallback;
    private final boolean usePort;

    /**
     * @param dests the service's destinations.
     * @param serviceFlags {@link #FLAG_SCHED1} for sh-fallback, {@link #FLAG_SCHED2} for sh-port.
     */
    public SourceHashing(final Destinations dests, final int serviceFlags)
    {
        super(dests, TAB_SIZE);
        this.fallback = 0 != (serviceFlags & FLAG_SCHED1);
        this.usePort = 0 != (serviceFlags & FLAG_SCHED2);
    }

    @Override
    public String name()
    {
        return "sh";
    }

    @Override
    void reassign()
    {
        final Destinations d = dests;
        final int n = d.count;
        int p = 0;
        int dCount = 0;
        for (int i = 0; i < TAB_SIZE; i++)
        {
            if (0 == n)
            {
                table[i] = NO_DEST;
                continue;
            }
            final int id = d.order[p];
            table[i] = id;
            if (++dCount >= d.weight[id])
            {
                p = p + 1 == n ? 0 : p + 1;
                dCount = 0;
            }
        }
    }

    /**
     * The kernel's {@code ip_vs_sh_hashkey} since Linux 3.17 (sh-port, sh-fallback):
     * {@code (offset + hash_32(ntohs(port) + ntohl(addr), IP_VS_SH_TAB_BITS)) & IP_VS_SH_TAB_MASK}. Kernels
     * before 3.17 kept the low 8 bits of {@code addr * 2654435761}: a director mixed with such a kernel
     * would place clients differently.
     *
     * @param addr address, host order.
     * @param port port, or 0.
     * @param offset the fallback walk's offset, or 0.
     * @return the bucket.
     */
    static int hashKey(final int addr, final int port, final int offset)
    {
        return (offset + KernelHash.hash32(port + addr, TAB_BITS)) & TAB_MASK;
    }

    @Override
    public int pick(final Flow flow)
    {
        return pickByKey(flow.saddr, usePort && flow.hasPorts() ? flow.sport : 0, fallback);
    }

    /** @param i bucket. @return its destination id (tests). */
    int bucket(final int i)
    {
        return table[i];
    }
}
