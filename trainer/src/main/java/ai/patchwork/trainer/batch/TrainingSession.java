package ai.patchwork.trainer.batch;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.trainer.dataset.BatchPlan;
import ai.patchwork.trainer.dataset.EncodedDataset;
import ai.patchwork.trainer.dataset.EncodedExample;
import ai.patchwork.trainer.train.EvalResult;
import ai.patchwork.trainer.train.LoraTrainer;
import ai.patchwork.trainer.train.StepResult;
import ai.patchwork.trainer.train.TrainingCheckpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the train step holds between its chunks: the base model, the trainer, the data and the plan. Opened when the
 * step starts (fresh or from a checkpoint) and closed when it ends, however it ends.
 */
final class TrainingSession implements AutoCloseable {

  /** At most this many validation examples are evaluated each time. */
  static final int MAX_EVAL_EXAMPLES = 512;

  final RunPlan plan;
  final int resumedFrom;
  private final NDManager manager;
  private final Transformer model;
  private final LoraTrainer trainer;
  private final EncodedDataset train;
  private final List<EncodedExample> valid;
  private final BatchPlan batches;
  private long trainedTokens;

  private TrainingSession(RunPlan plan, NDManager manager, Transformer model, LoraTrainer trainer, EncodedDataset train,
      EncodedDataset valid, long trainedTokens) {
    this.plan = plan;
    this.manager = manager;
    this.model = model;
    this.trainer = trainer;
    this.train = train;
    this.valid = valid == null ? List.of() : valid.examples().subList(0, Math.min(MAX_EVAL_EXAMPLES, valid.size()));
    this.batches = new BatchPlan(train.lengths(), plan.hyperparameters().batchSize(), plan.training().seed());
    this.trainedTokens = trainedTokens;
    this.resumedFrom = trainer.step();
  }

  /**
   * @param checkpoint the state to resume from, or null to start afresh
   */
  static TrainingSession open(Path modelDir, RunPlan plan, EncodedDataset train, EncodedDataset valid,
      TrainingCheckpoint checkpoint) {
    NDManager manager = NDManager.newBaseManager();
    try {
      Transformer model = Transformer.load(modelDir, manager);
      LoraTrainer trainer = checkpoint == null ? LoraTrainer.start(model, plan.training())
          : LoraTrainer.resume(model, plan.training(), checkpoint);
      return new TrainingSession(plan, manager, model, trainer, train, valid,
          checkpoint == null ? 0 : checkpoint.trainedTokens());
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  int step() {
    return trainer.step();
  }

  long trainedTokens() {
    return trainedTokens;
  }

  boolean hasValidation() {
    return !valid.isEmpty();
  }

  /** Trains the next step on its batch of the plan. */
  StepResult next() {
    List<EncodedExample> batch = new ArrayList<>();
    for (int i : batches.batchOfStep(trainer.step() + 1)) batch.add(train.get(i));
    StepResult r = trainer.train(batch);
    trainedTokens += r.targetTokens();
    return r;
  }

  EvalResult validate() {
    return trainer.evaluate(valid);
  }

  TrainingCheckpoint checkpoint() {
    return trainer.checkpoint(trainedTokens);
  }

  int epochOf(int step) {
    return batches.epochOfStep(step);
  }

  @Override
  public void close() {
    try (manager; model; trainer) {
      // closes the trainer, then the model, then their manager
    }
  }
}
