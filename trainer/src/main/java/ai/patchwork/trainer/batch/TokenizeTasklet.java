package ai.patchwork.trainer.batch;

import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.registry.BaseModel;
import ai.patchwork.trainer.batch.JobData.DataFile;
import ai.patchwork.trainer.dataset.EncodedExample;
import ai.patchwork.trainer.dataset.PromptExample;
import ai.patchwork.trainer.dataset.TokenizedDataset;
import ai.patchwork.trainer.jobs.FineTuningJob;
import java.util.function.Function;
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
record TokenizeTasklet(HeldJob held, JobData data, Blobs blobs) implements Tasklet {

    static final String TRAIN_DATA = "patchwork.train_data";
    static final String VALID_DATA = "patchwork.valid_data";

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
        FineTuningJob job = held.job();
        held.markRunning();
        held.info("Fine-tuning job started");
        BaseModel base = data.base(job);
        ExecutionContext jobContext = JobRun.jobContext(chunkContext);
        try (Tokenizer tokenizer = Tokenizer.load(base.path())) {
            if (job.reinforcement() != null) {
                prompts(job, base, tokenizer, jobContext);
            } else {
                examples(job, base, tokenizer, jobContext);
            }
        }
        return RepeatStatus.FINISHED;
    }

    private void examples(FineTuningJob job, BaseModel base, Tokenizer tokenizer, ExecutionContext jobContext) {
        int context = base.config().maxPositions();
        TokenizedDataset<EncodedExample> train = store(
                job,
                jobContext,
                file -> new TokenizedDataset<>(EncodedExample.FORMAT, data.encode(job, file, tokenizer, context)));
        int units = JobData.units(job, train.size());
        String unit = JobData.unitName(job);
        int hidden = base.config().hiddenSize();
        RunPlan plan = RunPlan.of(job, units, hidden);
        held.progress().resolved(held.lease(), plan.hyperparameters(), plan.options(), null, job.preference());
        String auto = job.hyperparameters().explainAuto(plan.hyperparameters(), units, hidden, unit.strip());
        if (!auto.isEmpty()) held.info("Chose for \"auto\": " + auto);
        held.info("Tokenized " + units + unit + " (" + train.tokens() + " tokens): " + plan.totalSteps()
                + " steps of " + plan.hyperparameters().batchSize() + unit + " over " + epochs(plan)
                + ", learning rate " + plan.training().schedule().peak());
    }

    private void prompts(FineTuningJob job, BaseModel base, Tokenizer tokenizer, ExecutionContext jobContext) {
        int room = base.config().maxPositions() - job.reinforcement().maxCompletionTokens();
        TokenizedDataset<PromptExample> train = store(
                job,
                jobContext,
                file -> new TokenizedDataset<>(PromptExample.FORMAT, data.prompts(file, tokenizer, room)));
        RunPlan plan = RunPlan.of(job, train.size(), base.config().hiddenSize());
        held.progress().resolved(held.lease(), plan.hyperparameters(), plan.options(), plan.reinforcement(), null);
        held.info("Tokenized " + train.size() + " prompts: " + plan.totalSteps() + " steps of "
                + plan.hyperparameters().batchSize() + " prompts × "
                + plan.reinforcement().samplesPerPrompt()
                + " samples over " + epochs(plan) + ", learning rate "
                + plan.training().schedule().peak());
    }

    /**
     * Tokenizes the training file and, if the job has one, the validation file with {@code tokenize}, stores them
     * and puts their references in the job's context for the train step; returns the training data.
     */
    private <T extends TokenizedDataset.Sequence> TokenizedDataset<T> store(
            FineTuningJob job, ExecutionContext jobContext, Function<DataFile, TokenizedDataset<T>> tokenize) {
        TokenizedDataset<T> train =
                blobs.retry().call("reading the training file", () -> tokenize.apply(DataFile.training(job)));
        jobContext.putString(TRAIN_DATA, blobs.put("the tokenized training data", train::write));
        DataFile validation = DataFile.validation(job);
        if (validation != null) {
            TokenizedDataset<T> valid =
                    blobs.retry().call("reading the validation file", () -> tokenize.apply(validation));
            jobContext.putString(VALID_DATA, blobs.put("the tokenized validation data", valid::write));
        }
        return train;
    }

    private static String epochs(RunPlan plan) {
        int n = plan.hyperparameters().nEpochs();
        return n + (n == 1 ? " epoch" : " epochs");
    }
}
