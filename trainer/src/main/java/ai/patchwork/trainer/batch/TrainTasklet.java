package ai.patchwork.trainer.batch;

import ai.patchwork.trainer.jobs.FineTuningJob;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Step 3: trains, one chunk per checkpoint interval, whatever the method: a {@link TrainingSession} of the job's
 * method (supervised, preference or reinforcement) does the steps, this tasklet drives it. Each call of
 * {@link #execute} runs optimizer steps up to the next checkpoint, stores the checkpoint (adapter, AdamW moments,
 * step) in the object store, records it on the job, and puts its reference in the step's execution context, which
 * Spring Batch commits when the call returns. After a crash, the restarted step gets that context back and resumes
 * from the checkpoint: same data position (the batch plan is a function of the step), same optimizer state.
 *
 * <p>After every optimizer step the job's row is read once: a cancelled job stops within that step, and so does a
 * worker whose job another worker has taken over. Progress events are written every {@code progress_interval}
 * (≤ 10) steps, validation every {@code eval_interval} steps.
 *
 * <p>Step-scoped: one instance per step execution, its session closed with the step's scope however the step ends.
 */
final class TrainTasklet implements Tasklet, AutoCloseable {

    private final HeldJob held;
    private final TrainingControl control;
    private final TrainingSessions sessions;
    private TrainingSession session;

    TrainTasklet(HeldJob held, TrainingControl control, TrainingSessions sessions) {
        this.held = held;
        this.control = control;
        this.sessions = sessions;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
        StepExecution stepExecution = chunkContext.getStepContext().getStepExecution();
        if (session == null) open(stepExecution);
        return control.chunk(stepExecution, session.plan(), steps);
    }

    private final TrainingControl.Steps steps = new TrainingControl.Steps() {
        @Override
        public int step() {
            return session.step();
        }

        @Override
        public void advance() {
            RunPlan plan = session.plan();
            TrainingSession.Step r = session.next();
            if (r.step() == 1 || r.step() % plan.progressInterval() == 0 || r.step() == plan.totalSteps()) {
                reportProgress(r); // from step 1 on, as OpenAI's metrics events
            }
            if (session.hasValidation() && (r.step() % plan.evalInterval() == 0 || r.step() == plan.totalSteps())) {
                reportValidation(r.step());
            }
        }

        @Override
        public String checkpoint(ExecutionContext stepContext) {
            Map<String, Object> metrics = new LinkedHashMap<>();
            metrics.put("step", session.step());
            metrics.putAll(session.checkpointMetrics());
            return control.save(session.checkpoint(), metrics, stepContext);
        }

        @Override
        public long trainedTokens() {
            return session.trainedTokens();
        }
    };

    /**
     * Opens the session, from the checkpoint in the step's context if a previous execution stored one. The job is
     * marked running again: a job a shutting-down worker handed back waits as {@code queued}, and on the restart
     * Spring Batch skips the completed tokenize step, which is where a fresh job becomes {@code running}.
     */
    private void open(StepExecution stepExecution) {
        held.markRunning();
        FineTuningJob job = held.job();
        ExecutionContext stepContext = stepExecution.getExecutionContext();
        String checkpointSha = stepContext.containsKey(TrainingControl.CHECKPOINT)
                ? stepContext.getString(TrainingControl.CHECKPOINT)
                : null;
        session = sessions.open(job, stepExecution.getJobExecution().getExecutionContext(), control, checkpointSha);
        if (checkpointSha != null) {
            control.resumed(session.step(), session.plan().totalSteps());
            return;
        }
        held.info(session.startMessage() + " (worker " + held.run().workerId() + ")");
        if (session.validatesAtStart() && session.hasValidation()) reportValidation(0);
    }

    private void reportProgress(TrainingSession.Step r) {
        RunPlan plan = session.plan();
        TrainingSession.Report report = session.progress();
        double eta = report.secondsPerStep() * (plan.totalSteps() - r.step());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("step", r.step());
        data.put("total_steps", plan.totalSteps());
        data.put("epoch", session.epochOf(r.step()) + 1);
        data.putAll(report.data());
        data.put("learning_rate", r.learningRate());
        data.put("grad_norm", r.gradNorm());
        data.put("eta_seconds", Math.round(eta));
        held.metrics(
                String.format(
                        Locale.ROOT,
                        "Step %d/%d: %s, ETA %ds",
                        r.step(),
                        plan.totalSteps(),
                        report.summary(),
                        Math.round(eta)),
                data);
        held.progress().estimatedFinish(held.lease(), Instant.now().plusMillis(Math.round(eta * 1000)));
    }

    private void reportValidation(int step) {
        TrainingSession.Report report = session.validate();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("step", step);
        data.put("total_steps", session.plan().totalSteps());
        data.putAll(report.data());
        held.metrics(
                String.format(
                        Locale.ROOT, "Step %d/%d: %s", step, session.plan().totalSteps(), report.summary()),
                data);
    }

    /** Closes the session; called when the step's scope ends. */
    @Override
    public void close() {
        if (session != null) {
            session.close();
            session = null;
        }
    }
}
