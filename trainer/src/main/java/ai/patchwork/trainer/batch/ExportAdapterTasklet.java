package ai.patchwork.trainer.batch;

import ai.patchwork.model.lora.AdapterWriter;
import ai.patchwork.registry.BaseModels;
import ai.patchwork.registry.store.ScratchDir;
import ai.patchwork.trainer.files.FileObject;
import ai.patchwork.trainer.files.FileStore;
import ai.patchwork.trainer.jobs.FineTuningJob;
import ai.patchwork.trainer.train.TrainingCheckpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Step 4: the final weights as a PEFT adapter ({@code adapter_config.json} + {@code adapter_model.safetensors}, the
 * layout PEFT and vLLM load) stored as a zip in the object store, and the job's metrics as a
 * {@code fine-tune-results} CSV file. Weights holding NaN or an infinity fail the job here, before anything is
 * exported, so no adapter version is registered.
 */
record ExportAdapterTasklet(HeldJob held, BaseModels baseModels, FileStore files, Blobs blobs, ResultsCsv results)
        implements Tasklet {

    static final String ADAPTER_ZIP = "patchwork.adapter_zip";
    static final String RESULTS_FILE = "patchwork.results_file";

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws IOException {
        FineTuningJob job = held.job();
        ExecutionContext jobContext = JobRun.jobContext(chunkContext);
        String sha = jobContext.getString(TrainingControl.FINAL_CHECKPOINT);
        TrainingCheckpoint last = blobs.read(
                sha,
                "the final checkpoint",
                in -> TrainingCheckpoint.read(
                        in, baseModels.require(job.model()).config()));
        FiniteAdapter.require(last.adapter()); // before anything is written
        try (ScratchDir dir = ScratchDir.create("patchwork-export-")) {
            AdapterWriter.write(last.adapter(), dir.path());
            jobContext.putString(ADAPTER_ZIP, blobs.put("the adapter", out -> zip(dir.path(), out)));
        }
        byte[] metrics = results.csv(job.id(), job.reinforcement() != null).getBytes(StandardCharsets.UTF_8);
        FileObject csv = blobs.retry()
                .call(
                        "storing the metrics file",
                        () -> files.storeOutput(job.id(), FileStore.RESULTS, job.id() + "-results.csv", metrics));
        jobContext.putString(RESULTS_FILE, csv.id());
        held.info("Exported the PEFT adapter (rank " + last.adapter().config().rank() + ") and the metrics file "
                + csv.id());
        return RepeatStatus.FINISHED;
    }

    private static void zip(Path dir, OutputStream out) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        for (String name : new String[] {"adapter_config.json", "adapter_model.safetensors"}) {
            zip.putNextEntry(new ZipEntry(name));
            Files.copy(dir.resolve(name), zip);
            zip.closeEntry();
        }
        zip.finish();
    }
}
