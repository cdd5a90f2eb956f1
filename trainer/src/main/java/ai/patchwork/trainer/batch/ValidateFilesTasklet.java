package ai.patchwork.trainer.batch;

import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.registry.BaseModel;
import ai.patchwork.trainer.batch.JobData.DataFile;
import ai.patchwork.trainer.dataset.EncodedExample;
import ai.patchwork.trainer.jobs.FineTuningJob;
import ai.patchwork.trainer.jobs.JobError;
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
record ValidateFilesTasklet(HeldJob held, JobData data) implements Tasklet {

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
        FineTuningJob job = held.job();
        BaseModel base = data.base(job);
        DataFile validation = DataFile.validation(job);
        held.info("Validating training file: " + job.trainingFile()
                + (validation == null ? "" : " and validation file: " + validation.id()));
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
                int train =
                        data.prompts(DataFile.training(job), tokenizer, room).size();
                int valid = validation == null
                        ? 0
                        : data.prompts(validation, tokenizer, room).size();
                held.info("Files validated: " + train + " training prompts"
                        + (validation == null ? "" : ", " + valid + " validation prompts"));
                return RepeatStatus.FINISHED;
            }
            List<EncodedExample> train = data.encode(job, DataFile.training(job), tokenizer, context);
            int valid = validation == null
                    ? 0
                    : JobData.units(
                            job,
                            data.encode(job, validation, tokenizer, context).size());
            long tokens = train.stream().mapToLong(EncodedExample::length).sum();
            String units = JobData.unitName(job);
            held.info("Files validated: " + JobData.units(job, train.size()) + " training" + units + " (" + tokens
                    + " tokens)" + (validation == null ? "" : ", " + valid + " validation" + units));
        }
        return RepeatStatus.FINISHED;
    }
}
