package ai.patchwork.trainer.batch;

import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.registry.Adapter;
import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.BaseModel;
import ai.patchwork.registry.BaseModels;
import ai.patchwork.trainer.dataset.PromptDataset;
import ai.patchwork.trainer.grader.Graders;
import ai.patchwork.trainer.jobs.FineTuningJob;
import ai.patchwork.trainer.jobs.JobError;
import ai.patchwork.trainer.jobs.JobProgress;
import ai.patchwork.trainer.train.GrpoStepResult;
import ai.patchwork.trainer.train.TrainingCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Step 3 of a reinforcement job: GRPO, one chunk per checkpoint interval, checkpoints and resume exactly as the
 * supervised {@link TrainTasklet}. Before the first step of a fresh run the policy is evaluated on the validation
 * prompts (the start of the reward curve); then every {@code progress_interval} steps a metrics event carries the
 * mean and std of the reward, the KL to the base model, the completion length and the clip fraction (averaged over
 * those steps), and every {@code eval_interval} steps {@code eval_reward_mean} on the validation prompts.
 */
final class RftTrainTasklet implements Tasklet, StepExecutionListener {

  private final RunContext run;
  private final JobProgress progress;
  private final BaseModels baseModels;
  private final AdapterRegistry registry;
  private final TrainingControl control;
  private RftSession session;
  private RewardWindow window;
  private Double lastEval;

  RftTrainTasklet(RunContext run, JobProgress progress, BaseModels baseModels, AdapterRegistry registry, Blobs blobs) {
    this.run = run;
    this.progress = progress;
    this.baseModels = baseModels;
    this.registry = registry;
    this.control = new TrainingControl(run, progress, blobs);
  }

  @Override
  public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
    StepExecution stepExecution = chunkContext.getStepContext().getStepExecution();
    if (session == null) open(stepExecution);
    return control.chunk(stepExecution, session.plan, steps);
  }

  private final TrainingControl.Steps steps = new TrainingControl.Steps() {
    @Override
    public int step() {
      return session.step();
    }

    @Override
    public void advance() {
      RunPlan plan = session.plan;
      GrpoStepResult r = session.next();
      window.add(r);
      if (r.step() % plan.progressInterval() == 0 || r.step() == plan.totalSteps()) reportProgress(r);
      if (session.hasValidation() && (r.step() % plan.evalInterval() == 0 || r.step() == plan.totalSteps())) {
        reportValidation(r.step());
      }
    }

    @Override
    public String checkpoint(ExecutionContext stepContext) {
      Map<String, Object> metrics = new LinkedHashMap<>();
      metrics.put("step", session.step());
      if (window.last() != null) metrics.putAll(window.last());
      if (lastEval != null) metrics.put("eval_reward_mean", lastEval);
      return control.save(session.checkpoint(), metrics, stepContext);
    }

    @Override
    public long trainedTokens() {
      return session.trainedTokens();
    }
  };

  private void open(StepExecution stepExecution) {
    control.markRunning();
    FineTuningJob job = progress.job(run.jobId());
    BaseModel base = baseModels.require(job.model());
    ExecutionContext jobContext = stepExecution.getJobExecution().getExecutionContext();
    PromptDataset train = control.read(jobContext.getString(TokenizeTasklet.TRAIN_DATA), "prompts", PromptDataset::read);
    PromptDataset valid = jobContext.containsKey(TokenizeTasklet.VALID_DATA) ? control.read(
        jobContext.getString(TokenizeTasklet.VALID_DATA), "prompts", PromptDataset::read) : null;
    RunPlan plan = RunPlan.of(job, train.size());
    ExecutionContext stepContext = stepExecution.getExecutionContext();
    TrainingCheckpoint checkpoint = stepContext.containsKey(TrainingControl.CHECKPOINT) ? control.read(
        stepContext.getString(TrainingControl.CHECKPOINT), "checkpoint", in -> TrainingCheckpoint.read(in, base.config()))
        : null;
    String initialId = job.reinforcement().initialAdapter();
    AdapterWeights initial = checkpoint == null && initialId != null ? initialAdapter(initialId, base) : null;
    session = RftSession.open(base.path(), plan, train, valid, Graders.parse(job.reinforcement().grader(), "grader"),
        initial, checkpoint);
    window = new RewardWindow();
    if (checkpoint != null) {
      control.resumed(checkpoint.step(), plan.totalSteps());
      return;
    }
    progress.info(run.lease(), "Training " + plan.totalSteps() + " GRPO steps of " + plan.hyperparameters().batchSize()
        + " prompts × " + plan.reinforcement().samplesPerPrompt() + " samples, starting from "
        + (initialId == null ? "a fresh adapter" : "adapter " + initialId) + " (worker " + run.workerId() + ")");
    if (session.hasValidation()) reportValidation(0);
  }

  private AdapterWeights initialAdapter(String id, BaseModel base) {
    try {
      Adapter adapter = registry.getReady(id);
      Path dir = Files.createTempDirectory("patchwork-initial-adapter-");
      try {
        registry.writePeftFolder(adapter, dir);
        return AdapterWeights.load(id, dir, base.config());
      } finally {
        try (var paths = Files.walk(dir)) {
          paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    } catch (ai.patchwork.registry.RegistryException e) {
      throw new JobFailure(new JobError("invalid_initial_adapter", "the initial adapter " + id
          + " cannot be loaded: " + e.getMessage(), "patchwork.initial_adapter"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load the initial adapter " + id, e);
    }
  }

  private void reportProgress(GrpoStepResult r) {
    RunPlan plan = session.plan;
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("step", r.step());
    data.put("total_steps", plan.totalSteps());
    data.put("epoch", session.epochOf(r.step()) + 1);
    Map<String, Object> w = window.drain();
    data.putAll(w);
    data.put("learning_rate", r.learningRate());
    data.put("grad_norm", r.gradNorm());
    double eta = (double) w.get("seconds_per_step") * (plan.totalSteps() - r.step());
    data.put("eta_seconds", Math.round(eta));
    progress.metrics(run.lease(), String.format(Locale.ROOT,
        "Step %d/%d: reward=%.3f±%.3f, KL=%.4f, completion length=%.1f, clip fraction=%.3f, ETA %ds", r.step(),
        plan.totalSteps(), (double) w.get("reward_mean"), (double) w.get("reward_std"), (double) w.get("kl"),
        (double) w.get("completion_length"), (double) w.get("clip_fraction"), Math.round(eta)), data);
    progress.estimatedFinish(run.lease(), Instant.now().plusMillis(Math.round(eta * 1000)));
  }

  private void reportValidation(int step) {
    lastEval = session.validate();
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("step", step);
    data.put("total_steps", session.plan.totalSteps());
    data.put("eval_reward_mean", lastEval);
    progress.metrics(run.lease(), String.format(Locale.ROOT, "Step %d/%d: validation reward=%.3f (%d samples per "
        + "prompt)", step, session.plan.totalSteps(), lastEval, session.plan.reinforcement().evalSamples()), data);
  }

  @Override
  public ExitStatus afterStep(StepExecution stepExecution) {
    if (session != null) {
      session.close();
      session = null;
    }
    lastEval = null;
    return null;
  }
}
