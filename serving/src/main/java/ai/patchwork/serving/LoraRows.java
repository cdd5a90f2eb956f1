package ai.patchwork.serving;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.LoraSlots;

/**
 * LoRA slots aligned with the KV cache: row slot {@code kvSlot + 1} holds a copy of the adapter of the sequence in
 * that KV slot (zeros for the base model), written once when the sequence is admitted.
 *
 * <p>Why a second copy: decode rows are KV slots 0..B-1 (see {@link DecodeRows}), so their LoRA mapping is 1..B, which
 * {@code BatchedLoraOps} reads as a view of the stacked slots. Mapping rows to the adapter cache's own slots instead
 * would change with every admission and force a gather of B adapters' weights (about 30 MB at batch 32 for the
 * 3.4M-parameter bench model) each time a sequence joins or leaves. The copy costs one device-side slot copy per
 * admission, and the memory of {@code maxBatchSize} extra slots.
 *
 * <p>Engine loop only: a row is rewritten between steps, while no forward pass reads it, and only for a KV slot that
 * was just taken, so no running sequence's row ever changes. A filler row reads whatever its slot holds; its output is
 * dropped.
 */
final class LoraRows implements AutoCloseable {

    private static final Object ZERO = new Object();

    private final LoraSlots rows;
    private final LoraSlots device;
    private final Object[] content; // per KV slot: the AdapterEntry copied in, or ZERO

    LoraRows(ModelConfig config, int kvSlots, LoraSlots device, NDManager manager) {
        this.rows = new LoraSlots(config, kvSlots, device.maxRank(), manager);
        this.device = device;
        this.content = new Object[kvSlots];
        java.util.Arrays.fill(content, ZERO); // new slots are zeros
    }

    /**
     * Makes the row of {@code kvSlot} hold the sequence's adapter: a device-side copy of its leased slot, or zeros for
     * the base model. Skipped when the row already holds exactly that (same adapter version, or zeros).
     */
    void place(int kvSlot, AdapterLease lease) {
        Object want = lease == null ? ZERO : lease.entry();
        if (content[kvSlot] == want) return;
        if (lease == null) rows.clear(kvSlot + 1);
        else rows.copy(kvSlot + 1, device, lease.slot());
        content[kvSlot] = want;
    }

    /** The row slots of a decode step's KV slots: {@code kvSlot + 1}, consecutive when the KV slots are. */
    static int[] mapping(int[] kvSlots) {
        int[] out = new int[kvSlots.length];
        for (int i = 0; i < out.length; i++) out[i] = kvSlots[i] + 1;
        return out;
    }

    LoraSlots slots() {
        return rows;
    }

    @Override
    public void close() {
        rows.close();
    }
}
