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
 * engine that keeps each sequence's adapter in a slot aligned with its row never gathers. Not for training: it adds in place. Close it to free the gathered copies.
 */
public final class BatchedLoraOps implements LoraOps, AutoCloseable {

  private final LoraSlots slots;
  private final BatchLoraMapping mapping;
  private final NDManager parent;
  private final NDArray[][] gathered; // [layer][2·group + (0 for A, 1 for B)]
  private NDManager manager;
  private long version = -1;

  private final int uniformSlot; // the one slot all sequences use, or -1
  private final int runStart; // first slot when the slots are k, k+1, ..., k+B-1, or -1

  public BatchedLoraOps(LoraSlots slots, BatchLoraMapping mapping, NDManager parent) {
    this.slots = slots;
    this.mapping = mapping;
    int[] s = mapping.slots();
    boolean uniform = s.length > 0 && java.util.Arrays.stream(s).allMatch(x -> x == s[0]);
    this.uniformSlot = uniform ? s[0] : -1;
    boolean run = s.length > 1 && s[0] > 0;
    for (int i = 1; run && i < s.length; i++) run = s[i] == s[0] + i;
    this.runStart = run ? s[0] : -1;
    this.parent = parent;
    this.gathered = new NDArray[slots.layers()][2 * ProjectionGroup.values().length];
  }

  public BatchLoraMapping mapping() {
    return mapping;
  }

  @Override
  public NDArray apply(int layer, ProjectionGroup group, NDArray x, NDArray y) {
    if (mapping.baseOnly()) return y;
    NDArray[] ab = weights(layer, group);
    if (uniformSlot > 0) return y.addi(x.matMul(ab[0]).matMul(ab[1])); // (B, T, in)·(in, R)·(R, out)
    NDArray shrunk = x.batchMatMul(ab[0]); // (B, T, R)
    return y.addi(shrunk.batchMatMul(ab[1])); // (B, T, out)
  }

  private synchronized NDArray[] weights(int layer, ProjectionGroup group) {
    if (version != slots.version()) {
      if (manager != null) manager.close();
      manager = parent.newSubManager();
      for (NDArray[] row : gathered) java.util.Arrays.fill(row, null);
      version = slots.version();
    }
    int i = 2 * group.ordinal();
    if (gathered[layer][i] == null && uniformSlot > 0) {
      NDArray a = slots.a(layer, group).get(uniformSlot); // (in, R), a view of the slot
      NDArray b = slots.b(layer, group).get(uniformSlot); // (R, out)
      a.attach(manager);
      b.attach(manager);
      gathered[layer][i] = a;
      gathered[layer][i + 1] = b;
    } else if (gathered[layer][i] == null && runStart > 0) {
      // Consecutive slots are a view of the slot tensors: no copy at all.
      NDIndex rows = new NDIndex("{}:{}", runStart, runStart + mapping.size());
      NDArray a = slots.a(layer, group).get(rows); // (B, in, R)
      NDArray b = slots.b(layer, group).get(rows); // (B, R, out)
      a.attach(manager);
      b.attach(manager);
      gathered[layer][i] = a;
      gathered[layer][i + 1] = b;
    } else if (gathered[layer][i] == null) {
      NDArray idx = manager.create(java.util.Arrays.stream(mapping.slots()).asLongStream().toArray());
      NDArray a = slots.a(layer, group).get(new NDIndex("{}", idx)); // (B, in, R)
      NDArray b = slots.b(layer, group).get(new NDIndex("{}", idx)); // (B, R, out)
      a.attach(manager);
      b.attach(manager);
      gathered[layer][i] = a;
      gathered[layer][i + 1] = b;
    }
    return new NDArray[] {gathered[layer][i], gathered[layer][i + 1]};
  }

  @Override
  public synchronized void close() {
    if (manager != null) manager.close();
    manager = null;
  }
}
