package dev.jvs.schedulers;

/** The kernel's {@code include/linux/hash.h} as the IPVS schedulers use it. */
final class KernelHash
{
    /** {@code GOLDEN_RATIO_32}, the multiplier of {@code hash_32}. */
    static final int GOLDEN_RATIO_32 = 0x61C88647;

    private KernelHash()
    {
    }

    /**
     * {@code hash_32(val, bits)} in its generic form (x86 and arm64 have no arch version): the <em>high</em>
     * {@code bits} of the 32-bit product with {@code GOLDEN_RATIO_32}.
     *
     * @param val the value, as the kernel's u32.
     * @param bits bits kept, 1..32.
     * @return the hash, 0 .. 2^bits - 1.
     */
    static int hash32(final int val, final int bits)
    {
        return (val * GOLDEN_RATIO_32) >>> (32 - bits);
    }
}
