package dev.jvs.schedulers;

/** Where twos takes its random draws ({@code prandom_u32()} in the kernel). */
@FunctionalInterface
public interface RandomSource
{
    /** @return 32 random bits. */
    int nextU32();
}
