package ai.patchwork.trainer.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.LoraOps;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.trainer.dataset.EncodedExample;
import ai.patchwork.trainer.dataset.PromptExample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Group Relative Policy Optimization on a LoRA adapter, one step per call: sample G completions of every prompt of
 * the batch with the adapter as it is (one batched generation), grade them, normalise each reward within its group
 * into an advantage, then μ updates of the clipped policy-ratio objective with an optional k3 KL penalty to the base
 * model — the same weights with the adapter switched off, so no second copy of the model ({@link PolicyLoss}).
 *
 * <p>State, checkpoints and resume are {@link LoraTrainer}'s: the adapter, AdamW's moments and the step; the batch
 * of prompts and every sample's seed are functions of the step. One trainer per JVM trains at a time.
 */
public final class GrpoTrainer implements StepTrainer {

    private final Transformer model;
    private final TrainedAdapter adapter;
    private final GrpoConfig config;
    private final Rollouts rollouts;

    private GrpoTrainer(Transformer model, Tokenizer tokenizer, TrainedAdapter adapter, GrpoConfig config) {
        this.model = model;
        this.adapter = adapter;
        this.config = config;
        this.rollouts = new Rollouts(model, tokenizer);
    }

    /**
     * @param initial the adapter to start from (e.g. a supervised one), or null for a fresh one (B zero: the policy
     *     starts as the base model)
     */
    public static GrpoTrainer start(Transformer model, Tokenizer tokenizer, GrpoConfig config, AdapterWeights initial) {
        return new GrpoTrainer(model, tokenizer, TrainedAdapter.start(model, config.training(), initial), config);
    }

    /** Continues exactly where {@code checkpoint} was taken. */
    public static GrpoTrainer resume(
            Transformer model, Tokenizer tokenizer, GrpoConfig config, TrainingCheckpoint checkpoint) {
        return new GrpoTrainer(
                model,
                tokenizer,
                TrainedAdapter.resume(model, config.training(), checkpoint, config.iterations()),
                config);
    }

    @Override
    public int step() {
        return adapter.step();
    }

