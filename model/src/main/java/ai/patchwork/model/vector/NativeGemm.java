package ai.patchwork.model.vector;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_ATTR_SCALES;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.dnnl_BA16a64b2a;
import static org.bytedeco.dnnl.global.dnnl.dnnl_ab;
import static org.bytedeco.dnnl.global.dnnl.dnnl_ba;
import static org.bytedeco.dnnl.global.dnnl.dnnl_f32;
import static org.bytedeco.dnnl.global.dnnl.dnnl_fpmath_mode_bf16;
import static org.bytedeco.dnnl.global.dnnl.dnnl_matmul_primitive_desc_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_create_with_strides;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_desc_get_size;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_memory_set_data_handle;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_fpmath_mode_v2;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_scales;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_attr_set_scratchpad_mode;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_desc_query_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_destroy;
import static org.bytedeco.dnnl.global.dnnl.dnnl_primitive_execute;
import static org.bytedeco.dnnl.global.dnnl.dnnl_query_scratchpad_md;
import static org.bytedeco.dnnl.global.dnnl.dnnl_s8;
import static org.bytedeco.dnnl.global.dnnl.dnnl_scratchpad_mode_user;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_create;
import static org.bytedeco.dnnl.global.dnnl.dnnl_stream_default_flags;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;

/**
 * y = x·Wᵀ on oneDNN's matmul for W held in its blocked bfloat16 layout ({@link Precision#BF16_BLOCKED}) or as int8
 * with grouped scales ({@link Precision#Q8_0_ROWS}, widened by oneDNN to bfloat16 once per product): x rounded to
 * bfloat16 (nearest, ties to even), products on the CPU's bfloat16 dot-product instructions, sums in float32. An int8
 * range of columns runs piece by piece ({@link Q8Rows#PIECE}), each on its own values and scales.
 *
 * <p>The output columns are cut into pieces ({@link #piece}, or {@link #PIECE} with LoRA deltas beside the product)
 * that the step's threads claim as they go ({@link StepThreads#overlap}), each thread running oneDNN on its pieces
 * with OpenMP held to that thread, so the step's threads are the only ones, the LoRA deltas run beside the product,
 * and a thread that another process holds up costs the product at most one piece. Each thread keeps its own stream,
 * scratchpad and primitives,
 * one per (rows, K, columns, N). A primitive is made for a fixed row count (oneDNN's run-time row count picks a slow
 * path for this layout), and making one takes milliseconds: so a product of more than {@link #ROWS} rows runs in
 * chunks of that many, and a chunk runs on the primitive of its row count rounded up to a {@linkplain #bucket bucket}
 * (its extra rows read whatever the buffer holds, and their outputs are never read). That leaves 15 row counts per
 * shape, which {@link #plan} makes before the first request needs them. {@link Gemm#reference} is the plain loop the
 * tests compare it with.
 */
final class NativeGemm {

    /** x rows per oneDNN call. */
    static final int ROWS = 64;

    /** Row counts up to this run on a primitive of their own (decode batches); larger ones round up to a multiple. */
    private static final int EXACT_ROWS = 8;

    /** Pieces per step thread of a product with no LoRA beside it ({@link #piece}). */
    static final int PIECES_PER_LANE = 2;

    /** Columns per piece when LoRA deltas run beside the product. */
    private static final int PIECE = 4 * OneDnn.ROW_BLOCK;

    private static final ThreadLocal<Lane> LANES = ThreadLocal.withInitial(Lane::new);
    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private NativeGemm() {}

    /** y[0 .. m·n) = x[0 .. m·k) · wᵀ, the columns split over {@code threads}. */
    static void matmul(float[] x, int m, PackedMatrix w, float[] y, StepThreads threads) {
        Buffers b = prepare(x, m, w);
        int piece = piece(w.n(), threads.count(), align(w));
        threads.overlap(w.n(), piece, (from, to, lane) -> LANES.get().run(b, m, w, from, to, y), 0, (i, lane) -> {});
    }

    /**
     * The columns of a piece of a product with no LoRA beside it: {@link #PIECES_PER_LANE} pieces per thread, whole
     * multiples of {@code align}. Few, because each oneDNN call costs about a microsecond and a one-row step has ~90
     * products; more than one per thread, so a thread that another process holds up leaves most of its share to the
     * others.
     */
    static int piece(int n, int threads, int align) {
        int pieces = threads * PIECES_PER_LANE;
        int blocks = (n + align - 1) / align;
        return Math.max(1, (blocks + pieces - 1) / pieces) * align;
    }

