package ai.patchwork.model.generate;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.BatchLoraMapping;
import ai.patchwork.model.lora.BatchedLoraOps;
import ai.patchwork.model.lora.LoraOps;
import ai.patchwork.model.lora.LoraSlots;
import ai.patchwork.model.lora.ReferenceLoraOps;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The adapters of one static batch: the distinct adapters go into slots once, and the LoRA op for the running
 * sequences is rebuilt only when that set changes (a sequence finished).
 */
final class BatchAdapters implements AutoCloseable {

    private final ModelConfig config;
    private final LoraMode mode;
    private final NDManager manager;
    private final Map<AdapterWeights, Integer> slotOf = new IdentityHashMap<>();
    private final LoraSlots slots;
    private BatchedLoraOps current;

    BatchAdapters(ModelConfig config, List<GenerationRequest> requests, LoraMode mode, int maxRank, NDManager manager) {
        this.config = config;
        this.mode = mode;
        this.manager = manager;
        List<AdapterWeights> distinct = new ArrayList<>();
        for (GenerationRequest r : requests) {
            if (r.adapter() != null && !slotOf.containsKey(r.adapter())) {
                slotOf.put(r.adapter(), distinct.size() + 1);
                distinct.add(r.adapter());
            }
        }
        if (mode == LoraMode.BATCHED && !distinct.isEmpty()) {
            slots = new LoraSlots(config, distinct.size(), maxRank, manager);
            for (AdapterWeights a : distinct) slots.set(slotOf.get(a), a);
        } else {
            slots = null;
        }
    }

    LoraOps ops(List<SequenceState> running) {
        if (slotOf.isEmpty()) return LoraOps.NONE;
        if (mode == LoraMode.REFERENCE) {
            return new ReferenceLoraOps(
                    config, running.stream().map(s -> s.request().adapter()).toList());
        }
        int[] mapping = new int[running.size()];
        for (int i = 0; i < mapping.length; i++) {
            AdapterWeights a = running.get(i).request().adapter();
            mapping[i] = a == null ? 0 : slotOf.get(a);
        }
        BatchLoraMapping m = new BatchLoraMapping(mapping);
        if (current == null || !current.mapping().equals(m)) {
            if (current != null) current.close();
            current = new BatchedLoraOps(slots, m, manager);
        }
        return current;
    }

    @Override
    public void close() {
        if (current != null) current.close();
        if (slots != null) slots.close();
    }
}
