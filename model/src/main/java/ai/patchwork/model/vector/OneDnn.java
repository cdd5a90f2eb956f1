package ai.patchwork.model.vector;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
import static org.bytedeco.dnnl.global.dnnl.dnnl_BA16a64b2a;
import static org.bytedeco.dnnl.global.dnnl.dnnl_ba;
import static org.bytedeco.dnnl.global.dnnl.dnnl_bf16;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core_bf16;
import static org.bytedeco.dnnl.global.dnnl.dnnl_engine_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_get_effective_cpu_isa;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_create_with_tag;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_reorder_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_default_flags;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_wait;
import static org.bytedeco.dnnl.global.dnnl.dnnl_success;

import ai.patchwork.model.safetensors.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.Pointer;

/**
 * oneDNN (Intel's deep-learning kernels, through JavaCPP's presets; never PyTorch): loading it, and packing bfloat16
 * weights once into the blocked layout its matmul reads ({@code BA16a64b2a}: W (N, K) seen as Wᵀ (K, N), in blocks of
 * 64 columns, outermost, each holding K in blocks of 16 pairs). Because the column blocks are outermost, every range of
 * W rows starting at a multiple of 64 is itself a blocked matrix at an offset: stacked q/k/v or gate/up pack part by
 * part, and {@link NativeGemm} hands each thread its own range of rows.
 */
final class OneDnn {

    /** W rows per block of the layout: a packed matrix's parts and a thread's range start at multiples of it. */
    static final int ROW_BLOCK = 64;

    /** W columns per block: K must be a multiple of it, or the layout pads. */
    static final int COLUMN_BLOCK = 32;

    /** What loading the library found, once per JVM. */
    static final Library LIBRARY = Library.load();

    private static final dnnl_engine ENGINE = LIBRARY.engine();

    /**
     * The loaded library: its CPU engine and OpenMP's {@code omp_set_num_threads}, or null for both and the
     * {@code failure} when it did not load.
     *
     * @param bf16Instructions whether oneDNN runs bfloat16 products on the CPU's own bfloat16 instructions (AVX-512
     *     BF16 or newer)
     */
    record Library(dnnl_engine engine, MethodHandle ompSetNumThreads, boolean bf16Instructions, String failure) {

