package dev.jvs.director;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** ipvsadm's number column (print_largenum): 9 wide, K/M/G/T from 10^8 on unless --exact. */
class IpvsadmFormatTest
{
    private static String n(final long v, final boolean exact)
    {
        final StringBuilder b = new StringBuilder();
        IpvsadmFormat.largenum(b, v, exact);
        return b.toString();
    }

    @Test
    void shouldScaleLargeNumbersAsIpvsadmDoes()
    {
        assertEquals("        0", n(0, false));
        assertEquals(" 99999999", n(99_999_999, false));
        assertEquals("  100000K", n(100_000_000, false));
        assertEquals("  999999K", n(999_999_999, false));
        assertEquals("    1000M", n(1_000_000_000, false));
        assertEquals("   99999M", n(99_999_999_999L, false));
        assertEquals("     100G", n(100_000_000_000L, false));
        assertEquals("     100T", n(100_000_000_000_000L, false));
        assertEquals(" 123456789", n(123_456_789, true));
        assertEquals("       42", n(42, true));
    }
}
