package ai.patchwork.model.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.patchwork.model.lora.LoraOps;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The forward and backward pass of a training objective one block at a time: gradient checkpointing at block
 * boundaries (Chen et al. 2016, "Training Deep Nets with Sublinear Memory Cost"). The forward runs without autograd and
 * keeps only each block's input; then the head, and each block from the last down, runs again under autograd from its
 * saved input and is back-propagated with the gradient of its output. The LoRA parameters' gradients accumulate exactly
 * as in one backward pass over the whole graph, at the cost of a second forward of every block.
 *
 * <p>Why: under autograd a whole-model graph keeps every block's activations and, for {@link WeightStorage#HALF}, a
 * float32 copy of every frozen matrix until the backward pass, which is the float32 model again. Here at most one
 * block's graph and widened matrices are alive.
 *
 * <p>Dropout inside a block (LoRA dropout) draws from PyTorch's generator; the generator is reseeded before each block
 * in both passes so the second forward draws the masks of the first. The seeds come from the generator itself, so a
 * run seeded once per step stays reproducible.
 */
public final class BlockwiseBackward {
    private BlockwiseBackward() {}

    /**
     * Back-propagates {@code objective(logits)} into the parameters {@code lora} reads (their gradients accumulate).
     * Autograd must be off on the calling thread outside this call, as in the rest of training.
     *
     * @param ids right-padded token ids (B, T), as {@link Transformer#logits}
     * @param objective the scalar to differentiate, from the logits (B, T, V); it may read the logits for other figures
     * @param step owns the intermediates; each block's are freed as soon as its backward is done
     */
    public static void run(
            Transformer model, NDArray ids, LoraOps lora, Function<NDArray, NDArray> objective, NDManager step) {
        int b = (int) ids.getShape().get(0);
        int t = (int) ids.getShape().get(1);
        List<TransformerBlock> blocks = model.blocks();
        int seedBase = step.randomInteger(0, Integer.MAX_VALUE / 2, new Shape(1), DataType.INT32)
                .toIntArray()[0];
        RunState state = model.runState(step, new int[b], t, t, null, lora);
        List<NDArray> inputs = new ArrayList<>(); // block l's input, (B, T, E)
        NDArray x = model.embedding().forward(ids, step); // (B, T, E)
        for (int l = 0; l < blocks.size(); l++) {
            inputs.add(x);
            Engine.getInstance().setRandomSeed(seedBase + l);
            try (NDManager m = step.newSubManager()) {
                NDArray in = x.duplicate(); // in m, so that the block's intermediates are freed with m
                in.attach(m);
                x = blocks.get(l).forward(in, state(state, m));
                x.attach(step);
            }
        }
        NDArray grad = backward(x, h -> objective.apply(model.head(h)), null, step); // d objective / d x_L
        for (int l = blocks.size() - 1; l >= 0; l--) {
            TransformerBlock block = blocks.get(l);
            Engine.getInstance().setRandomSeed(seedBase + l);
            grad = backward(inputs.get(l), h -> block.forward(h, state(state, h.getManager())), grad, step);
        }
    }

    private static RunState state(RunState s, NDManager m) {
        return new RunState(m, s.cosSin(), s.mask(), null, s.lora());
    }

    /**
     * Runs {@code f} under autograd from a fresh leaf copy of {@code in} and back-propagates it: the scalar itself when
     * {@code outGrad} is null, else Σ f(in)·outGrad, whose gradient with respect to f(in) is {@code outGrad}.
     *
     * @return d / d in, attached to {@code step}
     */
    private static NDArray backward(NDArray in, Function<NDArray, NDArray> f, NDArray outGrad, NDManager step) {
        try (NDManager m = step.newSubManager()) {
            NDArray leaf = in.duplicate();
            leaf.attach(m);
            leaf.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = f.apply(leaf);
                gc.backward(outGrad == null ? out : out.mul(outGrad).sum());
            }
            NDArray g = leaf.getGradient().duplicate();
            g.attach(step);
            return g;
        }
    }
}
