package ai.patchwork.trainer.train;

import ai.patchwork.model.generate.Generation;
import ai.patchwork.model.generate.GenerationRequest;
import ai.patchwork.model.generate.Generator;
import ai.patchwork.model.generate.LoraMode;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.sample.SamplingParams;
import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.trainer.dataset.EncodedExample;
import ai.patchwork.trainer.dataset.PromptExample;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Samples completions of prompts with the adapter as it is now, all in one batch through the inference path, and
 * grades them. Every completion has its own seed, a function of the run's seed, the step and its place in the batch,
 * so a resumed run samples what the crashed one would have.
 */
final class Rollouts {

    /**
     * One graded completion.
     *
     * @param prompt index of its prompt in the batch
     * @param sequence prompt + completion (with the end-of-turn token that stopped it), completion tokens weighted 1
     * @param completionTokens tokens sampled
     * @param reward the grader's score
     */
    record Rollout(int prompt, EncodedExample sequence, int completionTokens, double reward) {}

    private final Transformer model;
    private final Tokenizer tokenizer;
    private final Set<Integer> stopIds;

    Rollouts(Transformer model, Tokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.stopIds = tokenizer.eosIds();
        if (stopIds.isEmpty()) {
            throw new IllegalArgumentException(
                    "the model's tokenizer has no end-of-text token, so completions cannot end");
        }
    }

    /** {@code samples} completions of each prompt, grouped: rollout i·samples + g is sample g of prompt i. */
    List<Rollout> sample(
            List<PromptExample> prompts,
            int samples,
            AdapterWeights adapter,
            double temperature,
            int maxTokens,
            long seed,
            Reward reward) {
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            for (int g = 0; g < samples; g++) {
                long s = seed * 1_000_003L + (long) i * samples + g;
                SamplingParams params = new SamplingParams(temperature, 1.0, 0, s, maxTokens, stopIds, List.of());
                requests.add(new GenerationRequest(prompts.get(i).ids(), params, adapter, false));
            }
        }
        List<Generation> generations = new Generator(model, tokenizer).generate(requests, LoraMode.BATCHED);
        List<Rollout> out = new ArrayList<>(generations.size());
        for (int k = 0; k < generations.size(); k++) {
            Generation gen = generations.get(k);
            PromptExample prompt = prompts.get(k / samples);
            int[] completion = gen.tokenIds();
            boolean stopped = gen.stopId() != null;
            int[] promptIds = prompt.ids();
            int n = completion.length + (stopped ? 1 : 0);
            int[] ids = new int[promptIds.length + n];
            float[] weights = new float[ids.length];
            System.arraycopy(promptIds, 0, ids, 0, promptIds.length);
            System.arraycopy(completion, 0, ids, promptIds.length, completion.length);
            if (stopped) ids[ids.length - 1] = gen.stopId();
            for (int t = promptIds.length; t < ids.length; t++) weights[t] = 1;
            double score = reward.score(prompt, tokenizer.decode(completion, true));
            out.add(new Rollout(k / samples, new EncodedExample(prompt.line(), ids, weights), n, score));
        }
        return out;
    }
}
