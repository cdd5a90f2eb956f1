package ai.patchwork.model.vector;

import ai.patchwork.model.safetensors.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.stream.IntStream;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A weight matrix W (n, k) off the Java heap, in the layout {@link Gemm} reads: for each block of 4 rows, their first
 * SIMD vectors side by side, then their second ones, and so on, then the 4 rows' scalar tails past {@code kv}; rows
 * past a multiple of 4 follow whole (as {@link Gemm#pack} writes a float array). Values stay in the checkpoint's
 * precision, so a BF16 model takes its own size and is widened in registers; the memory belongs to the arena the
 * matrix was packed into.
 *
 * @param values the packed values, {@code n·k·precision.bytes()} bytes
 * @param scales the float32 scales of int8 values ({@link Q8}, {@link Q8Rows}), else null
 */
record PackedMatrix(MemorySegment values, MemorySegment scales, Precision precision, int n, int k) {

    private static final int L = FloatVector.SPECIES_PREFERRED.length();
    static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE_LE =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    PackedMatrix {
        if (n <= 0 || k <= 0) throw new IllegalArgumentException("a matrix of " + n + " × " + k);
        if (values.byteSize() != (long) n * k * precision.bytes()) {
            throw new IllegalArgumentException(values.byteSize() + " bytes for " + n + " × " + k + " " + precision);
        }
        if (precision.int8() != (scales != null)) throw new IllegalArgumentException("scales with int8 only");
        if (scales != null && (!Q8.fits(k) || scales.byteSize() != scaleBytes(precision, n, k))) {
            throw new IllegalArgumentException(scales.byteSize() + " bytes of scales for " + n + " × " + k);
        }
    }

    /**
     * Bytes of the scales of an (n, k) int8 matrix: a float32 per group, and in {@link Q8Rows}' layout a half-precision
     * copy after them.
     */
    static long scaleBytes(Precision precision, int n, int k) {
        long groups = (long) n * (k / Q8.GROUP);
        return groups * Float.BYTES + (precision == Precision.Q8_0_ROWS ? groups * Short.BYTES : 0);
    }

    /** A matrix held unquantized. */
    PackedMatrix(MemorySegment values, Precision precision, int n, int k) {
        this(values, null, precision, n, k);
    }

    /** Row-major rows of a checkpoint tensor: {@code rows × k} values of {@code dtype}, little-endian. */
    record Source(MemorySegment bytes, DType dtype, int rows) {}

    /**
     * Packs a row-major (n, k) float array, in bfloat16 when every value is exactly one (half the bytes, the same
     * values), else in float32, into memory the garbage collector frees: small matrices and tests.
     */
    static PackedMatrix of(float[] w, int n, int k) {
        if (w.length != n * k) {
            throw new IllegalArgumentException("expected " + n + " × " + k + " floats, got " + w.length);
        }
        float[] packed = new float[w.length];
        Gemm.pack(w, n, k, packed, 0);
        boolean half = Bf16.exact(packed);
        MemorySegment s = Arena.ofAuto().allocate((long) w.length * (half ? 2 : 4), 64);
        for (int i = 0; i < packed.length; i++) {
            if (half) s.set(Bf16.SHORT_LE, 2L * i, (short) (Float.floatToRawIntBits(packed[i]) >>> 16));
            else s.set(FLOAT_LE, 4L * i, packed[i]);
        }
        return new PackedMatrix(s, half ? Precision.BF16 : Precision.F32, n, k);
    }

    /**
     * Packs the rows of one or more checkpoint tensors, stacked in order (q, k and v as one qkv matrix), into
     * {@code arena}, keeping their precision (F64 is narrowed to float32). One copy, no float32 detour; the parts must
     * be readable from any thread (a shared arena's mappings).
     */
    static PackedMatrix pack(List<Source> parts, int k, Arena arena) {
        return pack(parts, k, false, arena);
    }

    /** The same, quantized to {@link Q8} when {@code int8} is set and rows split into whole groups of 32. */
    static PackedMatrix pack(List<Source> parts, int k, boolean int8, Arena arena) {
        return pack(parts, k, int8, false, arena);
    }

    /**
     * The same, or, when {@code blocked} is set and the parts fit, in a layout of oneDNN's for {@link NativeGemm}:
     * BF16 parts of whole blocks of rows ({@link OneDnn#fits}) in its blocked layout, which has no rows to read back
     * one by one; int8 ones, with oneDNN loaded, in {@link Q8Rows}'.
     */
    static PackedMatrix pack(List<Source> parts, int k, boolean int8, boolean blocked, Arena arena) {
        if (blocked && !int8 && OneDnn.fits(parts, k)) return OneDnn.pack(parts, k, arena);
        boolean int8Rows = blocked && OneDnn.available();
        DType dtype = parts.getFirst().dtype();
        int n = 0;
        for (Source p : parts) {
            if (p.dtype() != dtype) {
                throw new IllegalArgumentException("tensors of " + p.dtype() + " and " + dtype + " stacked");
            }
            if (p.bytes().byteSize() != (long) p.rows() * k * dtype.bytes()) {
                throw new IllegalArgumentException(
                        p.bytes().byteSize() + " bytes for " + p.rows() + " × " + k + " " + dtype);
            }
            if (dtype == DType.F16 && !F16.finite(p.bytes(), 0, p.bytes().byteSize())) {
                throw new IllegalArgumentException("float16 weights hold an infinity or a NaN");
            }
            n += p.rows();
        }
        Precision precision = Precision.of(dtype);
        int eb = dtype.bytes();
        MemorySegment[] rowSeg = new MemorySegment[n];
        long[] rowAt = new long[n];
        for (int i = 0, r = 0; i < parts.size(); i++) {
            for (int j = 0; j < parts.get(i).rows(); j++, r++) {
                rowSeg[r] = parts.get(i).bytes();
                rowAt[r] = (long) j * k * eb;
            }
        }
        if (int8 && Q8.fits(k)) {
            return int8Rows
                    ? Q8Rows.pack(rowSeg, rowAt, dtype, n, k, arena)
                    : Q8.pack(rowSeg, rowAt, dtype, n, k, arena);
        }
        int ob = precision.bytes();
        MemorySegment dst = OffHeap.allocate((long) n * k * ob, arena);
        int n4 = n - n % 4;
        int kv = k - k % L;
        VectorSpecies<Byte> chunk = dtype == DType.F64
                ? null // one vector of L values, moved as bytes
                : VectorSpecies.of(byte.class, VectorShape.forBitSize(L * ob * 8));
        // Blocks of 4 rows on every core: each block's place is known, and the mapped pages fault in on both at once.
        IntStream.range(0, n4 / 4).parallel().forEach(b -> {
            int j = 4 * b;
            long o = (long) j * k * ob;
            for (int p = 0; p < kv; p += L) {
                for (int r = 0; r < 4; r++, o += (long) L * ob) {
                    long at = rowAt[j + r] + (long) p * eb;
                    if (chunk == null) copy(rowSeg[j + r], at, dtype, dst, o, L);
                    else
                        ByteVector.fromMemorySegment(chunk, rowSeg[j + r], at, ByteOrder.LITTLE_ENDIAN)
                                .intoMemorySegment(dst, o, ByteOrder.LITTLE_ENDIAN);
                }
            }
            for (int r = 0; r < 4; r++, o += (long) (k - kv) * ob) {
                copy(rowSeg[j + r], rowAt[j + r] + (long) kv * eb, dtype, dst, o, k - kv);
            }
        });
        for (int j = n4; j < n; j++) copy(rowSeg[j], rowAt[j], dtype, dst, (long) j * k * ob, k);
        return new PackedMatrix(dst, precision, n, k);
    }

    /** Copies {@code len} values, narrowing F64 to float32. */
    private static void copy(MemorySegment src, long at, DType dtype, MemorySegment dst, long o, int len) {
        if (dtype != DType.F64) {
            MemorySegment.copy(src, at, dst, o, (long) len * dtype.bytes());
            return;
        }
        for (int i = 0; i < len; i++) dst.set(FLOAT_LE, o + 4L * i, (float) src.get(DOUBLE_LE, at + 8L * i));
    }

    /** Bytes the values (and scales) take. */
    long bytes() {
        return values.byteSize() + (scales == null ? 0 : scales.byteSize());
    }

    /** dst[dOff .. dOff + len) = packed values [from .. from + len) as float32. */
    void widen(long from, int len, float[] dst, int dOff) {
        long at = from * precision.bytes();
        switch (precision) {
            case F32 -> MemorySegment.copy(values, FLOAT_LE, at, dst, dOff, len);
            case BF16 -> Bf16.widen(values, at, dst, dOff, len);
            case F16 -> F16.widen(values, at, dst, dOff, len);
            case Q8_0 -> Q8.widen(this, from, len, dst, dOff);
            case Q8_0_ROWS -> Q8Rows.widen(this, from, len, dst, dOff);
            case BF16_BLOCKED -> throw blocked();
        }
    }

    /** Packed value {@code i} as float32: the plain read for scalar tails. */
    float get(long i) {
        return switch (precision) {
            case F32 -> values.get(FLOAT_LE, 4 * i);
            case BF16 -> Bf16.get(values, 2 * i);
            case F16 -> F16.get(values, 2 * i);
            case Q8_0 -> Q8.get(this, i);
            case Q8_0_ROWS -> Q8Rows.get(this, i);
            case BF16_BLOCKED -> throw blocked();
        };
    }

    private static UnsupportedOperationException blocked() {
        return new UnsupportedOperationException("oneDNN's blocked layout is read by NativeGemm only");
    }

    /** dst[dOff .. dOff + k) = row r of W as float32, read out of the packed layout: an embedding lookup. */
    void row(int r, float[] dst, int dOff) {
        if (r < 0 || r >= n) throw new IndexOutOfBoundsException("row " + r + " of " + n);
        int n4 = n - n % 4;
        if (r >= n4 || precision == Precision.Q8_0_ROWS) { // a whole row
            widen((long) r * k, k, dst, dOff);
            return;
        }
        int kv = k - k % L;
        long block = (long) (r - r % 4) * k;
        int lane = r % 4;
        for (int p = 0; p < kv; p += L) widen(block + 4L * p + (long) lane * L, L, dst, dOff + p);
        widen(block + 4L * kv + (long) lane * (k - kv), k - kv, dst, dOff + kv);
    }
}
