package ai.patchwork.trainer.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.nn.BlockwiseBackward;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.train.CausalLmLoss;
import ai.patchwork.trainer.dataset.EncodedExample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The LoRA training loop's inner part: one optimizer update per call, over a batch split into micro-batches whose
 * gradients accumulate, each micro-batch's loss weighted by its share of the batch's target tokens (so the update
 * is the gradient of the batch's mean token loss, whatever the split). Then global-norm clipping and an AdamW step
 * at the scheduled rate. The base weights stay frozen; only the adapter's A and B learn. A model that widens its frozen
 * matrices for each use (float16, {@link ai.patchwork.model.nn.WeightStorage#HALF}, or another runtime's copy,
 * {@link ai.patchwork.model.nn.ExternalWeights}) is back-propagated one block at a time ({@link BlockwiseBackward}),
 * so that training holds no float32 copy of the base.
 *
 * <p>Exact resume: the state is the adapter, the optimizer's moments and the step number (the schedule and the data
 * plan are functions of the step); dropout masks are drawn from PyTorch's generator reseeded from (seed, step)
 * before every update. One trainer per JVM trains at a time: PyTorch allows one gradient collector per process.
 * Each update allocates its tensors in a manager of its own, closed when the update ends.
 */
public final class LoraTrainer implements StepTrainer {

    private final Transformer model;
    private final TrainedAdapter adapter;
    private final TrainingConfig config;

    private LoraTrainer(Transformer model, TrainedAdapter adapter, TrainingConfig config) {
        this.model = model;
        this.adapter = adapter;
        this.config = config;
    }

    /** A fresh adapter (A Kaiming-uniform from the seed, B zero: training starts at the base model). */
    public static LoraTrainer start(Transformer model, TrainingConfig config) {
        return new LoraTrainer(model, TrainedAdapter.start(model, config, null), config);
    }

    /** Continues exactly where {@code checkpoint} was taken. */
    public static LoraTrainer resume(Transformer model, TrainingConfig config, TrainingCheckpoint checkpoint) {
        return new LoraTrainer(model, TrainedAdapter.resume(model, config, checkpoint, 1), config);
    }

    /** Updates done so far. */
    @Override
    public int step() {
        return adapter.step();
    }

    /** One optimizer update on {@code batch}. */
    public StepResult train(List<EncodedExample> batch) {
        noGrad();
        int next = adapter.step() + 1;
        double lr = config.schedule().at(next);
        adapter.seedDropout(next);
        adapter.ops().setTraining(true);
        long targets = 0;
        long tokens = 0;
        for (EncodedExample e : batch) {
            targets += e.targetTokens();
            tokens += e.length();
        }
        Map<String, NDArray> params = adapter.lora().parameters();
        try (NDManager stepManager = model.manager().newSubManager()) {
            double lossSum = 0;
            double correct = 0;
            for (List<EncodedExample> micro : split(batch, config.microBatchSize())) {
                try (NDManager m = stepManager.newSubManager()) {
                    NDArray[] in = tensors(micro, m);
                    long microTargets = micro.stream()
                            .mapToLong(EncodedExample::targetTokens)
                            .sum();
                    // The share as a tensor of this micro-batch's manager: mul(Number) would free it before the
                    // backward.
                    NDArray share = m.create((float) microTargets / Math.max(1, targets));
                    double[] figures = new double[2]; // loss, correct tokens
                    Function<NDArray, NDArray> objective = logits -> { // (B, T, V) → ()
                        NDArray loss = CausalLmLoss.loss(logits, in[0], in[1]);
                        figures[0] = loss.getFloat();
                        figures[1] = correctTokens(logits, in[0], in[1]);
                        return loss.mul(share);
                    };
                    if (model.widensWeights()) {
                        BlockwiseBackward.run(model, in[0], adapter.ops(), objective, m);
                    } else {
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            gc.backward(objective.apply(model.logits(in[0], adapter.ops(), m)));
                        }
                    }
                    lossSum += figures[0] * microTargets;
                    correct += figures[1];
                }
            }
            double loss = lossSum / Math.max(1, targets);
            if (!Double.isFinite(loss)) throw new TrainingDivergedException(next, "loss");
            double norm = GradientStep.apply(params, adapter.optimizer(), config.maxGradNorm(), lr, next, stepManager);
            adapter.stepped(next);
            return new StepResult(next, loss, correct / Math.max(1, targets), lr, norm, targets, tokens);
        }
    }

    /**
     * The bare forward and backward pass of {@code batch} as one micro-batch, nothing else: no optimizer update, no
     * clipping, no accuracy, no step counted. The gradients are zeroed again. For measuring the loop's own overhead.
     *
     * @return the loss
     */
    public float forwardBackward(List<EncodedExample> batch) {
        noGrad();
        adapter.ops().setTraining(true);
        try (NDManager m = model.manager().newSubManager()) {
            NDArray[] in = tensors(batch, m);
            float loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = CausalLmLoss.loss(model.logits(in[0], adapter.ops(), m), in[0], in[1]);
                gc.backward(l);
                loss = l.getFloat();
            }
            for (NDArray p : adapter.lora().parameters().values()) {
                NDArray g = p.getGradient();
                g.attach(m);
                g.subi(g);
            }
            return loss;
        }
    }

    /** Loss and mean token accuracy on {@code examples}, without dropout or updates. */
    public EvalResult evaluate(List<EncodedExample> examples) {
        noGrad();
        adapter.ops().setTraining(false);
        double lossSum = 0;
        double correct = 0;
        long targets = 0;
        for (List<EncodedExample> micro : split(examples, config.microBatchSize())) {
            try (NDManager m = model.manager().newSubManager()) {
                NDArray[] in = tensors(micro, m);
                long microTargets =
                        micro.stream().mapToLong(EncodedExample::targetTokens).sum();
                NDArray logits = model.logits(in[0], adapter.ops(), m);
                lossSum += CausalLmLoss.loss(logits, in[0], in[1]).getFloat() * microTargets;
                correct += correctTokens(logits, in[0], in[1]);
                targets += microTargets;
            }
        }
        return new EvalResult(lossSum / Math.max(1, targets), correct / Math.max(1, targets), targets);
    }

    /** The adapter and optimizer state after the last update. */
    @Override
    public TrainingCheckpoint checkpoint(long trainedTokens) {
        return adapter.checkpoint(trainedTokens);
    }

    /** The adapter as it is now, in host memory. */
    public AdapterWeights adapter(String id) {
        return adapter.snapshot(id);
    }

    /**
     * Autograd off on this thread outside the gradient collector. PyTorch's grad mode is per thread and on by default
     * in a thread it has not seen before (DJL switches it off only on the thread that loaded the engine); with it on,
     * the in-place optimizer update of a parameter fails and evaluation would build graphs.
     */
    static void noGrad() {
        JniUtils.setGradMode(false);
    }

    /** Weighted count of target tokens whose argmax prediction is right. */
    private static double correctTokens(NDArray logits, NDArray ids, NDArray weights) {
        NDArray predicted = logits.get(new NDIndex(":, :-1")).argMax(-1); // (B, T-1)
        NDArray hit = predicted.eq(ids.get(new NDIndex(":, 1:"))).toType(DataType.FLOAT32, false); // (B, T-1)
        return hit.mul(weights.get(new NDIndex(":, 1:"))).sum().getFloat();
    }

    static List<List<EncodedExample>> split(List<EncodedExample> batch, int size) {
        List<List<EncodedExample>> out = new ArrayList<>();
        for (int i = 0; i < batch.size(); i += size) out.add(batch.subList(i, Math.min(batch.size(), i + size)));
        return out;
    }

    /** Right-padded ids (B, T) int64 and weights (B, T) float32; padding has weight 0. */
    static NDArray[] tensors(List<EncodedExample> rows, NDManager m) {
        int b = rows.size();
        int t = 0;
        for (EncodedExample e : rows) t = Math.max(t, e.length());
        long[] ids = new long[b * t];
        float[] w = new float[b * t];
        for (int i = 0; i < b; i++) {
            EncodedExample e = rows.get(i);
            for (int j = 0; j < e.length(); j++) {
                ids[i * t + j] = e.ids()[j];
                w[i * t + j] = e.weights()[j];
            }
        }
        return new NDArray[] {m.create(ids, new Shape(b, t)), m.create(w, new Shape(b, t))};
    }

    @Override
    public void close() {
        adapter.close();
    }
}
