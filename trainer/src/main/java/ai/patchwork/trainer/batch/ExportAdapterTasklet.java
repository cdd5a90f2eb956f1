package ai.patchwork.trainer.batch;

import ai.patchwork.model.lora.AdapterWriter;
import ai.patchwork.registry.BaseModels;
import ai.patchwork.trainer.files.FileObject;
import ai.patchwork.trainer.files.FileStore;
import ai.patchwork.trainer.jobs.FineTuningJob;
import ai.patchwork.trainer.jobs.JobProgress;
import ai.patchwork.trainer.train.TrainingCheckpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
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
final class ExportAdapterTasklet implements Tasklet {

    static final String ADAPTER_ZIP = "patchwork.adapter_zip";
    static final String RESULTS_FILE = "patchwork.results_file";

    private final JobRun run;
    private final JobProgress progress;
    private final BaseModels baseModels;
    private final FileStore files;
    private final Blobs blobs;
    private final ResultsCsv results;

    ExportAdapterTasklet(
            JobRun run, JobProgress progress, BaseModels baseModels, FileStore files, Blobs blobs, ResultsCsv results) {
        this.run = run;
        this.progress = progress;
        this.baseModels = baseModels;
        this.files = files;
        this.blobs = blobs;
        this.results = results;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws IOException {
        FineTuningJob job = progress.job(run.jobId());
        ExecutionContext jobContext = JobRun.jobContext(chunkContext);
        String sha = jobContext.getString(TrainingControl.FINAL_CHECKPOINT);
        TrainingCheckpoint last = blobs.read(
                sha,
                "the final checkpoint",
                in -> TrainingCheckpoint.read(
                        in, baseModels.require(job.model()).config()));
        FiniteAdapter.require(last.adapter()); // before anything is written
        Path dir = Files.createTempDirectory("patchwork-export-");
        try {
            AdapterWriter.write(last.adapter(), dir);
            jobContext.putString(ADAPTER_ZIP, blobs.put("the adapter", out -> zip(dir, out)));
        } finally {
            delete(dir);
        }
        byte[] metrics = results.csv(job.id(), job.reinforcement() != null).getBytes(StandardCharsets.UTF_8);
        FileObject csv = blobs.retry()
                .call(
                        "storing the metrics file",
                        () -> files.storeOutput(job.id(), FileStore.RESULTS, job.id() + "-results.csv", metrics));
        jobContext.putString(RESULTS_FILE, csv.id());
        progress.info(
                run.lease(),
                "Exported the PEFT adapter (rank " + last.adapter().config().rank() + ") and the metrics file "
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

    private static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