    /** Where a piece of columns may start: a block of the bfloat16 layout, a piece of int8 scales. */
    private static int align(PackedMatrix w) {
        return w.precision() == Precision.Q8_0_ROWS ? Q8Rows.PIECE : OneDnn.ROW_BLOCK;
    }

    /** The same with {@code side} run for each of {@code [0, items)} beside it; the side's items must not touch y. */
    static void matmul(
            float[] x, int m, PackedMatrix w, float[] y, StepThreads threads, int items, StepThreads.Item side) {
        Buffers b = prepare(x, m, w);
        threads.overlap(w.n(), PIECE, (from, to, lane) -> LANES.get().run(b, m, w, from, to, y), items, side);
    }

    /**
     * The row count whose primitive runs a chunk of {@code rows} (1 to {@link #ROWS}): itself up to
     * {@link #EXACT_ROWS}, else the next multiple of it.
     */
    static int bucket(int rows) {
        return rows <= EXACT_ROWS ? rows : (rows + EXACT_ROWS - 1) / EXACT_ROWS * EXACT_ROWS;
    }

    /**
     * Makes, on every thread of {@code threads}, the primitives that products with {@code w} can run on: every row
     * bucket, for the columns {@link StepThreads#overlap} can give that thread (its pieces, or the whole range on one
     * thread). A product then makes none, whatever its row count.
     */
    static void plan(PackedMatrix w, StepThreads threads) {
        if (!w.precision().oneDnn()) throw new IllegalArgumentException(w.precision() + " weights");
        int n = w.n();
        threads.everyLane(lane -> {
            Lane l = LANES.get();
            if (w.precision() == Precision.Q8_0_ROWS) { // int8 runs one piece of scales at a time, whatever the range
                l.planPieces(w, Q8Rows.PIECE);
                return;
            }
            if (threads.count() == 1) l.plan(w, n); // one thread runs the whole range at once
            l.planPieces(w, PIECE);
            l.planPieces(w, piece(n, threads.count(), OneDnn.ROW_BLOCK));
        });
    }

    /** Primitives the calling thread holds. */
    static int primitives() {
        return LANES.get().products.size();
    }

    /** The caller's buffers, x written in bfloat16, room for the rows a bucket adds. */
    private static Buffers prepare(float[] x, int m, PackedMatrix w) {
        if (!w.precision().oneDnn()) throw new IllegalArgumentException(w.precision() + " weights");
        Buffers b = BUFFERS.get();
        long padded = m - m % ROWS + (m % ROWS == 0 ? 0 : bucket(m % ROWS));
        b.fit(padded * w.k() * 2, padded * w.n() * 4);
        Bf16.round(x, m * w.k(), b.x);
        return b;
    }

    /** Off-heap x (bfloat16) and y (float32) of one caller, read and written by every thread of its step. */
    private static final class Buffers {
        MemorySegment x = MemorySegment.NULL;
        MemorySegment y = MemorySegment.NULL;

        void fit(long xBytes, long yBytes) {
            if (x.byteSize() < xBytes) x = Arena.ofAuto().allocate(Math.max(xBytes, 2 * x.byteSize()), 64);
            if (y.byteSize() < yBytes) y = Arena.ofAuto().allocate(Math.max(yBytes, 2 * y.byteSize()), 64);
        }
    }

    /** One (rows, K, columns, N) product's primitive and the memory objects it reads and writes. */
    private record Shape(int rows, int k, int width, int n, boolean int8) {}

    private static final class Product {
        final dnnl_primitive primitive = new dnnl_primitive();
        final dnnl_memory src = new dnnl_memory();
        final dnnl_memory weights = new dnnl_memory();
        final dnnl_memory dst = new dnnl_memory();
        final dnnl_memory scratchpad = new dnnl_memory();
        final dnnl_memory scales = new dnnl_memory();
        final long scratchpadBytes;
        final boolean int8; // with the weights' scales as a fifth argument
        final dnnl_exec_arg_t args;
        private long xAt; // the addresses the memory objects point at (0: not set yet, as created with a null handle)
        private long wAt;
        private long scalesAt;
        private long yAt;
        private long padAt;

