package ai.patchwork.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.patchwork.model.config.ModelConfig;

/**
 * Rotary position embedding (Su et al. 2021, RoFormer) in the "rotate half" layout of transformers' Llama:
 * x·cos + rotate_half(x)·sin, with rotate_half(x) = [-x₂, x₁] computed as x·R for a fixed signed permutation R.
 */
public final class RotaryEmbedding {

    private final NDArray cos; // (C, H)
    private final NDArray sin; // (C, H)
    private final NDArray rotateHalf; // (H, H)

    public RotaryEmbedding(ModelConfig c, NDManager manager) {
        int h = c.headDim();
        int half = h / 2;
        float[][] tables = tables(c);
        float[] r = new float[h * h];
        for (int i = 0; i < half; i++) {
            r[(i + half) * h + i] = -1; // out[i] = -x[i + half]
            r[i * h + i + half] = 1; // out[i + half] = x[i]
        }
        this.cos = manager.create(tables[0], new Shape(c.maxPositions(), h));
        this.sin = manager.create(tables[1], new Shape(c.maxPositions(), h));
        this.rotateHalf = manager.create(r, new Shape(h, h));
    }

    /**
     * The cos and sin of every position and rotary dimension, each (C, H) row-major, the second half of a row repeating
     * the first as in the "rotate half" layout.
     */
    public static float[][] tables(ModelConfig c) {
        int h = c.headDim();
        int half = h / 2;
        double[] invFreq = new double[half];
        for (int i = 0; i < half; i++) invFreq[i] = 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / h);
        invFreq = c.ropeScaling().scale(invFreq);
        int positions = c.maxPositions();
        float[] cosTable = new float[positions * h];
        float[] sinTable = new float[positions * h];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                // HF computes freqs = position · inv_freq in float32, then cos/sin of that float.
                float angle = (float) p * (float) invFreq[i];
                float cs = (float) Math.cos(angle);
                float sn = (float) Math.sin(angle);
                cosTable[p * h + i] = cs;
                cosTable[p * h + i + half] = cs;
                sinTable[p * h + i] = sn;
                sinTable[p * h + i + half] = sn;
            }
        }
        return new float[][] {cosTable, sinTable};
    }

    /**
     * The cos and sin rows for the step's positions, each (B, T, N+K, H), computed once per step for all layers. The
     * rows of the N query heads are pre-multiplied by {@code queryScale} (attention's 1/√H): rotation is linear, so
     * this scales q·kᵀ without a separate op per layer.
     */
    public NDArray[] at(NDArray positions, int queryHeads, int kvHeads, float queryScale, NDManager step) {
        long b = positions.getShape().get(0);
        long t = positions.getShape().get(1);
        NDArray[] out = new NDArray[2];
        NDArray[] tables = {cos, sin};
        for (int i = 0; i < 2; i++) {
            NDArray picked = tables[i].get(new NDIndex("{}", positions)); // (B, T, H), in the table's manager
            picked.attach(step);
            NDArray rows = picked.reshape(b, t, 1, -1); // (B, T, 1, H)
            NDArray q = rows.mul(queryScale).repeat(2, queryHeads); // (B, T, N, H)
            NDArray k = rows.repeat(2, kvHeads); // (B, T, K, H)
            out[i] = q.concat(k, 2); // (B, T, N+K, H)
        }
        return out;
    }

    /** Rotates (B, T, N+K, H) by the cos and sin of {@link #at}. */
    public NDArray apply(NDArray x, NDArray[] cosSin) {
        // In-place ops only on fresh results that no backward pass needs: safe under autograd.
        return x.mul(cosSin[0]).addi(x.matMul(rotateHalf).muli(cosSin[1])); // (B, T, N+K, H)
    }
}
