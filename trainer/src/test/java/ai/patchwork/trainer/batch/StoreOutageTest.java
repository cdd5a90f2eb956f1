package ai.patchwork.trainer.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.registry.Adapter;
import ai.patchwork.registry.store.StoreSettings;
import ai.patchwork.testsupport.services.RestartableS3;
import ai.patchwork.trainer.files.FileStore;
import ai.patchwork.trainer.fixture.ReverseCodeTask;
import ai.patchwork.trainer.jobs.FineTuningJob;
import ai.patchwork.trainer.jobs.Hyperparameters;
import ai.patchwork.trainer.jobs.JobEvent;
import ai.patchwork.trainer.jobs.JobSettings;
import ai.patchwork.trainer.jobs.JobStatus;
import ai.patchwork.trainer.jobs.Lease;
import ai.patchwork.trainer.jobs.TrainingOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The object store is stopped for 30 s while a job trains (the S3 server itself, restarted afterwards on the same port
 * over the same storage). The job waits for it ({@link StoreRetry}) instead of failing, and ends with an adapter that
 * loads and is byte for byte the adapter of the same job run without an outage.
 */
class StoreOutageTest {
    private static final String P = "proj_default";
    private static final Duration OUTAGE = Duration.ofSeconds(30);

    static final ReverseCodeTask TASK = new ReverseCodeTask(42, 80);

    @ParameterizedTest(name = "run {0}")
    @MethodSource("ai.patchwork.testsupport.faults.FaultRepeats#runs")
    void aJobWaitsOutAStoppedObjectStoreAndEndsWithTheAdapterOfAnUninterruptedRun(int run) throws Exception {
        try (RestartableS3 s3 = RestartableS3.create()) {
            TrainerTestBed bed = TrainerTestBed.on(
                    new StoreSettings(s3.endpoint(), s3.accessKey(), s3.secretKey(), s3.region(), "outage-test"));
            try {
                JdbcClient jdbc = JdbcClient.create(bed.dataSource);
                String file = bed.files
                        .upload(
                                P,
                                FileStore.FINE_TUNE,
                                "train.jsonl",
                                TrainerTestBed.temp(TASK.trainingJsonl(48)),
                                null)
                        .id();

                // given a job training on a worker, past its first checkpoint
                FineTuningJob job = create(bed, file, "outage");
                CompletableFuture<Void> running = CompletableFuture.runAsync(() -> runToTheEnd(bed, "worker-a"));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
                while (jdbc.sql("SELECT count(*) FROM fine_tuning_checkpoints WHERE job_id = ?")
                                .param(job.id())
                                .query(Integer.class)
                                .single()
                        == 0) {
                    assertTrue(System.nanoTime() < deadline, "no checkpoint: " + messages(bed, job.id()));
                    Thread.sleep(10);
                }

                // when the object store stops for 30 s and then starts again on the same port and storage
                s3.stop();
                Thread.sleep(OUTAGE.toMillis());
                FineTuningJob during = bed.jobs.get(P, job.id());
                assertEquals(JobStatus.RUNNING, during.status(), "while the store was down: " + during.error());
                s3.start();

                // then the job carries on where it waited and succeeds
                running.get(300, TimeUnit.SECONDS);
                FineTuningJob done = bed.jobs.get(P, job.id());
                assertEquals(JobStatus.SUCCEEDED, done.status(), done.error() + " " + messages(bed, job.id()));

                // with the adapter an uninterrupted run of the same job makes, which loads
                FineTuningJob twin = create(bed, file, "uninterrupted");
                runToTheEnd(bed, "worker-b");
                Adapter adapter = bed.registry.getReady(P, done.fineTunedModel());
                Adapter expected =
                        bed.registry.getReady(P, bed.jobs.get(P, twin.id()).fineTunedModel());
                assertEquals(
                        expected.sha256(), adapter.sha256(), "the adapter's weights differ from an uninterrupted run");
                Path dir = bed.registry.writePeftFolder(adapter, Files.createTempDirectory("outage-adapter-"));
                AdapterWeights weights = AdapterWeights.load(
                        adapter.name(),
                        dir,
                        bed.baseModels.require(TrainerTestBed.BASE).config());
                assertEquals(adapter.rank(), weights.rank());
            } finally {
                bed.context.close();
            }
        }
    }

    private static FineTuningJob create(TrainerTestBed bed, String file, String suffix) {
        TrainingOptions options = TrainingOptions.builder()
                .maxSteps(24)
                .checkpointInterval(4)
                .progressInterval(1)
                .build();
        return bed.jobs.create(
                P,
                new JobSettings(
                        TrainerTestBed.BASE,
                        file,
                        null,
                        suffix,
                        5,
                        Map.of(),
                        new Hyperparameters(2, 4, null),
                        options,
                        null,
                        null,
                        JsonMapper.shared().createArrayNode()));
    }

    /** Validates the next job in the queue, then claims it again and runs it to its end. */
    private static void runToTheEnd(TrainerTestBed bed, String worker) {
        Lease validate = bed.queue.claim(TrainerTestBed.worker(worker)).orElseThrow();
        bed.runner.run(validate);
        Lease train = bed.queue.claim(TrainerTestBed.worker(worker)).orElseThrow();
        bed.runner.run(train);
    }

    private static List<String> messages(TrainerTestBed bed, String jobId) {
        return bed.jobs.events(P, jobId, 1000, null).data().stream()
                .map(JobEvent::message)
                .toList();
    }
}
