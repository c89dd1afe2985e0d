package dev.jvs.schedulers;

/**
 * The kernel's {@code hsiphash} on 64-bit machines, which is SipHash-1-3 with a 64-bit result truncated to
 * 32 bits ({@code lib/siphash.c}, "on 64-bit, we make HalfSipHash1-3 actually be SipHash1-3"). Only the
 * one-u32 form is needed: mh hashes a single 32-bit value.
 */
final class HalfSipHash
{
    private HalfSipHash()
    {
    }

    /**
     * {@code hsiphash_1u32(first, key)} (equal to {@code hsiphash(&first, 4, key)} on little-endian).
     *
     * @param first the value.
     * @param k0 key word 0.
     * @param k1 key word 1.
     * @return the 32-bit hash.
     */
    static int hash1u32(final int first, final long k0, final long k1)
    {
        long v0 = 0x736f6d6570736575L ^ k0;
        long v1 = 0x646f72616e646f6dL ^ k1;
        long v2 = 0x6c7967656e657261L ^ k0;
        long v3 = 0x7465646279746573L ^ k1;
        final long b = (4L << 56) | (first & 0xFFFFFFFFL);

        v3 ^= b;
        // SIPROUND
        v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
        v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        v0 ^= b;
        v2 ^= 0xff;
        for (int i = 0; i < 3; i++)
        {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return (int)((v0 ^ v1) ^ (v2 ^ v3));
    }
}
