package ai.patchwork.model.generate;

import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.sample.SamplingParams;

/**
 * One sequence to generate: its prompt ids, its sampling parameters, and its adapter (null for the base model).
 *
 * @param keepLogits also return the logits at the last prompt position
 */
public record GenerationRequest(int[] promptIds, SamplingParams sampling, AdapterWeights adapter, boolean keepLogits) {

    public GenerationRequest {
        if (promptIds == null || promptIds.length == 0)
            throw new IllegalArgumentException("the prompt must have at least one token");
        if (sampling == null) throw new IllegalArgumentException("sampling parameters are required");
        promptIds = promptIds.clone();
    }

    @Override
    public int[] promptIds() {
        return promptIds.clone();
    }
}
