package ai.patchwork.model.lora;

import java.util.Arrays;

/**
 * Which device slot each sequence of a batch reads its adapter from; slot 0 is the all-zero "no adapter" slot. Batch
 * metadata only, no tensors (vLLM's LoRAMapping).
 */
public record BatchLoraMapping(int[] slots) {

    public BatchLoraMapping {
        slots = slots.clone();
        for (int s : slots) {
            if (s < 0) throw new IllegalArgumentException("slot must be >= 0 (0 = no adapter), got " + s);
        }
    }

    @Override
    public int[] slots() {
        return slots.clone();
    }

    public int size() {
        return slots.length;
    }

    public int slot(int b) {
        return slots[b];
    }

    /** True when no sequence uses an adapter: the step can skip LoRA entirely. */
    public boolean baseOnly() {
        return Arrays.stream(slots).allMatch(s -> s == 0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BatchLoraMapping m && Arrays.equals(slots, m.slots);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(slots);
    }

    @Override
    public String toString() {
        return "BatchLoraMapping" + Arrays.toString(slots);
    }
}
