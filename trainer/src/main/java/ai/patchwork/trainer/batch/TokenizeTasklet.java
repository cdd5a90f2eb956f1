package ai.patchwork.trainer.batch;

import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.registry.BaseModel;
import ai.patchwork.registry.BaseModels;
import ai.patchwork.trainer.dataset.EncodedDataset;
import ai.patchwork.trainer.dataset.PromptDataset;
import ai.patchwork.trainer.files.FileStore;
import ai.patchwork.trainer.jobs.FineTuningJob;
import ai.patchwork.trainer.jobs.JobProgress;
import ai.patchwork.trainer.jobs.JobStatus;
import java.util.List;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Step 2, when a worker takes the queued job: the job becomes {@code running}; both files are tokenized and stored
 * in the object store (so that whichever worker trains or resumes reads the same examples), and the "auto"
 * hyperparameters are resolved from the number of examples and recorded on the job.
 */
final class TokenizeTasklet implements Tasklet {

    static final String TRAIN_DATA = "patchwork.train_data";
    static final String VALID_DATA = "patchwork.valid_data";

    private final JobRun run;
    private final JobProgress progress;
    private final FileStore files;
    private final BaseModels baseModels;
    private final Blobs blobs;

    TokenizeTasklet(JobRun run, JobProgress progress, FileStore files, BaseModels baseModels, Blobs blobs) {
        this.run = run;
        this.progress = progress;
        this.files = files;
        this.baseModels = baseModels;
        this.blobs = blobs;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
        FineTuningJob job = progress.job(run.jobId());
        if (!progress.transition(run.lease(), List.of(JobStatus.QUEUED, JobStatus.RUNNING), JobStatus.RUNNING)) {
            throw new IllegalStateException("job " + job.id() + " is no longer held by this worker");
        }
        progress.info(run.lease(), "Fine-tuning job started");
        BaseModel base = baseModels.require(job.model());
        ExecutionContext jobContext = JobRun.jobContext(chunkContext);
        if (job.reinforcement() != null) {
            prompts(job, base, jobContext);
            return RepeatStatus.FINISHED;
        }
        try (Tokenizer tokenizer = Tokenizer.load(base.path())) {
            int context = base.config().maxPositions();
            EncodedDataset train = new EncodedDataset(blobs.retry()
                    .call(
                            "reading the training file",
                            () -> JobData.encode(job, files, job.trainingFile(), "training_file", tokenizer, context)));
            jobContext.putString(TRAIN_DATA, blobs.put("the tokenized training data", train::write));
            if (job.validationFile() != null) {
                EncodedDataset valid = new EncodedDataset(blobs.retry()
                        .call(
                                "reading the validation file",
                                () -> JobData.encode(
                                        job, files, job.validationFile(), "validation_file", tokenizer, context)));
                jobContext.putString(VALID_DATA, blobs.put("the tokenized validation data", valid::write));
            }
            int units = JobData.units(job, train.size());
            String unit = job.preference() == null ? " examples" : " preference pairs";
            int hidden = base.config().hiddenSize();
            RunPlan plan = RunPlan.of(job, units, hidden);
            progress.resolved(run.lease(), plan.hyperparameters(), plan.options(), null, job.preference());
            String auto = job.hyperparameters().explainAuto(plan.hyperparameters(), units, hidden, unit.strip());
            if (!auto.isEmpty()) progress.info(run.lease(), "Chose for \"auto\": " + auto);
            progress.info(
                    run.lease(),
                    "Tokenized " + units + unit + " (" + train.tokens() + " tokens): "
                            + plan.totalSteps() + " steps of "
                            + plan.hyperparameters().batchSize() + unit + " over "
                            + plan.hyperparameters().nEpochs()
                            + (plan.hyperparameters().nEpochs() == 1 ? " epoch" : " epochs")
                            + ", learning rate " + plan.training().schedule().peak());
        }
        return RepeatStatus.FINISHED;
    }

    private void prompts(FineTuningJob job, BaseModel base, ExecutionContext jobContext) {
        try (Tokenizer tokenizer = Tokenizer.load(base.path())) {
            int room = base.config().maxPositions() - job.reinforcement().maxCompletionTokens();
            PromptDataset train = new PromptDataset(blobs.retry()
                    .call(
                            "reading the training file",
                            () -> JobData.prompts(files, job.trainingFile(), "training_file", tokenizer, room)));
            jobContext.putString(TRAIN_DATA, blobs.put("the tokenized training data", train::write));
            if (job.validationFile() != null) {
                PromptDataset valid = new PromptDataset(blobs.retry()
                        .call(
                                "reading the validation file",
                                () -> JobData.prompts(
                                        files, job.validationFile(), "validation_file", tokenizer, room)));
                jobContext.putString(VALID_DATA, blobs.put("the tokenized validation data", valid::write));
            }
            RunPlan plan = RunPlan.of(job, train.size(), base.config().hiddenSize());
            progress.resolved(run.lease(), plan.hyperparameters(), plan.options(), plan.reinforcement(), null);
            progress.info(
                    run.lease(),
                    "Tokenized " + train.size() + " prompts: " + plan.totalSteps() + " steps of "
                            + plan.hyperparameters().batchSize() + " prompts × "
                            + plan.reinforcement().samplesPerPrompt()
                            + " samples over " + plan.hyperparameters().nEpochs()
                            + (plan.hyperparameters().nEpochs() == 1 ? " epoch" : " epochs") + ", learning rate "
                            + plan.training().schedule().peak());
        }
    }
}
