package ai.patchwork.trainer.batch;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.nn.Transformer;
import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.trainer.dataset.BatchPlan;
import ai.patchwork.trainer.dataset.PromptDataset;
import ai.patchwork.trainer.dataset.PromptExample;
import ai.patchwork.trainer.grader.Grader;
import ai.patchwork.trainer.train.GrpoStepResult;
import ai.patchwork.trainer.train.GrpoTrainer;
import ai.patchwork.trainer.train.Reward;
import ai.patchwork.trainer.train.TrainingCheckpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the reinforcement train step holds between its chunks: the base model, its tokenizer, the GRPO trainer, the
 * prompts, the grader and the plan. Opened when the step starts (fresh, from an initial adapter, or from a
 * checkpoint) and closed when it ends.
 */
final class RftSession implements AutoCloseable {

  /** At most this many validation prompts are evaluated each time. */
  static final int MAX_EVAL_PROMPTS = 256;

  final RunPlan plan;
  private final NDManager manager;
  private final Transformer model;
  private final Tokenizer tokenizer;
  private final GrpoTrainer trainer;
  private final PromptDataset train;
  private final List<PromptExample> valid;
  private final BatchPlan batches;
  private final Reward reward;
  private long trainedTokens;

  private RftSession(RunPlan plan, NDManager manager, Transformer model, Tokenizer tokenizer, GrpoTrainer trainer,
      PromptDataset train, PromptDataset valid, Grader grader, long trainedTokens) {
    this.plan = plan;
    this.manager = manager;
    this.model = model;
    this.tokenizer = tokenizer;
    this.trainer = trainer;
    this.train = train;
    this.valid = valid == null ? List.of() : valid.prompts().subList(0, Math.min(MAX_EVAL_PROMPTS, valid.size()));
    this.batches = new BatchPlan(train.lengths(), plan.hyperparameters().batchSize(), plan.training().seed());
    this.reward = (prompt, text) -> grader.grade(JsonMapper.shared().readTree(prompt.item()), text).reward();
    this.trainedTokens = trainedTokens;
  }

  /**
   * @param initial the adapter to start from when there is no checkpoint, or null for a fresh one
   * @param checkpoint the state to resume from, or null to start afresh
   */
  static RftSession open(Path modelDir, RunPlan plan, PromptDataset train, PromptDataset valid, Grader grader,
      AdapterWeights initial, TrainingCheckpoint checkpoint) {
    NDManager manager = NDManager.newBaseManager();
    Tokenizer tokenizer = null;
    try {
      Transformer model = Transformer.load(modelDir, manager);
      tokenizer = Tokenizer.load(modelDir);
      GrpoTrainer trainer = checkpoint == null ? GrpoTrainer.start(model, tokenizer, plan.grpo(), initial)
          : GrpoTrainer.resume(model, tokenizer, plan.grpo(), checkpoint);
      return new RftSession(plan, manager, model, tokenizer, trainer, train, valid, grader,
          checkpoint == null ? 0 : checkpoint.trainedTokens());
    } catch (RuntimeException e) {
      if (tokenizer != null) tokenizer.close();
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

  /** Samples, grades and updates on the next step's prompts. */
  GrpoStepResult next() {
    List<PromptExample> batch = new ArrayList<>();
    for (int i : batches.batchOfStep(trainer.step() + 1)) batch.add(train.get(i));
    GrpoStepResult r = trainer.train(batch, reward);
    trainedTokens += r.completionTokens();
    return r;
  }

  /** Mean reward on the validation prompts, {@code eval_samples} samples each, the same seeds every time. */
  double validate() {
    return trainer.evaluate(valid, reward, plan.reinforcement().evalSamples(), plan.training().seed() + 17);
  }

  TrainingCheckpoint checkpoint() {
    return trainer.checkpoint(trainedTokens);
  }

  int epochOf(int step) {
    return batches.epochOfStep(step);
  }

  @Override
  public void close() {
    try (manager; model; tokenizer; trainer) {
      // closes the trainer, the tokenizer, then the model, then their manager
    }
  }
}
