package ai.patchwork.trainer.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.LoraOps;
import ai.patchwork.model.lora.TrainableLora;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.trainer.dataset.EncodedExample;
import java.util.List;

/**
 * Direct Preference Optimization on a LoRA adapter, one optimizer update per call ({@link PreferenceLoss}). The
 * reference policy is the same weights with the adapter switched off ({@link LoraOps#NONE}), or with the initial
 * adapter, frozen, when training starts from one; there is never a second copy of the model. The policy starts as
 * the reference (a fresh adapter has B zero), so the first step's loss is ln 2.
 *
 * <p>Batches are lists of sequences in pairs: 2i preferred, 2i+1 non-preferred. Micro-batches hold whole pairs and
 * their gradients accumulate into the batch's. State, checkpoints and exact resume are {@link LoraTrainer}'s: the
 * adapter, AdamW's moments and the step. One trainer per JVM trains at a time.
 */
public final class PreferenceTrainer implements StepTrainer {

    private final Transformer model;
    private final TrainedAdapter adapter;
    private final TrainableLora referenceLora;
    private final LoraOps referenceOps;
    private final TrainingConfig config;
    private final float beta;

    private PreferenceTrainer(
            Transformer model, TrainedAdapter adapter, AdapterWeights initial, TrainingConfig config, double beta) {
        this.model = model;
        this.adapter = adapter;
        this.referenceLora = initial == null ? null : TrainableLora.from(model.config(), initial, model.manager());
        if (referenceLora == null) {
            this.referenceOps = LoraOps.NONE;
        } else {
            GraphSafeLoraOps frozen = new GraphSafeLoraOps(model.config(), referenceLora, model.manager());
            frozen.setTraining(false);
            this.referenceOps = frozen;
        }
        this.config = config;
        this.beta = (float) beta;
    }

    /**
     * @param initial the adapter to start from and to use as the reference (e.g. a supervised one), or null for a
     *     fresh adapter and the base model as the reference
     */
    public static PreferenceTrainer start(
            Transformer model, TrainingConfig config, double beta, AdapterWeights initial) {
        return new PreferenceTrainer(model, TrainedAdapter.start(model, config, initial), initial, config, beta);
    }

    /**
     * Continues exactly where {@code checkpoint} was taken.
     *
     * @param initial the run's initial adapter (its reference), or null
     */
    public static PreferenceTrainer resume(
            Transformer model,
            TrainingConfig config,
            double beta,
            AdapterWeights initial,
            TrainingCheckpoint checkpoint) {
        return new PreferenceTrainer(model, TrainedAdapter.resume(model, config, checkpoint, 1), initial, config, beta);
    }

    @Override
    public int step() {
        return adapter.step();
    }

    /** One optimizer update on {@code pairs} (2i preferred, 2i+1 not). */
    public PreferenceStepResult train(List<EncodedExample> pairs) {
        LoraTrainer.noGrad();
        int next = adapter.step() + 1;
        double lr = config.schedule().at(next);
        adapter.seedDropout(next);
        Totals totals = new Totals();
        long batchPairs = pairs.size() / 2;
        try (NDManager stepManager = model.manager().newSubManager()) {
            for (List<EncodedExample> micro : LoraTrainer.split(pairs, microSize())) {
                try (NDManager m = stepManager.newSubManager()) {
                    NDArray[] in = LoraTrainer.tensors(micro, m); // (2P, T) ids and weights
                    NDArray reference =
                            PreferenceLoss.sequenceLogProbs(model.logits(in[0], referenceOps, m), in[0], in[1]);
                    adapter.ops().setTraining(true);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray policy = PreferenceLoss.sequenceLogProbs(
                                model.logits(in[0], adapter.ops(), m), in[0], in[1]); // (2P)
                        PreferenceLoss.Terms t = PreferenceLoss.terms(policy, reference, beta, batchPairs, m);
                        gc.backward(t.loss());
                        totals.add(t, micro);
                    }
                }
            }
            if (!Double.isFinite(totals.loss)) throw new TrainingDivergedException(next, "loss");
            double norm = GradientStep.apply(
                    adapter.lora().parameters(), adapter.optimizer(), config.maxGradNorm(), lr, next, stepManager);
            adapter.stepped(next);
            return totals.result(next, lr, norm);
        }
    }

    /** Loss, rewards and accuracy on {@code pairs}, without dropout or updates. */
    public PreferenceStepResult evaluate(List<EncodedExample> pairs) {
        LoraTrainer.noGrad();
        adapter.ops().setTraining(false);
        Totals totals = new Totals();
        for (List<EncodedExample> micro : LoraTrainer.split(pairs, microSize())) {
            try (NDManager m = model.manager().newSubManager()) {
                NDArray[] in = LoraTrainer.tensors(micro, m);
                NDArray reference = PreferenceLoss.sequenceLogProbs(model.logits(in[0], referenceOps, m), in[0], in[1]);
                NDArray policy = PreferenceLoss.sequenceLogProbs(model.logits(in[0], adapter.ops(), m), in[0], in[1]);
                totals.add(PreferenceLoss.terms(policy, reference, beta, pairs.size() / 2, m), micro);
            }
        }
        return totals.result(0, 0, 0);
    }

    /** The policy's log-probability of each sequence's weighted tokens (the output given its input). */
    public double[] logProbs(List<EncodedExample> sequences) {
        LoraTrainer.noGrad();
        adapter.ops().setTraining(false);
        double[] out = new double[sequences.size()];
        int at = 0;
        for (List<EncodedExample> micro : LoraTrainer.split(sequences, microSize())) {
            try (NDManager m = model.manager().newSubManager()) {
                NDArray[] in = LoraTrainer.tensors(micro, m);
                for (float v : PreferenceLoss.sequenceLogProbs(model.logits(in[0], adapter.ops(), m), in[0], in[1])
                        .toFloatArray()) {
                    out[at++] = v;
                }
            }
        }
        return out;
    }

    /** The adapter as it is now, in host memory. */
    public AdapterWeights adapter(String id) {
        return adapter.snapshot(id);
    }

    /** Sequences per micro-batch: the configured size rounded up to whole pairs. */
    private int microSize() {
        return 2 * Math.max(1, config.microBatchSize() / 2);
    }

    /** The adapter and optimizer state after the last update. */
    @Override
    public TrainingCheckpoint checkpoint(long trainedTokens) {
        return adapter.checkpoint(trainedTokens);
    }

    @Override
    public void close() {
        if (referenceOps instanceof GraphSafeLoraOps frozen) frozen.close();
        if (referenceLora != null) referenceLora.close();
        adapter.close();
    }

    /** Sums over a batch's micro-batches. */
    private static final class Totals {
        double loss;
        double chosen;
        double rejected;
        int correct;
        int pairs;
        long tokens;

        void add(PreferenceLoss.Terms t, List<EncodedExample> micro) {
            for (int i = 0; i < t.chosen().length; i++) {
                loss += PreferenceLoss.pairLoss(t.chosen()[i], t.rejected()[i]);
                chosen += t.chosen()[i];
                rejected += t.rejected()[i];
                if (t.chosen()[i] > t.rejected()[i]) correct++;
                pairs++;
            }
            for (EncodedExample e : micro) tokens += e.targetTokens();
        }

        PreferenceStepResult result(int step, double lr, double norm) {
            int n = Math.max(1, pairs);
            return new PreferenceStepResult(
                    step, loss / n, chosen / n, rejected / n, (double) correct / n, lr, norm, pairs, tokens);
        }
    }
}