        /**
         * The product for {@code s}. Int8 weights ({@link Q8Rows}) are Wᵀ (K, width) in the plain {@code ba} layout
         * with a float32 scale per 32 values along K of each column; oneDNN widens them to bfloat16 (its weight
         * decompression, {@code fpmath_mode} bf16 applied to integers) and multiplies on the bfloat16 instructions.
         */
        Product(Shape s) {
            int8 = s.int8;
            args = new dnnl_exec_arg_t(arguments());
            dnnl_memory_desc x = OneDnn.desc(new long[] {s.rows, s.k}, dnnl_ab);
            dnnl_memory_desc w = s.int8
                    ? OneDnn.desc(new long[] {s.k, s.width}, dnnl_s8, dnnl_ba)
                    : OneDnn.desc(new long[] {s.k, s.width}, dnnl_BA16a64b2a);
            dnnl_memory_desc sc = s.int8 ? OneDnn.desc(new long[] {s.k / Q8.GROUP, s.width}, dnnl_f32, dnnl_ab) : null;
            dnnl_memory_desc y = new dnnl_memory_desc();
            dnnl_primitive_attr attr = new dnnl_primitive_attr();
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            try {
                OneDnn.check(
                        dnnl_memory_desc_create_with_strides(
                                y, 2, new long[] {s.rows, s.width}, dnnl_f32, new long[] {s.n, 1}),
                        "describing y");
                OneDnn.check(dnnl_primitive_attr_create(attr), "creating attributes");
                OneDnn.check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad");
                if (s.int8) {
                    OneDnn.check(
                            dnnl_primitive_attr_set_scales(
                                    attr, DNNL_ARG_WEIGHTS, 3, 2, new long[] {Q8.GROUP, 1}, dnnl_f32),
                            "grouped scales");
                    OneDnn.check(dnnl_primitive_attr_set_fpmath_mode_v2(attr, dnnl_fpmath_mode_bf16, 1), "fpmath");
                }
                OneDnn.check(
                        dnnl_matmul_primitive_desc_create(pd, OneDnn.engine(), x, w, null, y, attr), "planning a " + s);
                dnnl_memory_desc pad = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
                scratchpadBytes = dnnl_memory_desc_get_size(pad);
                OneDnn.check(dnnl_memory_create(src, x, OneDnn.engine(), null), "wrapping x");
                OneDnn.check(dnnl_memory_create(weights, w, OneDnn.engine(), null), "wrapping W");
                OneDnn.check(dnnl_memory_create(dst, y, OneDnn.engine(), null), "wrapping y");
                OneDnn.check(dnnl_memory_create(scratchpad, pad, OneDnn.engine(), null), "wrapping the scratchpad");
                if (s.int8) OneDnn.check(dnnl_memory_create(scales, sc, OneDnn.engine(), null), "wrapping the scales");
                OneDnn.check(dnnl_primitive_create(primitive, pd), "creating a " + s);
            } finally {
                dnnl_primitive_desc_destroy(pd);
                dnnl_primitive_attr_destroy(attr);
                dnnl_memory_desc_destroy(x);
                dnnl_memory_desc_destroy(w);
                dnnl_memory_desc_destroy(y);
                if (sc != null) dnnl_memory_desc_destroy(sc);
            }
            args.position(0).arg(DNNL_ARG_SRC).memory(src);
            args.position(1).arg(DNNL_ARG_WEIGHTS).memory(weights);
            args.position(2).arg(DNNL_ARG_DST).memory(dst);
            args.position(3).arg(DNNL_ARG_SCRATCHPAD).memory(scratchpad);
            if (s.int8)
                args.position(4).arg(DNNL_ARG_ATTR_SCALES | DNNL_ARG_WEIGHTS).memory(scales);
            args.position(0);
        }

