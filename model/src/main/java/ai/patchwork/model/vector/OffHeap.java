package ai.patchwork.model.vector;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Memory for packed weights. On Linux, anonymous pages mapped straight from the kernel and marked for transparent
 * huge pages ({@code madvise(MADV_HUGEPAGE)}): unlike {@link Arena#allocate}, nothing zeroes them in a pass of its own
 * (the packer's writes fault them in, on every core at once), and 2 MB pages make a step's stream over gigabytes of
 * weights miss the TLB 512 times less. Elsewhere, or when the calls fail, the arena allocates. Either way the memory
 * is freed when the arena closes.
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
                SymbolLookup libc = linker.defaultLookup();
                mmap = linker.downcallHandle(
                        libc.find("mmap").orElseThrow(),
                        FunctionDescriptor.of(
                                ValueLayout.ADDRESS,
                                ValueLayout.ADDRESS,
                                ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_INT,
                                ValueLayout.JAVA_LONG));
                madvise = linker.downcallHandle(
                        libc.find("madvise").orElseThrow(),
                        FunctionDescriptor.of(
                                ValueLayout.JAVA_INT,
                                ValueLayout.ADDRESS,
                                ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_INT));
                munmap = linker.downcallHandle(
                        libc.find("munmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            } catch (RuntimeException e) { // no native access: the arena allocates
                mmap = null;
            }
        }
        MMAP = mmap;
        MADVISE = madvise;
        MUNMAP = munmap;
    }

    private OffHeap() {}

    /** {@code bytes} of memory aligned to 64 bytes (to 2 MB when mapped), zero or not, freed with {@code arena}. */
    static MemorySegment allocate(long bytes, Arena arena) {
        if (MMAP == null || bytes < HUGE_PAGE) return arena.allocate(bytes, 64);
        long size = bytes + HUGE_PAGE; // room to start on a huge-page boundary
        MemorySegment base;
        try {
            base = (MemorySegment)
                    MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
        } catch (Throwable e) {
            return arena.allocate(bytes, 64);
        }
        if (base.address() == -1L) return arena.allocate(bytes, 64); // MAP_FAILED
        long address = base.address();
        long aligned = (address + HUGE_PAGE - 1) & -HUGE_PAGE;
        MemorySegment mapped = base.reinterpret(size, arena, OffHeap::unmap);
        MemorySegment s = mapped.asSlice(aligned - address, bytes);
        try {
            int ignored =
                    (int) MADVISE.invokeExact(s, bytes, MADV_HUGEPAGE); // a hint: without it, small pages still work
        } catch (Throwable e) {
            // a hint only
        }
        return s;
    }

    private static void unmap(MemorySegment base) {
        try {
            int ignored = (int) MUNMAP.invokeExact(base, base.byteSize());
        } catch (Throwable e) {
            throw new IllegalStateException("munmap failed", e);
        }
    }
}
