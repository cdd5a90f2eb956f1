package ai.patchwork.trainer.batch;

import ai.patchwork.registry.BaseModel;
import ai.patchwork.registry.BaseModels;
import ai.patchwork.trainer.dataset.EncodedDataset;
import ai.patchwork.trainer.jobs.FineTuningJob;
import ai.patchwork.trainer.jobs.JobProgress;
import ai.patchwork.trainer.train.EvalResult;
import ai.patchwork.trainer.train.StepResult;
import ai.patchwork.trainer.train.TrainingCheckpoint;
import java.time.Instant;
import java.util.LinkedHashMap;
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
 * Step 3: trains, one chunk per checkpoint interval. Each call of {@link #execute} runs optimizer steps up to the next
 * checkpoint, stores the checkpoint (adapter, AdamW moments, step) in the object store, records it on the job, and
 * puts its reference in the step's execution context, which Spring Batch commits when the call returns. After a
 * crash, the restarted step gets that context back and resumes from the checkpoint: same data position (the batch
 * plan is a function of the step), same optimizer state.
 *
 * <p>After every optimizer step the job's row is read once: a cancelled job stops within that step, and so does a
 * worker whose job another worker has taken over. Progress events (loss, token accuracy, tokens/s, ETA) are written
 * every {@code progress_interval} (≤ 10) steps, validation loss and accuracy every {@code eval_interval} steps.
 */
final class TrainTasklet implements Tasklet, StepExecutionListener {

  private final RunContext run;
  private final JobProgress progress;
  private final BaseModels baseModels;
  private final TrainingControl control;
  private TrainingSession session;
  private Window window;
  private EvalResult lastEval;

  TrainTasklet(RunContext run, JobProgress progress, BaseModels baseModels, Blobs blobs) {
    this.run = run;
    this.progress = progress;
    this.baseModels = baseModels;
    this.control = new TrainingControl(run, progress, blobs);
  }

  @Override
  public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
    StepExecution stepExecution = chunkContext.getStepContext().getStepExecution();
    if (session == null) open(stepExecution, run.jobId());
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
      StepResult r = session.next();
      window.add(r);
      if (r.step() % plan.progressInterval() == 0 || r.step() == plan.totalSteps()) reportProgress(run.jobId(), r);
      if (session.hasValidation() && (r.step() % plan.evalInterval() == 0 || r.step() == plan.totalSteps())) {
        reportValidation(run.jobId(), r.step());
      }
    }

    @Override
    public String checkpoint(ExecutionContext stepContext) {
      return saveCheckpoint(stepContext);
    }

    @Override
    public long trainedTokens() {
      return session.trainedTokens();
    }
  };

  private void open(StepExecution stepExecution, String jobId) {
    control.markRunning();
    FineTuningJob job = progress.job(jobId);
    BaseModel base = baseModels.require(job.model());
    ExecutionContext jobContext = stepExecution.getJobExecution().getExecutionContext();
    EncodedDataset train = control.read(jobContext.getString(TokenizeTasklet.TRAIN_DATA), "tokenized data",
        EncodedDataset::read);
    EncodedDataset valid = jobContext.containsKey(TokenizeTasklet.VALID_DATA) ? control.read(
        jobContext.getString(TokenizeTasklet.VALID_DATA), "tokenized data", EncodedDataset::read) : null;
    RunPlan plan = RunPlan.of(job, train.size());
    ExecutionContext stepContext = stepExecution.getExecutionContext();
    TrainingCheckpoint checkpoint = null;
    if (stepContext.containsKey(TrainingControl.CHECKPOINT)) {
      checkpoint = control.read(stepContext.getString(TrainingControl.CHECKPOINT), "checkpoint",
          in -> TrainingCheckpoint.read(in, base.config()));
    }
    session = TrainingSession.open(base.path(), plan, train, valid, checkpoint);
    window = new Window();
    if (checkpoint != null) {
      control.resumed(checkpoint.step(), plan.totalSteps());
    } else {
      progress.info(run.lease(), "Training " + plan.totalSteps() + " steps (worker " + run.workerId() + ")");
    }
  }

  private void reportProgress(String jobId, StepResult r) {
    RunPlan plan = session.plan;
    Window.Stats s = window.drain(r.step());
    double eta = s.secondsPerStep() * (plan.totalSteps() - r.step());
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("step", r.step());
    data.put("total_steps", plan.totalSteps());
    data.put("epoch", session.epochOf(r.step()) + 1);
    data.put("train_loss", s.loss());
    data.put("train_mean_token_accuracy", s.accuracy());
    data.put("learning_rate", r.learningRate());
    data.put("grad_norm", r.gradNorm());
    data.put("tokens_per_second", s.tokensPerSecond());
    data.put("eta_seconds", Math.round(eta));
    progress.metrics(run.lease(), String.format(java.util.Locale.ROOT,
        "Step %d/%d: training loss=%.4f, token accuracy=%.3f, %.0f tokens/s, ETA %ds", r.step(), plan.totalSteps(),
        s.loss(), s.accuracy(), s.tokensPerSecond(), Math.round(eta)), data);
    progress.estimatedFinish(run.lease(), Instant.now().plusMillis(Math.round(eta * 1000)));
  }

  private void reportValidation(String jobId, int step) {
    lastEval = session.validate();
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("step", step);
    data.put("total_steps", session.plan.totalSteps());
    data.put("valid_loss", lastEval.loss());
    data.put("valid_mean_token_accuracy", lastEval.accuracy());
    progress.metrics(run.lease(), String.format(java.util.Locale.ROOT,
        "Step %d/%d: validation loss=%.4f, validation token accuracy=%.3f", step, session.plan.totalSteps(),
        lastEval.loss(), lastEval.accuracy()), data);
  }

  private String saveCheckpoint(ExecutionContext stepContext) {
    TrainingCheckpoint checkpoint = session.checkpoint();
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("step", checkpoint.step());
    Window.Stats last = window.last();
    if (last != null) {
      metrics.put("train_loss", last.loss());
      metrics.put("train_mean_token_accuracy", last.accuracy());
    }
    if (lastEval != null) {
      metrics.put("valid_loss", lastEval.loss());
      metrics.put("valid_mean_token_accuracy", lastEval.accuracy());
    }
    return control.save(checkpoint, metrics, stepContext);
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
