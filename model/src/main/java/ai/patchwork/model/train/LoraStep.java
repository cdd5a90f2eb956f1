package ai.patchwork.model.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.patchwork.model.lora.TrainableLora;
import ai.patchwork.model.nn.Transformer;
import java.util.Map;

/**
 * One optimisation step of LoRA fine-tuning: padded batch → forward under autograd → weighted next-token loss →
 * backward → global-norm gradient clipping → optimizer update of A and B only. The base weights never get a
 * gradient. PyTorch allows one gradient collector per process, so one trainer runs per JVM at a time.
 */
public final class LoraStep {

  private final Transformer model;
  private final TrainableLora lora;
  private final Optimizer optimizer;
  private final float maxGradNorm;

  /** @param maxGradNorm clip the global gradient norm to this; 0 disables clipping */
  public LoraStep(Transformer model, TrainableLora lora, Optimizer optimizer, float maxGradNorm) {
    this.model = model;
    this.lora = lora;
    this.optimizer = optimizer;
    this.maxGradNorm = maxGradNorm;
  }

  /** A batch of token rows and per-token target weights (same lengths per row). */
  public record Batch(int[][] ids, float[][] weights) {
    public Batch {
      if (ids.length == 0 || ids.length != weights.length) throw new IllegalArgumentException("empty or ragged batch");
      for (int i = 0; i < ids.length; i++) {
        if (ids[i].length != weights[i].length) throw new IllegalArgumentException("row " + i + ": ids and weights differ in length");
      }
    }

    /** Target tokens that count towards the loss. */
    public long targetTokens() {
      long n = 0;
      for (float[] row : weights) for (int t = 1; t < row.length; t++) if (row[t] > 0) n++;
      return n;
    }
  }

  /** Trains on one batch; returns its loss before the update. */
  public float train(Batch batch) {
    lora.setTraining(true);
    try (NDManager step = model.manager().newSubManager()) {
      NDArray[] inputs = tensors(batch, step);
      float loss;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray l = CausalLmLoss.loss(model.logits(inputs[0], lora, step), inputs[0], inputs[1]);
        gc.backward(l);
        loss = l.getFloat();
      }
      update(step);
      return loss;
    }
  }

  /** The loss without training (validation). */
  public float evaluate(Batch batch) {
    lora.setTraining(false);
    try (NDManager step = model.manager().newSubManager()) {
      NDArray[] inputs = tensors(batch, step);
      return CausalLmLoss.loss(model.logits(inputs[0], lora, step), inputs[0], inputs[1]).getFloat();
    }
  }

  private void update(NDManager step) {
    Map<String, NDArray> params = lora.parameters();
    float scale = 1f;
    if (maxGradNorm > 0) {
      double sq = 0;
      for (NDArray p : params.values()) {
        NDArray g = p.getGradient();
        g.attach(step);
        sq += g.square().sum().getFloat();
      }
      double norm = Math.sqrt(sq);
      if (norm > maxGradNorm) scale = (float) (maxGradNorm / (norm + 1e-6));
    }
    for (Map.Entry<String, NDArray> e : params.entrySet()) {
      NDArray g = e.getValue().getGradient();
      g.attach(step);
      if (scale != 1f) g.muli(scale);
      optimizer.update(e.getKey(), e.getValue(), g);
      g.subi(g); // gradients accumulate in PyTorch: zero them for the next step
    }
  }

  private static NDArray[] tensors(Batch batch, NDManager step) {
    int b = batch.ids().length;
    int t = 0;
    for (int[] row : batch.ids()) t = Math.max(t, row.length);
    long[] ids = new long[b * t];
    float[] w = new float[b * t];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < batch.ids()[i].length; j++) {
        ids[i * t + j] = batch.ids()[i][j];
        w[i * t + j] = batch.weights()[i][j];
      }
    }
    return new NDArray[] {step.create(ids, new Shape(b, t)), step.create(w, new Shape(b, t))};
  }
}
