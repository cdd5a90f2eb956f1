package ai.patchwork.model.vector;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** SIMD operations on one row (a slice of a float array): dot, add, RMSNorm, SwiGLU, softmax. Each has a scalar tail. */
final class RowOps {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private RowOps() {}

    /** Σ a[ao + i]·b[bo + i] for i < len. */
    static float dot(float[] a, int ao, float[] b, int bo, int len) {
        int v = len - len % L;
        FloatVector acc = FloatVector.zero(S);
        for (int i = 0; i < v; i += L)
            acc = FloatVector.fromArray(S, a, ao + i).fma(FloatVector.fromArray(S, b, bo + i), acc);
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (int i = v; i < len; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    /** y[yo + i] += x[xo + i] for i < len. */
    static void add(float[] x, int xo, float[] y, int yo, int len) {
        int v = len - len % L;
        for (int i = 0; i < v; i += L) {
            FloatVector.fromArray(S, x, xo + i)
                    .add(FloatVector.fromArray(S, y, yo + i))
                    .intoArray(y, yo + i);
        }
        for (int i = v; i < len; i++) y[yo + i] += x[xo + i];
    }

    /** out = x / sqrt(mean(x²) + eps) · w over one row of width w.length, as LlamaRMSNorm. */
    static void rmsNorm(float[] x, int xo, float[] w, float eps, float[] out, int oo) {
        int len = w.length;
        float inv = (float) (1 / Math.sqrt(dot(x, xo, x, xo, len) / len + eps));
        int v = len - len % L;
        for (int i = 0; i < v; i += L) {
            FloatVector.fromArray(S, x, xo + i)
                    .mul(inv)
                    .mul(FloatVector.fromArray(S, w, i))
                    .intoArray(out, oo + i);
        }
        for (int i = v; i < len; i++) out[oo + i] = x[xo + i] * inv * w[i];
    }

    /** out[oo + i] = silu(gu[go + i]) · gu[go + width + i]: SwiGLU of a fused gate|up row; silu(g) = g / (1 + e^-g). */
    static void siluMul(float[] gu, int go, int width, float[] out, int oo) {
        int v = width - width % L;
        for (int i = 0; i < v; i += L) {
            FloatVector g = FloatVector.fromArray(S, gu, go + i);
            FloatVector up = FloatVector.fromArray(S, gu, go + width + i);
            g.mul(up).div(g.neg().lanewise(VectorOperators.EXP).add(1f)).intoArray(out, oo + i);
        }
        for (int i = v; i < width; i++) {
            float g = gu[go + i];
            out[oo + i] = g / (1 + (float) Math.exp(-g)) * gu[go + width + i];
        }
    }

    /** Softmax of a[0 .. len) in place, max-subtracted. */
    static void softmax(float[] a, int len) {
        int v = len - len % L;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < len; i++) max = Math.max(max, a[i]);
        FloatVector sum = FloatVector.zero(S);
        for (int i = 0; i < v; i += L) {
            FloatVector e = FloatVector.fromArray(S, a, i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(a, i);
            sum = sum.add(e);
        }
        float total = sum.reduceLanes(VectorOperators.ADD);
        for (int i = v; i < len; i++) {
            a[i] = (float) Math.exp(a[i] - max);
            total += a[i];
        }
        float inv = 1 / total;
        for (int i = 0; i < v; i += L) FloatVector.fromArray(S, a, i).mul(inv).intoArray(a, i);
        for (int i = v; i < len; i++) a[i] *= inv;
    }
}
