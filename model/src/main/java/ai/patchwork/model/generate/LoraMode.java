package ai.patchwork.model.generate;

/** How a batch applies its sequences' adapters. */
public enum LoraMode {
    /** Adapters in stacked slots, gathered per sequence, batched matmuls: the production path. */
    BATCHED,
    /** One sequence and one module at a time, from the PEFT weights: the ground truth for tests. */
    REFERENCE
}