        static Library load() {
            try {
                dnnl_engine engine = new dnnl_engine();
                check(dnnl_engine_create(engine, dnnl_cpu, 0), "creating the CPU engine");
                // The library's OpenMP, loaded with it: each calling thread runs its products alone (NativeGemm
                // splits them over the step's threads), so OpenMP never spins up a second team on the same cores.
                MethodHandle omp = Linker.nativeLinker()
                        .downcallHandle(
                                SymbolLookup.libraryLookup("libgomp.so.1", Arena.global())
                                        .find("omp_set_num_threads")
                                        .orElseThrow(),
                                FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
                int isa = dnnl_get_effective_cpu_isa();
                boolean bf16 = (isa & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16;
                return new Library(engine, omp, bf16, null);
            } catch (LinkageError | RuntimeException e) { // no native library for this platform, or no native access
                return new Library(null, null, false, "oneDNN did not load: " + e);
            }
        }

        /** Whether the library loaded. */
        boolean available() {
            return engine != null;
        }
    }

    private OneDnn() {}

    /** Whether the library loaded. */
    static boolean available() {
        return LIBRARY.available();
    }

    static dnnl_engine engine() {
        return ENGINE;
    }

    /** Makes the calling thread's oneDNN calls run on that thread alone. */
    static void singleThreaded() {
        try {
            LIBRARY.ompSetNumThreads().invokeExact(1);
        } catch (Throwable e) {
            throw new IllegalStateException("omp_set_num_threads failed", e);
        }
    }

    /** Whether these stacked tensors pack into the blocked layout without padding: BF16, parts of whole row blocks. */
    static boolean fits(List<PackedMatrix.Source> parts, int k) {
        if (!available() || k % COLUMN_BLOCK != 0) return false;
        for (PackedMatrix.Source p : parts) {
            if (p.dtype() != DType.BF16 || p.rows() % ROW_BLOCK != 0) return false;
        }
        return true;
    }

    /** The parts, stacked, in the blocked layout in {@code arena}: one copy, values unchanged. */
    static PackedMatrix pack(List<PackedMatrix.Source> parts, int k, Arena arena) {
        if (!fits(parts, k)) throw new IllegalArgumentException("these tensors do not fit oneDNN's blocked layout");
        int n = parts.stream().mapToInt(PackedMatrix.Source::rows).sum();
        MemorySegment dst = OffHeap.allocate((long) n * k * 2, arena);
        dnnl_stream stream = new dnnl_stream();
        check(dnnl_stream_create(stream, ENGINE, dnnl_stream_default_flags), "creating a stream");
        try {
            long row = 0;
            for (PackedMatrix.Source p : parts) {
                reorder(p.bytes(), dst.asSlice(row * k * 2, (long) p.rows() * k * 2), p.rows(), k, stream);
                row += p.rows();
            }
        } finally {
            dnnl_stream_destroy(stream);
        }
        return new PackedMatrix(dst, Precision.BF16_BLOCKED, n, k);
    }

    /** Row-major (rows, k) bfloat16 {@code src} into the blocked layout at {@code dst}. */
    private static void reorder(MemorySegment src, MemorySegment dst, int rows, int k, dnnl_stream stream) {
        dnnl_memory_desc user = desc(new long[] {k, rows}, dnnl_ba); // W (rows, k) row-major is Wᵀ (k, rows) "ba"
        dnnl_memory_desc blocked = desc(new long[] {k, rows}, dnnl_BA16a64b2a);
        dnnl_memory from = new dnnl_memory();
        dnnl_memory to = new dnnl_memory();
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        dnnl_primitive reorder = new dnnl_primitive();
        try {
            if (dnnl_memory_desc_get_size(blocked) != dst.byteSize()) {
                throw new IllegalStateException("oneDNN pads a " + rows + " × " + k + " matrix");
            }
            check(dnnl_memory_create(from, user, ENGINE, at(src.address())), "wrapping the weights");
            check(dnnl_memory_create(to, blocked, ENGINE, at(dst.address())), "wrapping the packed weights");
            check(dnnl_reorder_primitive_desc_create(pd, user, ENGINE, blocked, ENGINE, null), "planning a reorder");
            check(dnnl_primitive_create(reorder, pd), "creating a reorder");
            dnnl_exec_arg_t args = new dnnl_exec_arg_t(2);
            args.position(0).arg(DNNL_ARG_FROM).memory(from);
            args.position(1).arg(DNNL_ARG_TO).memory(to);
            check(dnnl_primitive_execute(reorder, stream, 2, args.position(0)), "reordering");
            check(dnnl_stream_wait(stream), "reordering");
            args.close();
        } finally {
            dnnl_primitive_destroy(reorder);
            dnnl_primitive_desc_destroy(pd);
            dnnl_memory_destroy(from);
            dnnl_memory_destroy(to);
            dnnl_memory_desc_destroy(user);
            dnnl_memory_desc_destroy(blocked);
        }
    }

    /** A bfloat16 memory descriptor of {@code dims} in the layout {@code tag}. */
    static dnnl_memory_desc desc(long[] dims, int tag) {
        return desc(dims, dnnl_bf16, tag);
    }

    /** A memory descriptor of {@code dims} of {@code type} in the layout {@code tag}. */
    static dnnl_memory_desc desc(long[] dims, int type, int tag) {
        dnnl_memory_desc d = new dnnl_memory_desc();
        check(dnnl_memory_desc_create_with_tag(d, dims.length, dims, type, tag), "describing memory");
        return d;
    }

    /** A native address as JavaCPP's pointer (named so that Pointer's own field {@code address} does not hide it). */
    static Pointer at(long where) {
        return new Pointer() {
            {
                this.address = where;
            }
        };
    }

    static void check(int status, String what) {
        if (status != dnnl_success) throw new IllegalStateException("oneDNN failed " + what + ": status " + status);
    }
}
