package ai.patchwork.model.vector;

import ai.patchwork.model.lora.StoredLora;
import jdk.incubator.vector.FloatVector;

/**
 * Packs a module into an {@link AdapterStorage#INT16} layer straight from its stored tensors ({@link StoredLora}):
 * one row of A, then B, at a time in float32 in this packer's scratch arrays, quantized there ({@link Int16#quantize},
 * the same arithmetic as the reference) and written as 16-bit integers into the places {@link Gemm#pack} and
 * {@link Expand#layout} give them. The result is exactly {@link PackedAdapter#packReference}'s, which widens each
 * module to float32 arrays, quantizes them into more, packs a float32 layer and narrows it. Not thread-safe: one
 * packer per thread.
 */
final class Int16Pack {
    private static final int L = FloatVector.SPECIES_PREFERRED.length();

    private float[] values = new float[0]; // a row of A, or s·B (out, r)
    private float[] q = new float[0]; // the same places, quantized

    /**
     * Writes A (r, in) of {@code w}, quantized row by row, into {@code dst} at {@code off} in {@link Gemm#pack}'s
     * layout; {@code scales[k]} = row k's scale.
     */
    void packA(StoredLora w, short[] dst, int off, float[] scales) {
        int r = w.rank(), in = w.in();
        room(in);
        int r4 = r - r % 4;
        int kv = in - in % L;
        for (int k = 0; k < r; k++) {
            w.readA(k * in, values, in);
            scales[k] = Int16.quantize(values, 0, in, 1, q);
            if (k >= r4) { // rows past the last block of 4 lie whole, one after another
                narrow(q, 0, dst, off + k * in, in);
                continue;
            }
            int block = off + (k - k % 4) * in; // the block of rows k - k % 4 ..: chunk by chunk, 4 rows of L each
            for (int p = 0; p < kv; p += L) narrow(q, p, dst, block + p * 4 + (k % 4) * L, L);
            narrow(q, kv, dst, block + kv * 4 + (k % 4) * (in - kv), in - kv);
        }
    }

    /**
     * Writes s·B (out, r) of {@code w}, quantized column by column, into {@code dst} at {@code off} in
     * {@link Expand#layout}'s layout (whose padding past {@code out} stays zero); {@code scales[k]} = column k's
     * scale. Returns the values the layout takes.
     */
    int packB(StoredLora w, short[] dst, int off, float[] scales) {
        int r = w.rank(), out = w.out();
        room(out * r);
        w.readB(0, values, out * r);
        float s = w.scale();
        for (int i = 0; i < out * r; i++) values[i] *= s; // LoraWeights.scaledB
        for (int k = 0; k < r; k++) scales[k] = Int16.quantize(values, k, out, r, q);
        int full = out / L;
        int grouped = full - full % 4;
        for (int o = 0; o < out; o++) {
            int c = o / L;
            for (int k = 0; k < r; k++) {
                int at = c < grouped ? (c - c % 4) * r * L + (k * 4 + c % 4) * L : (c * r + k) * L;
                dst[off + at + o % L] = (short) q[o * r + k];
            }
        }
        return Expand.chunks(out) * r * L;
    }

    /** dst[dOff .. dOff + n) = the integer values q[off .. off + n). */
    private static void narrow(float[] q, int off, short[] dst, int dOff, int n) {
        for (int i = 0; i < n; i++) dst[dOff + i] = (short) q[off + i];
    }

    private void room(int n) {
        if (values.length < n) {
            values = new float[n];
            q = new float[n];
        }
    }
}
