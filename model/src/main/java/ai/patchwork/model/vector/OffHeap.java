package ai.patchwork.model.vector;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Memory for packed weights. On Linux, anonymous pages mapped straight from the kernel and marked for transparent
 * huge pages ({@code madvise(MADV_HUGEPAGE)}): unlike {@link Arena#allocate}, nothing zeroes them in a pass of its own
 * (the packer's writes fault them in, on every core at once), and 2 MB pages make a step's stream over gigabytes of
 * weights miss the TLB 512 times less. Elsewhere, or when the calls fail, the arena allocates. Either way the memory
 * is freed when the arena closes.
 *
 * <p>Every block starts {@link #SKEW} bytes past a 256-byte boundary, not on one. Rows of a checkpoint's matrices are
 * multiples of 256 bytes long, so a block on such a boundary puts every row on one too; the one-row int8 product
 * ({@link Q8Rows#dots}), which streams whole rows against an activation row held in cache, then runs markedly slower
 * on AMD EPYC cores than with its rows skewed by 64, 128 or 192 bytes ({@code bench decode --quantization int8}
 * shows it; the bfloat16 product on oneDNN does not mind either way).
 */
final class OffHeap {

    private static final long HUGE_PAGE = 2L << 20;
    private static final int PROT_READ_WRITE = 0x3;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x22;
    private static final int MADV_HUGEPAGE = 14;
    private static final MethodHandle MMAP;
    private static final MethodHandle MADVISE;
    private static final MethodHandle MUNMAP;

    static {
        MethodHandle mmap = null;
        MethodHandle madvise = null;
        MethodHandle munmap = null;
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                mmap = libc(
                        linker,
                        "mmap",
                        FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
                madvise = libc(linker, "madvise", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
                munmap = libc(linker, "munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
            } catch (RuntimeException e) { // no native access: the arena allocates
                mmap = null;
            }
        }
        MMAP = mmap;
        MADVISE = madvise;
        MUNMAP = munmap;
    }

    private OffHeap() {}

    /** A handle on the C library's function {@code name}. */
    private static MethodHandle libc(Linker linker, String name, FunctionDescriptor descriptor) {
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), descriptor);
    }

    /** Bytes past a 256-byte boundary (a 2 MB one when mapped) where every block starts. */
    static final long SKEW = 64;

    private static final long SKEW_PERIOD = 256;

    /** {@code bytes} of memory starting {@link #SKEW} bytes past a 256-byte boundary, zero or not, freed with arena. */
    static MemorySegment allocate(long bytes, Arena arena) {
        if (MMAP == null || bytes < HUGE_PAGE) return allocated(bytes, arena);
        long size = bytes + HUGE_PAGE + SKEW; // room to start on a huge-page boundary, and the skew
        MemorySegment base;
        try {
            base = (MemorySegment)
                    MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
        } catch (Throwable e) {
            return allocated(bytes, arena);
        }
        if (base.address() == -1L) return allocated(bytes, arena); // MAP_FAILED
        long address = base.address();
        long aligned = (address + HUGE_PAGE - 1) & -HUGE_PAGE;
        MemorySegment mapped = base.reinterpret(size, arena, OffHeap::unmap);
        MemorySegment huge = mapped.asSlice(aligned - address, bytes + SKEW); // madvise takes page boundaries
        try {
            int ignored = (int) MADVISE.invokeExact(
                    huge, huge.byteSize(), MADV_HUGEPAGE); // a hint: without it, small pages still work
        } catch (Throwable e) {
            // a hint only
        }
        return huge.asSlice(SKEW, bytes);
    }

    /** The same from the arena's allocator. */
    private static MemorySegment allocated(long bytes, Arena arena) {
        return arena.allocate(bytes + SKEW, SKEW_PERIOD).asSlice(SKEW, bytes);
    }

    private static void unmap(MemorySegment base) {
        try {
            int ignored = (int) MUNMAP.invokeExact(base, base.byteSize());
        } catch (Throwable e) {
            throw new IllegalStateException("munmap failed", e);
        }
    }
}
