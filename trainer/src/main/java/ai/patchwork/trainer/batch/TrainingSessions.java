package ai.patchwork.trainer.batch;

import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.registry.Adapter;
import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.BaseModel;
import ai.patchwork.registry.BaseModels;
import ai.patchwork.registry.RegistryException;
import ai.patchwork.registry.store.ScratchDir;
import ai.patchwork.trainer.dataset.EncodedExample;
import ai.patchwork.trainer.dataset.PromptExample;
import ai.patchwork.trainer.dataset.TokenizedDataset;
import ai.patchwork.trainer.grader.Graders;
import ai.patchwork.trainer.jobs.FineTuningJob;
import ai.patchwork.trainer.jobs.JobError;
import ai.patchwork.trainer.train.TrainingCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * Opens the {@link TrainingSession} of a job's method (supervised, DPO or reinforcement): reads the data the tokenize
 * step stored, the checkpoint to resume from, and the initial adapter of a reinforcement or DPO job (which DPO needs
 * on a resume too: it is the reference policy).
 */
record TrainingSessions(BaseModels baseModels, AdapterRegistry registry) {

    /**
     * @param jobContext the job execution's context, with the tokenize step's data references
     * @param checkpointSha the checkpoint to resume from, or null to start afresh
     */
    TrainingSession open(
            FineTuningJob job, ExecutionContext jobContext, TrainingControl control, String checkpointSha) {
        BaseModel base = baseModels.require(job.model());
        TrainingCheckpoint checkpoint = checkpointSha == null
                ? null
                : control.read(checkpointSha, "checkpoint", in -> TrainingCheckpoint.read(in, base.config()));
        String trainSha = jobContext.getString(TokenizeTasklet.TRAIN_DATA);
        String validSha = jobContext.containsKey(TokenizeTasklet.VALID_DATA)
                ? jobContext.getString(TokenizeTasklet.VALID_DATA)
                : null;
        if (job.reinforcement() != null) {
            TokenizedDataset<PromptExample> train = read(control, trainSha, "prompts", PromptExample.FORMAT);
            TokenizedDataset<PromptExample> valid = read(control, validSha, "prompts", PromptExample.FORMAT);
            String initialId = job.reinforcement().initialAdapter();
            AdapterWeights initial = checkpoint == null && initialId != null ? initialAdapter(initialId, base) : null;
            return ReinforcementSession.open(
                    base.path(),
                    RunPlan.of(job, train.size(), base.config().hiddenSize()),
                    train,
                    valid,
                    Graders.parse(job.reinforcement().grader(), "grader"),
                    initialId,
                    initial,
                    checkpoint);
        }
        TokenizedDataset<EncodedExample> train = read(control, trainSha, "tokenized data", EncodedExample.FORMAT);
        TokenizedDataset<EncodedExample> valid = read(control, validSha, "tokenized data", EncodedExample.FORMAT);
        if (job.preference() != null) {
            String initialId = job.preference().initialAdapter();
            AdapterWeights initial = initialId == null ? null : initialAdapter(initialId, base);
            return PreferenceSession.open(
                    base.path(),
                    RunPlan.of(
                            job, JobData.units(job, train.size()), base.config().hiddenSize()),
                    job.preference().beta(),
                    train,
                    valid,
                    initial,
                    checkpoint);
        }
        return SupervisedSession.open(
                base.path(), RunPlan.of(job, train.size(), base.config().hiddenSize()), train, valid, checkpoint);
    }

    /** The tokenized data stored as {@code sha}, or null for none (a job without a validation file). */
    private static <T extends TokenizedDataset.Sequence> TokenizedDataset<T> read(
            TrainingControl control, String sha, String what, TokenizedDataset.Format<T> format) {
        return sha == null ? null : control.read(sha, what, in -> TokenizedDataset.read(in, format));
    }

    private AdapterWeights initialAdapter(String id, BaseModel base) {
        try {
            Adapter adapter = registry.getReady(id);
            try (ScratchDir dir = ScratchDir.create("patchwork-initial-adapter-")) {
                registry.writePeftFolder(adapter, dir.path());
                return AdapterWeights.load(id, dir.path(), base.config());
            }
        } catch (RegistryException e) {
            throw new JobFailure(new JobError(
                    "invalid_initial_adapter",
                    "the initial adapter " + id + " cannot be loaded: " + e.getMessage(),
                    "patchwork.initial_adapter"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the initial adapter " + id, e);
        }
    }
}
