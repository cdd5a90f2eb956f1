package ai.patchwork.trainer.batch;

import ai.patchwork.trainer.jobs.JobError;
import ai.patchwork.trainer.train.TrainingCheckpoint;
import ai.patchwork.trainer.train.TrainingDivergedException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * What the supervised and the reinforcement train steps do alike around their loops: reading stored data and
 * checkpoints, stopping when the job is cancelled, the worker shuts down or another worker took the job, and storing
 * a checkpoint so that a restarted step resumes from it.
 */
record TrainingControl(HeldJob held, ShutdownSignal shutdown, ProgressClock clock, Blobs blobs) {

    static final String CHECKPOINT = "patchwork.checkpoint";
    static final String FINAL_CHECKPOINT = "patchwork.final_checkpoint";

    /** Reads a blob this job stored earlier. */
    <T> T read(String sha, String what, BlobReader<T> reader) {
        return blobs.read(sha, what, reader::read);
    }

    @FunctionalInterface
    interface BlobReader<T> {
        T read(InputStream in) throws IOException;
    }

    /**
     * If the job must stop now — cancelled, the worker shutting down, or taken over — marks the step to terminate
     * with the reason in the job's context and returns true.
     */
    boolean stopIfAsked(StepExecution stepExecution, int step) {
        clock.touch();
        StopReason reason = shutdown.requested()
                ? StopReason.SHUTDOWN
                : switch (held.progress().signal(held.lease())) {
                    case CONTINUE -> null;
                    case CANCELLED -> StopReason.CANCELLED;
                    case LOST -> StopReason.LOST;
                };
        if (reason == null) return false;
        ExecutionContext jobContext = stepExecution.getJobExecution().getExecutionContext();
        jobContext.putString(StopReason.KEY, reason.name());
        jobContext.putInt("patchwork.stopped_at", step);
        stepExecution.setTerminateOnly();
        return true;
    }

    /**
     * Stores {@code checkpoint} in the object store, records it on the job with {@code metrics}, and puts its reference
     * in the step's context, which Spring Batch commits when the chunk returns.
     *
     * @return the checkpoint's sha256
     */
    String save(TrainingCheckpoint checkpoint, Map<String, Object> metrics, ExecutionContext stepContext) {
        String sha = blobs.put("the checkpoint at step " + checkpoint.step(), checkpoint::write);
        held.progress().checkpoint(held.lease(), checkpoint.step(), metrics, sha);
        held.info("Checkpoint saved at step " + checkpoint.step());
        stepContext.putString(CHECKPOINT, sha);
        stepContext.putInt("patchwork.checkpoint_step", checkpoint.step());
        return sha;
    }

    /** Hands the final checkpoint to the export step. */
    private void finish(StepExecution stepExecution, String sha, long trainedTokens) {
        ExecutionContext jobContext = stepExecution.getJobExecution().getExecutionContext();
        jobContext.putString(FINAL_CHECKPOINT, sha);
        jobContext.putLong("patchwork.trained_tokens", trainedTokens);
    }

    /** A train step's session as {@link #chunk} drives it. */
    interface Steps {
        /** Steps done so far. */
        int step();

        /** Trains the next step and reports on it. */
        void advance();

        /** Stores a checkpoint of the state now ({@link #save}); returns its sha256. */
        String checkpoint(ExecutionContext stepContext);

        long trainedTokens();
    }

    /**
     * One call of a train step's tasklet: steps up to the next checkpoint of {@code plan}, then the checkpoint. Returns
     * FINISHED when the job must stop (cancelled, shutdown, taken over) or the run is complete — the final checkpoint
     * then handed to the export step — and CONTINUABLE otherwise, which makes Spring Batch commit the step's context
     * (the checkpoint's reference) and call again.
     */
    RepeatStatus chunk(StepExecution stepExecution, RunPlan plan, Steps steps) {
        int stop =
                Math.min(plan.totalSteps(), (steps.step() / plan.checkpointInterval() + 1) * plan.checkpointInterval());
        while (steps.step() < stop) {
            try {
                steps.advance();
            } catch (TrainingDivergedException e) {
                throw new JobFailure(new JobError("training_diverged", e.getMessage(), null));
            }
            if (stopIfAsked(stepExecution, steps.step())) return RepeatStatus.FINISHED;
        }
        String sha = steps.checkpoint(stepExecution.getExecutionContext());
        if (steps.step() < plan.totalSteps()) return RepeatStatus.CONTINUABLE;
        finish(stepExecution, sha, steps.trainedTokens());
        held.info("Training finished: " + plan.totalSteps() + " steps, " + steps.trainedTokens() + " trained tokens");
        return RepeatStatus.FINISHED;
    }

    /** Warns that the step resumed, with where from. */
    void resumed(int step, int totalSteps) {
        String worker = held.run().workerId();
        held.warn(
                "Resumed from the checkpoint at step " + step + " of " + totalSteps + " (worker " + worker + ")",
                Map.of("resumed_from_step", step, "total_steps", totalSteps, "worker", worker));
    }
}
