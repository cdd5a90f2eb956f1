package ai.patchwork.trainer.batch;

import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.registry.BaseModel;
import ai.patchwork.registry.BaseModels;
import ai.patchwork.trainer.dataset.EncodedExample;
import ai.patchwork.trainer.files.FileStore;
import ai.patchwork.trainer.jobs.FineTuningJob;
import ai.patchwork.trainer.jobs.JobError;
import ai.patchwork.trainer.jobs.JobProgress;
import java.util.List;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Step 1, while the job is {@code validating_files}: reads both files line by line and tokenizes them with the base
 * model's tokenizer and chat template, so that a malformed line, a missing assistant turn, an unknown role or an
 * example longer than the model's context fails the job with the file, the line and the problem. Nothing is kept:
 * the job then waits in {@code queued} for a worker to train it.
 */
final class ValidateFilesTasklet implements Tasklet {

    private final JobRun run;
    private final JobProgress progress;
    private final FileStore files;
    private final BaseModels baseModels;

    ValidateFilesTasklet(JobRun run, JobProgress progress, FileStore files, BaseModels baseModels) {
        this.run = run;
        this.progress = progress;
        this.files = files;
        this.baseModels = baseModels;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
        FineTuningJob job = progress.job(run.jobId());
        BaseModel base = baseModels.require(job.model());
        progress.info(
                run.lease(),
                "Validating training file: " + job.trainingFile()
                        + (job.validationFile() == null ? "" : " and validation file: " + job.validationFile()));
        try (Tokenizer tokenizer = Tokenizer.load(base.path())) {
            int context = base.config().maxPositions();
            if (job.reinforcement() != null) {
                int room = context - job.reinforcement().maxCompletionTokens();
                if (room < 1) {
                    throw new JobFailure(new JobError(
                            "invalid_hyperparameter",
                            "patchwork.max_completion_tokens ("
                                    + job.reinforcement().maxCompletionTokens()
                                    + ") leaves no room for a prompt in the model's context of "
                                    + context + " tokens",
                            "patchwork.max_completion_tokens"));
                }
                int train = JobData.prompts(files, job.trainingFile(), "training_file", tokenizer, room)
                        .size();
                int valid = job.validationFile() == null
                        ? 0
                        : JobData.prompts(files, job.validationFile(), "validation_file", tokenizer, room)
                                .size();
                progress.info(
                        run.lease(),
                        "Files validated: " + train + " training prompts"
                                + (job.validationFile() == null ? "" : ", " + valid + " validation prompts"));
                return RepeatStatus.FINISHED;
            }
            List<EncodedExample> train =
                    JobData.encode(job, files, job.trainingFile(), "training_file", tokenizer, context);
            int valid = job.validationFile() == null
                    ? 0
                    : JobData.units(
                            job,
                            JobData.encode(job, files, job.validationFile(), "validation_file", tokenizer, context)
                                    .size());
            long tokens = train.stream().mapToLong(EncodedExample::length).sum();
            String units = job.preference() == null ? " examples" : " preference pairs";
            progress.info(
                    run.lease(),
                    "Files validated: " + JobData.units(job, train.size()) + " training" + units + " (" + tokens
                            + " tokens)" + (job.validationFile() == null ? "" : ", " + valid + " validation" + units));
        }
        return RepeatStatus.FINISHED;
    }
}