        /**
         * Points the memory objects at x, W (and its int8 scales), y and the scratchpad and runs the product. A handle
         * is set only when its address moved since the last run: a decode step's buffers stay put, so mostly only W
         * (another layer's) moves.
         */
        void run(dnnl_stream stream, long x, long w, long wScales, long y, long pad) {
            if (x != xAt) OneDnn.check(dnnl_memory_set_data_handle(src, OneDnn.at(xAt = x)), "setting x");
            if (w != wAt) OneDnn.check(dnnl_memory_set_data_handle(weights, OneDnn.at(wAt = w)), "setting W");
            if (int8 && wScales != scalesAt) {
                OneDnn.check(dnnl_memory_set_data_handle(scales, OneDnn.at(scalesAt = wScales)), "setting the scales");
            }
            if (y != yAt) OneDnn.check(dnnl_memory_set_data_handle(dst, OneDnn.at(yAt = y)), "setting y");
            if (pad != padAt) {
                OneDnn.check(dnnl_memory_set_data_handle(scratchpad, OneDnn.at(padAt = pad)), "setting the scratchpad");
            }
            OneDnn.check(dnnl_primitive_execute(primitive, stream, arguments(), args), "multiplying");
        }

        private int arguments() {
            return int8 ? 5 : 4;
        }

        void close() {
            dnnl_primitive_destroy(primitive);
            dnnl_memory_destroy(src);
            dnnl_memory_destroy(weights);
            dnnl_memory_destroy(dst);
            dnnl_memory_destroy(scratchpad);
            if (int8) dnnl_memory_destroy(scales);
            args.close();
        }
    }

    /** One thread's stream, scratchpad and primitives (the least recently used closed past {@link #CAPACITY}). */
    private static final class Lane {
        private static final int CAPACITY = 512;
        final dnnl_stream stream = new dnnl_stream();
        MemorySegment scratchpad = Arena.ofAuto().allocate(64, 64);
        final Map<Shape, Product> products = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Shape, Product> eldest) {
                if (size() <= CAPACITY) return false;
                eldest.getValue().close();
                return true;
            }
        };

        Lane() {
            OneDnn.singleThreaded();
            OneDnn.check(dnnl_stream_create(stream, OneDnn.engine(), dnnl_stream_default_flags), "creating a stream");
        }

        /**
         * Columns [from, to) of y = x·Wᵀ for all m rows, in chunks of {@link #ROWS}, each run on its bucket, copied
         * from the off-heap y into {@code out} by the thread that computed them.
         */
        void run(Buffers b, int m, PackedMatrix w, int from, int to, float[] out) {
            int k = w.k();
            int n = w.n();
            boolean int8 = w.precision() == Precision.Q8_0_ROWS;
            int step = int8 ? Q8Rows.PIECE : to - from; // int8: piece by piece, each with its own dense scales
            for (int f = from; f < to; f += step) {
                int width = Math.min(step, to - f);
                long weights =
                        w.values().address() + (long) f * k * w.precision().bytes(); // a matrix itself
                long scales = int8 ? w.scales().address() + (long) f * (k / Q8.GROUP) * Float.BYTES : 0;
                for (int r = 0; r < m; r += ROWS) {
                    Product p = product(bucket(Math.min(ROWS, m - r)), w, width);
                    p.run(
                            stream,
                            b.x.address() + (long) r * k * 2,
                            weights,
                            scales,
                            b.y.address() + ((long) r * n + f) * 4,
                            scratchpad.address());
                }
            }
            for (int r = 0; r < m; r++) {
                long at = ((long) r * n + from) * 4;
                MemorySegment.copy(b.y, PackedMatrix.FLOAT_LE, at, out, r * n + from, to - from);
            }
        }

        /** Every bucket's primitive for {@code width} columns of {@code w}. */
        void plan(PackedMatrix w, int width) {
            for (int rows = 1; rows <= ROWS; rows = rows < EXACT_ROWS ? rows + 1 : rows + EXACT_ROWS) {
                product(rows, w, width);
            }
        }

        /** {@link #plan} for the widths pieces of {@code piece} columns of {@code w} have: whole, and the last. */
        void planPieces(PackedMatrix w, int piece) {
            int n = w.n();
            plan(w, Math.min(piece, n));
            if (n > piece && n % piece != 0) plan(w, n % piece);
        }

        private Product product(int rows, PackedMatrix w, int width) {
            Product p = products.computeIfAbsent(
                    new Shape(rows, w.k(), width, w.n(), w.precision() == Precision.Q8_0_ROWS), Product::new);
            if (scratchpad.byteSize() < p.scratchpadBytes)
                scratchpad = Arena.ofAuto().allocate(p.scratchpadBytes, 64);
            return p;
        }
    }
}
