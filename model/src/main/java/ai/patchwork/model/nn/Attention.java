package ai.patchwork.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.patchwork.model.config.ModelConfig;

/**
 * Causal self-attention with grouped-query heads (Ainslie et al. 2023): N query heads share K key/value heads in
 * groups of g = N/K. Query heads are regrouped as (B, K, g·T, H) so no key/value head is ever copied.
 *
 * @param qkv (E, N·H + 2·K·H)
 * @param o (N·H, E)
 * @param config the head counts N and K and the head size H
 */
public record Attention(int layer, Linear qkv, Linear o, RotaryEmbedding rope, ModelConfig config) {

    public Attention {
        if (layer < 0 || layer >= config.numLayers())
            throw new IllegalArgumentException("layer " + layer + " is outside 0.." + (config.numLayers() - 1));
        if (qkv == null || o == null || rope == null)
            throw new IllegalArgumentException("qkv, o and rope are required");
    }

    /** (B, T, E) → (B, T, E). */
    public NDArray forward(NDArray x, RunState step) {
        int n = config.numHeads();
        int k = config.numKvHeads();
        int h = config.headDim();
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        NDArray fused = step.lora().apply(layer, ProjectionGroup.QKV, x, qkv.forward(x)); // (B, T, (N+2K)·H)
        fused = fused.reshape(b, t, n + 2L * k, h); // (B, T, N+2K, H)
        NDArray qk = rope.apply(fused.get(new NDIndex(":, :, :{}", n + k)), step.cosSin()); // (B, T, N+K, H)
        NDArray q = qk.get(new NDIndex(":, :, :{}", n)); // (B, T, N, H)
        NDArray kNew = qk.get(new NDIndex(":, :, {}:", n)); // (B, T, K, H)
        NDArray vNew = fused.get(new NDIndex(":, :, {}:", n + k)); // (B, T, K, H)

        NDArray keysT; // (B, K, H, L)
        NDArray values; // (B, K, L, H)
        if (step.kv() != null) {
            NDArray[] kv = step.kv().append(layer, kNew, vNew);
            keysT = kv[0];
            values = kv[1];
        } else {
            keysT = kNew.transpose(0, 2, 3, 1);
            values = vNew.transpose(0, 2, 1, 3);
        }
        long l = values.getShape().get(2);
        int g = n / k;

        // Query head i uses key/value head i / g: (B, T, N, H) → (B, N, T, H) → (B, K, g·T, H); q is pre-scaled by
        // 1/√H.
        NDArray y;
        if (t == 1) {
            // Decode: with one token the head transposes are plain reshapes.
            NDArray scores =
                    q.reshape(b, k, g, h).matMul(keysT).addi(step.mask().reshape(b, 1, 1, l)); // (B, K, g, L)
            y = scores.softmax(-1).matMul(values).reshape(b, 1, (long) n * h); // (B, K, g, H) → (B, 1, N·H)
        } else {
            NDArray qg = q.transpose(0, 2, 1, 3).reshape(b, k, g * t, h);
            NDArray scores = qg.matMul(keysT).reshape(b, k, g, t, l).addi(step.mask()); // (B, K, g, T, L)
            NDArray probs = scores.softmax(-1).reshape(b, k, g * t, l); // (B, K, g·T, L)
            y = probs.matMul(values); // (B, K, g·T, H)
            y = y.reshape(b, n, t, h).transpose(0, 2, 1, 3).reshape(b, t, (long) n * h); // (B, T, N·H)
        }
        return step.lora().apply(layer, ProjectionGroup.O, y, o.forward(y)); // (B, T, E)
    }
}