    /** One GRPO step on {@code prompts}. */
    public GrpoStepResult train(List<PromptExample> prompts, Reward reward) {
        LoraTrainer.noGrad();
        int next = adapter.step() + 1;
        double lr = config.training().schedule().at(next);
        int g = config.groupSize();
        List<Rollouts.Rollout> batch = rollouts.sample(
                prompts,
                g,
                adapter.lora().snapshot("policy"),
                config.temperature(),
                config.maxCompletionTokens(),
                config.training().seed() * 7919L + next,
                reward);

        // Group-normalised advantages: (r − mean) / (std + 1e-4), Bessel-corrected std within each group.
        float[] advantages = new float[batch.size()];
        double zeroStd = 0;
        for (int i = 0; i < prompts.size(); i++) {
            double[] r = new double[g];
            for (int k = 0; k < g; k++) r[k] = batch.get(i * g + k).reward();
            double mean = mean(r);
            double std = std(r, mean);
            if (std == 0) zeroStd++;
            for (int k = 0; k < g; k++) advantages[i * g + k] = (float) ((r[k] - mean) / (std + 1e-4));
        }
        double[] all = batch.stream().mapToDouble(Rollouts.Rollout::reward).toArray();
        long tokens =
                batch.stream().mapToLong(Rollouts.Rollout::completionTokens).sum();

        adapter.seedDropout(next);
        int micro = config.training().microBatchSize();
        double klSum = 0;
        double clippedSum = 0;
        double norm = 0;
        Map<String, NDArray> params = adapter.lora().parameters();
        try (NDManager stepManager = model.manager().newSubManager()) {
            List<NDArray> oldLogps = new ArrayList<>();
            List<NDArray> refLogps = new ArrayList<>();
            for (int from = 0; from < batch.size(); from += micro) {
                List<EncodedExample> rows = sequences(batch, from, micro);
                NDArray[] in = LoraTrainer.tensors(rows, stepManager);
                refLogps.add(
                        PolicyLoss.tokenLogProbs(model.logits(in[0], LoraOps.NONE, stepManager), in[0])); // (b, T-1)
                if (config.iterations() > 1) {
                    adapter.ops().setTraining(false);
                    oldLogps.add(PolicyLoss.tokenLogProbs(
                            model.logits(in[0], adapter.ops(), stepManager), in[0])); // (b, T-1)
                }
            }
            for (int it = 0; it < config.iterations(); it++) {
                adapter.ops().setTraining(true);
                for (int from = 0, mb = 0; from < batch.size(); from += micro, mb++) {
                    try (NDManager m = stepManager.newSubManager()) {
                        List<EncodedExample> rows = sequences(batch, from, micro);
                        NDArray[] in = LoraTrainer.tensors(rows, m);
                        float[] adv = java.util.Arrays.copyOfRange(advantages, from, from + rows.size());
                        NDArray a = m.create(adv, new Shape(rows.size(), 1)); // (b, 1)
                        NDArray mask = in[1].get("..., 1:"); // (b, T-1)
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray logp =
                                    PolicyLoss.tokenLogProbs(model.logits(in[0], adapter.ops(), m), in[0]); // (b, T-1)
                            NDArray old = config.iterations() > 1 ? oldLogps.get(mb) : logp.stopGradient(); // (b, T-1)
                            PolicyLoss.Terms t = PolicyLoss.terms(
                                    logp,
                                    old,
                                    refLogps.get(mb),
                                    a,
                                    mask,
                                    (float) config.epsilon(),
                                    (float) config.beta(),
                                    tokens,
                                    m);
                            gc.backward(t.loss());
                            if (it == 0) klSum += t.klSum();
                            clippedSum += t.clippedSum();
                        }
                    }
                }
                norm = GradientStep.apply(
                        params, adapter.optimizer(), config.training().maxGradNorm(), lr, next, stepManager);
            }
        }
        adapter.stepped(next);
        double meanReward = mean(all);
        return new GrpoStepResult(
                next,
                meanReward,
                std(all, meanReward),
                zeroStd / prompts.size(),
                klSum / Math.max(1, tokens),
                (double) tokens / batch.size(),
                clippedSum / Math.max(1, tokens * config.iterations()),
                lr,
                norm,
                tokens);
    }

    /**
     * Mean reward of {@code samples} completions per prompt at the training temperature, without updates (the
     * validation curve). Seeds depend on {@code seed} only, so every evaluation of a run samples alike.
     */
    public double evaluate(List<PromptExample> prompts, Reward reward, int samples, long seed) {
        LoraTrainer.noGrad();
        double sum = 0;
        int n = 0;
        for (List<PromptExample> chunk : chunks(prompts, Math.max(1, 256 / samples))) {
            for (Rollouts.Rollout r : rollouts.sample(
                    chunk,
                    samples,
                    adapter.lora().snapshot("eval"),
                    config.temperature(),
                    config.maxCompletionTokens(),
                    seed,
                    reward)) {
                sum += r.reward();
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }

    /** The adapter and optimizer state after the last step. */
    @Override
    public TrainingCheckpoint checkpoint(long trainedTokens) {
        return adapter.checkpoint(trainedTokens);
    }

    private static List<EncodedExample> sequences(List<Rollouts.Rollout> batch, int from, int size) {
        List<EncodedExample> out = new ArrayList<>();
        for (int i = from; i < Math.min(batch.size(), from + size); i++)
            out.add(batch.get(i).sequence());
        return out;
    }

    private static <T> List<List<T>> chunks(List<T> items, int size) {
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i += size) out.add(items.subList(i, Math.min(items.size(), i + size)));
        return out;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return v.length == 0 ? 0 : s / v.length;
    }

    private static double std(double[] v, double mean) {
        if (v.length < 2) return 0;
        double s = 0;
        for (double x : v) s += (x - mean) * (x - mean);
        return Math.sqrt(s / (v.length - 1));
    }

    @Override
    public void close() {
        adapter.close();
    }
}
