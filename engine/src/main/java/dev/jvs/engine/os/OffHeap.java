package dev.jvs.engine.os;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.ref.Cleaner;

/**
 * Off-heap memory for the big tables. Regions of 2 MiB and more are mapped anonymously, aligned to 2 MiB
 * and advised as wanting transparent huge pages ({@code madvise(MADV_HUGEPAGE)}) before anything touches
 * them, so random lookups over a gigabyte do not also pay a TLB miss and a page walk each (the kernel's THP
 * mode "madvise", Debian's default, honours exactly this). The mapping is released when the buffer becomes
 * unreachable. Small regions, or a system without mmap, get an ordinary direct buffer.
 */
public final class OffHeap
{
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 2;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MADV_HUGEPAGE = 14;
    private static final long HUGE_PAGE = 2L << 20;
    private static final int MADV_POPULATE_WRITE = 23;
    private static final long PAGE = 4096;
    private static final boolean AVAILABLE;
    private static final Cleaner CLEANER = Cleaner.create();

    static
    {
        boolean ok;
        try
        {
            Native.register(OffHeap.class, "c");
            ok = true;
        }
        catch (final Throwable t)
        {
            ok = false;
        }
        AVAILABLE = ok;
    }

    private OffHeap()
    {
    }

    private static native Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

    private static native int munmap(Pointer addr, long length);

    private static native int madvise(Pointer addr, long length, int advice);

    /**
     * Fault a buffer's pages in, writable, without changing what is in them (madvise MADV_POPULATE_WRITE, Linux
     * 5.14): the kernel's zeroing of fresh pages is done now, by the caller's thread, not by the first write.
     *
     * @param b a buffer from {@link #allocate} (or any buffer over memory this process may write).
     */
    public static void prefault(final UnsafeBuffer b)
    {
        if (!AVAILABLE || b.capacity() < HUGE_PAGE)
        {
            return;
        }
        final long start = b.addressOffset() & ~(PAGE - 1);
        final long end = b.addressOffset() + b.capacity();
        madvise(new Pointer(start), end - start, MADV_POPULATE_WRITE);
    }

    /**
     * Allocate zeroed memory.
     *
     * @param bytes size.
     * @return a buffer over it.
     */
    public static UnsafeBuffer allocate(final int bytes)
    {
        if (bytes < HUGE_PAGE || !AVAILABLE)
        {
            return new UnsafeBuffer(BufferUtil.allocateDirectAligned(bytes, 64));
        }
        final long length = bytes + HUGE_PAGE;
        final Pointer base = mmap(null, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        final long address = Pointer.nativeValue(base);
        if (-1L == address || 0L == address)
        {
            return new UnsafeBuffer(BufferUtil.allocateDirectAligned(bytes, 64));
        }
        final long aligned = (address + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
        madvise(new Pointer(aligned), (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);
        final UnsafeBuffer b = new UnsafeBuffer(aligned, bytes);
        CLEANER.register(b, () -> munmap(new Pointer(address), length));
        return b;
    }
}
