package ai.patchwork.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.patchwork.model.nn.ProjectionGroup;

/**
 * The fast multi-adapter op (gather-BMM, Punica's BGMV in tensor-library form): every sequence's A and B are gathered
 * from the stacked slots by its slot index, then two batched matmuls add all deltas of a group at once:
 *
 * <pre>
 *   Aₛ = A_all[slot]          (B, in, R)
 *   Bₛ = B_all[slot]          (B, R, out)
 *   y += (x · Aₛ) · Bₛ        (B, T, R) → (B, T, out)
 * </pre>
 *
 * Gathered weights are kept for as long as the batch mapping and the slots stay the same, so a decode loop over a
 * stable batch gathers once. When every sequence uses the same adapter, its slot is read directly with no gather
 * (one copy of the weights instead of B), and when sequence b uses slot k + b the slots are read as a view, so an
 * engine that keeps each sequence's adapter in a slot aligned with its row never gathers. Not for training: it adds in
 * place. Close it to free the gathered copies.
 */
public final class BatchedLoraOps implements LoraOps, AutoCloseable {

    private final LoraSlots slots;
    private final BatchLoraMapping mapping;
    private final NDManager parent;
    private final NDArray[][][] gathered; // [layer][group] → {A, B}
    private NDManager manager;
    private long version = -1;

    private final boolean baseOnly;
    private final int uniformSlot; // the one slot all sequences use, or -1
    private final int runStart; // first slot when the slots are k, k+1, ..., k+B-1, or -1

    public BatchedLoraOps(LoraSlots slots, BatchLoraMapping mapping, NDManager parent) {
        this.slots = slots;
        this.mapping = mapping;
        int[] s = mapping.slots();
        boolean uniform = s.length > 0 && java.util.Arrays.stream(s).allMatch(x -> x == s[0]);
        this.uniformSlot = uniform ? s[0] : -1;
        this.baseOnly = mapping.baseOnly();
        boolean run = s.length > 1 && s[0] > 0;
        for (int i = 1; run && i < s.length; i++) run = s[i] == s[0] + i;
        this.runStart = run ? s[0] : -1;
        this.parent = parent;
        this.gathered = new NDArray[slots.layers()][ProjectionGroup.values().length][];
    }

    public BatchLoraMapping mapping() {
        return mapping;
    }

    @Override
    public NDArray apply(int layer, ProjectionGroup group, NDArray x, NDArray y) {
        if (baseOnly) return y;
        NDArray[] ab = weights(layer, group);
        if (uniformSlot > 0) return y.addi(x.matMul(ab[0]).matMul(ab[1])); // (B, T, in)·(in, R)·(R, out)
        NDArray shrunk = x.batchMatMul(ab[0]); // (B, T, R)
        return y.addi(shrunk.batchMatMul(ab[1])); // (B, T, out)
    }

    /**
     * The hot path of every LoRA group of every step: a version check and an array read. Views and gathers are made
     * for all layers and groups at once in {@link #reload}, out of line: when they sat behind per-call branches here,
     * each new mapping kind hit a branch the JIT had compiled as never taken, and the recompiles of the large inlined
     * body cost the serving process a tenth of its CPU.
     */
    private synchronized NDArray[] weights(int layer, ProjectionGroup group) {
        if (version != slots.version()) reload();
        return gathered[layer][group.ordinal()];
    }

    private void reload() {
        long v = slots.version();
        if (manager != null) manager.close();
        manager = parent.newSubManager();
        NDArray idx = uniformSlot > 0 || runStart > 0
                ? null
                : manager.create(
                        java.util.Arrays.stream(mapping.slots()).asLongStream().toArray());
        for (int l = 0; l < gathered.length; l++) {
            for (ProjectionGroup g : ProjectionGroup.values()) {
                NDArray a = slots.a(l, g);
                NDArray b = slots.b(l, g);
                NDArray[] ab = uniformSlot > 0
                        ? new NDArray[] {a.get(uniformSlot), b.get(uniformSlot)} // (in, R), (R, out)
                        : runStart > 0
                                ? run(a, b) // (B, in, R), (B, R, out): views
                                : new NDArray[] {a.get(new NDIndex("{}", idx)), b.get(new NDIndex("{}", idx))
                                }; // gathered copies
                ab[0].attach(manager);
                ab[1].attach(manager);
                gathered[l][g.ordinal()] = ab;
            }
        }
        version = v;
    }

    /** Consecutive slots are a view of the slot tensors: no copy at all. */
    private NDArray[] run(NDArray a, NDArray b) {
        NDIndex rows = new NDIndex("{}:{}", runStart, runStart + mapping.size());
        return new NDArray[] {a.get(rows), b.get(rows)};
    }

    @Override
    public synchronized void close() {
        if (manager != null) manager.close();
        manager = null;
    }
}
