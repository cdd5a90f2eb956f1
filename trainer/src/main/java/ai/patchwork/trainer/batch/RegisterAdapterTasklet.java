package ai.patchwork.trainer.batch;

import ai.patchwork.registry.Adapter;
import ai.patchwork.registry.AdapterFiles;
import ai.patchwork.registry.AdapterLineage;
import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.AdapterUpload;
import ai.patchwork.trainer.jobs.FineTunedModelName;
import ai.patchwork.trainer.jobs.FineTuningJob;
import ai.patchwork.trainer.jobs.JobProgress;
import ai.patchwork.trainer.jobs.LeaseLostException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Step 5: registers the exported adapter under the job's fine-tuned model name, with the job as its lineage, and
 * marks the job succeeded: from then on serving resolves the name. Idempotent: a restart after a crash finds the
 * adapter already registered for this job. If the job was cancelled meanwhile, the adapter is deleted again.
 */
record RegisterAdapterTasklet(HeldJob held, AdapterRegistry registry, Blobs blobs, JdbcClient jdbc) implements Tasklet {

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws IOException {
        FineTuningJob job = held.job();
        JobProgress progress = held.progress();
        ExecutionContext jobContext = JobRun.jobContext(chunkContext);
        Optional<String> existing = jdbc.sql("SELECT id FROM adapters WHERE fine_tuning_job = ? AND status = 'ready'")
                .param(job.id())
                .query(String.class)
                .optional();
        if (existing.isEmpty() && !progress.holds(held.lease())) throw new LeaseLostException(held.lease());
        Adapter adapter = existing.isPresent() ? registry.get(existing.get()) : register(job, jobContext);
        long trained = jobContext.getLong("patchwork.trained_tokens");
        if (!progress.succeeded(
                held.lease(),
                adapter.id(),
                trained,
                List.of(jobContext.getString(ExportAdapterTasklet.RESULTS_FILE)),
                List.of("New fine-tuned model created: " + adapter.name(), "The job has successfully completed"))) {
            // cancelled, or taken over by another worker (which registers its own): this version must not stay
            registry.delete(adapter.id());
            held.warn("The job was cancelled while its adapter was being registered; the adapter was deleted", null);
        }
        return RepeatStatus.FINISHED;
    }

    private Adapter register(FineTuningJob job, ExecutionContext jobContext) throws IOException {
        Path zip = Files.createTempFile("patchwork-adapter-", ".zip");
        try {
            String sha = jobContext.getString(ExportAdapterTasklet.ADAPTER_ZIP);
            blobs.read(sha, "the exported adapter", in -> Files.copy(in, zip, StandardCopyOption.REPLACE_EXISTING));
            Map<String, Object> hyper = new LinkedHashMap<>();
            hyper.put("n_epochs", job.hyperparameters().nEpochs());
            hyper.put("batch_size", job.hyperparameters().batchSize());
            hyper.put("learning_rate_multiplier", job.hyperparameters().learningRateMultiplier());
            hyper.put("lora_r", job.options().loraRank());
            hyper.put("lora_alpha", job.options().loraAlpha());
            hyper.put("method", job.reinforcement() == null ? "supervised" : "reinforcement");
            if (job.reinforcement() != null) {
                hyper.put("grader", job.reinforcement().grader().path("type").asString());
                hyper.put("initial_adapter", job.reinforcement().initialAdapter());
            }
            String name = FineTunedModelName.of(job.model(), job.suffix(), job.id());
            AdapterUpload upload = new AdapterUpload(
                    name,
                    job.model(),
                    new AdapterFiles.Archive(zip, "adapter.zip"),
                    AdapterLineage.fineTuning(job.id(), job.trainingFile(), hyper));
            // the registry stores the weights before it writes a row, so a call the store broke off can run again
            return blobs.retry().call("registering the adapter", () -> registry.register(upload));
        } finally {
            Files.deleteIfExists(zip);
        }
    }
}
