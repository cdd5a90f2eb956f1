package ai.patchwork.bench.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Arrays read as fast as memory allows: a SIMD sum with nothing else to wait on, four arrays side by side as four
 * streams (more cache misses in flight than one). The floor that memory sets under reading the same bytes as weights;
 * the sum only keeps the reads from being optimized away.
 */
final class MemoryReads {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private final float[][] arrays; // (arrays, length)

    MemoryReads(int arrays, int length) {
        if (arrays < 1 || length < 0) throw new IllegalArgumentException("arrays >= 1 and length >= 0");
        this.arrays = new float[arrays][length];
        for (float[] a : this.arrays) java.util.Arrays.fill(a, 1);
    }

    long bytes() {
        return 4L * arrays.length * arrays[0].length;
    }

    /** Reads every array once, four at a time, and returns their sum. */
    float read() {
        float sum = 0;
        int i = 0;
        for (; i + 4 <= arrays.length; i += 4) sum += four(arrays[i], arrays[i + 1], arrays[i + 2], arrays[i + 3]);
        for (; i < arrays.length; i++) sum += one(arrays[i]);
        return sum;
    }

    private static float four(float[] a, float[] b, float[] c, float[] d) {
        int n = a.length / S.length() * S.length();
        FloatVector s0 = FloatVector.zero(S),
                s1 = FloatVector.zero(S),
                s2 = FloatVector.zero(S),
                s3 = FloatVector.zero(S);
        for (int i = 0; i < n; i += S.length()) {
            s0 = s0.add(FloatVector.fromArray(S, a, i));
            s1 = s1.add(FloatVector.fromArray(S, b, i));
            s2 = s2.add(FloatVector.fromArray(S, c, i));
            s3 = s3.add(FloatVector.fromArray(S, d, i));
        }
        return s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
    }

    private static float one(float[] a) {
        FloatVector s = FloatVector.zero(S);
        for (int i = 0; i + S.length() <= a.length; i += S.length()) s = s.add(FloatVector.fromArray(S, a, i));
        return s.reduceLanes(VectorOperators.ADD);
    }
}
