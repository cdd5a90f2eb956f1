package ai.patchwork.model.generate;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.kv.KvCache;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Generates a batch of sequences together: one prefill step for all prompts, then one decode step per token for the
 * sequences still running. Sequences leave the batch when they stop; every sequence may use its own adapter.
 * The continuous-batching engine of the serving module drives {@link Transformer#step} itself; this is the static
 * batch loop for the CLI, tests and benchmarks.
 *
 * @param tokenizer decodes text for stop strings; may be null when no request has stop strings
 */
public record Generator(Transformer model, Tokenizer tokenizer) {

    public Generator {
        if (model == null) throw new IllegalArgumentException("model is required");
    }

    public List<Generation> generate(List<GenerationRequest> requests, LoraMode mode) {
        int b = requests.size();
        int capacity = 0;
        int maxRank = 1;
        for (GenerationRequest r : requests) {
            capacity = Math.max(
                    capacity, r.promptIds().length + Math.max(r.sampling().maxTokens(), 1));
            if (r.adapter() != null) maxRank = Math.max(maxRank, r.adapter().rank());
        }
        if (capacity > model.config().maxPositions()) {
            throw new IllegalArgumentException("prompt plus max_tokens (" + capacity
                    + ") exceeds the model's context of " + model.config().maxPositions() + " tokens");
        }
        try (NDManager run = model.manager().newSubManager();
                KvCache cache = new KvCache(model.config(), b, capacity, run);
                BatchAdapters adapters = new BatchAdapters(model.config(), requests, mode, maxRank, run)) {
            List<SequenceState> seqs = new ArrayList<>();
            for (int i = 0; i < b; i++) seqs.add(new SequenceState(i, requests.get(i), tokenizer));

            int[][] prompts = new int[b][];
            int[] starts = new int[b];
            int[] slots = new int[b];
            for (int i = 0; i < b; i++) {
                prompts[i] = requests.get(i).promptIds();
                slots[i] = i;
            }
            float[][] logits = model.step(prompts, starts, slots, cache, adapters.ops(seqs));
            for (int i = 0; i < b; i++) seqs.get(i).accept(logits[i], true);

            List<SequenceState> active = seqs.stream().filter(s -> !s.done()).toList();
            while (!active.isEmpty()) {
                int n = active.size();
                int[][] tokens = new int[n][];
                int[] pos = new int[n];
                int[] rows = new int[n];
                for (int i = 0; i < n; i++) {
                    SequenceState s = active.get(i);
                    tokens[i] = new int[] {s.lastToken()};
                    pos[i] = s.length() - 1;
                    rows[i] = s.index();
                }
                logits = model.step(tokens, pos, rows, cache, adapters.ops(active));
                for (int i = 0; i < n; i++) active.get(i).accept(logits[i], false);
                active = active.stream().filter(s -> !s.done()).toList();
            }
            return seqs.stream().map(SequenceState::result).toList();
        }
    }
}
