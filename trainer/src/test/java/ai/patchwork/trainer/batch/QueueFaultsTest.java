package ai.patchwork.trainer.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.trainer.files.FileObject;
import ai.patchwork.trainer.files.FileStore;
import ai.patchwork.trainer.fixture.ReverseCodeTask;
import ai.patchwork.trainer.jobs.FineTuningJob;
import ai.patchwork.trainer.jobs.Hyperparameters;
import ai.patchwork.trainer.jobs.JobError;
import ai.patchwork.trainer.jobs.JobEvent;
import ai.patchwork.trainer.jobs.JobProgress;
import ai.patchwork.trainer.jobs.JobStatus;
import ai.patchwork.trainer.jobs.Lease;
import ai.patchwork.trainer.jobs.LeaseLostException;
import ai.patchwork.trainer.jobs.TrainingOptions;
import ai.patchwork.trainer.worker.JobQueue;
import ai.patchwork.trainer.worker.JobRunner;
import ai.patchwork.trainer.worker.TrainerWorker;
import ai.patchwork.trainer.worker.WorkerSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Jobs that cannot poison the queue: a retry limit on claims without progress, an {@link Error} that does not end
 * the worker's loop, a watchdog that gives up the lease of a hung job, and fencing of every write by the lease.
 */
class QueueFaultsTest {
    private static final String P = "proj_default";

    static final ReverseCodeTask TASK = new ReverseCodeTask(42, 80);
    final TrainerTestBed bed = TrainerTestBed.shared();
    final JdbcClient jdbc = JdbcClient.create(bed.dataSource);
    final JobProgress progress = bed.context.getBean(JobProgress.class);

    FineTuningJob create(String suffix, int maxSteps) {
        String file = bed.files
                .upload(P, FileStore.FINE_TUNE, "train.jsonl", TrainerTestBed.temp(TASK.trainingJsonl(40)), null)
                .id();
        return bed.jobs.create(
                P,
                JobCommands.supervised(
                        file,
                        null,
                        suffix,
                        new Hyperparameters(1, 4, null),
                        TrainingOptions.builder()
                                .maxSteps(maxSteps)
                                .checkpointInterval(maxSteps)
                                .build()));
    }

    /** Leaves no job claimable for the next test: tests share the database and its queue. */
    @BeforeEach
    @AfterEach
    void finishLeftovers() {
        jdbc.sql("UPDATE fine_tuning_jobs SET status = 'cancelled', cancel_requested = true, claimed_by = NULL, "
                        + "lease_expires_at = NULL WHERE status NOT IN ('succeeded', 'failed', 'cancelled')")
                .update();
    }

    /** Lets the lease of {@code lease} run out, as if its worker died (no waiting: the clock moves for the row). */
    void expire(Lease lease) {
        jdbc.sql("UPDATE fine_tuning_jobs SET lease_expires_at = now() - interval '1 second' WHERE id = ?")
                .param(lease.jobId())
                .update();
    }

    List<String> messages(String jobId) {
        return bed.jobs.events(P, jobId, 1000, null).data().stream()
                .map(JobEvent::message)
                .toList();
    }

    /** Once in {@code ./patchwork test}; {@code -Dpatchwork.fault-repeats=5} runs it five times. */
    @ParameterizedTest(name = "run {0}")
    @MethodSource("ai.patchwork.testsupport.faults.FaultRepeats#runs")
    void aJobWhoseWorkersDieWithoutProgressFailsAfterTheLimitAndTheNextJobRunsToCompletion(int run) {
        FineTuningJob poison = create("poison", 4);
        FineTuningJob next = create("next", 4);
        WorkerSettings settings = TrainerTestBed.worker("worker-dies");

        // when three claims of the oldest job end with the worker gone (the lease simply runs out)
        for (int i = 1; i <= WorkerSettings.DEFAULT_MAX_CLAIMS; i++) {
            Lease lease = bed.queue.claim(settings).orElseThrow();
            assertEquals(poison.id(), lease.jobId(), "claim " + i);
            expire(lease);
        }

        // then the next claim fails it with a clear error and takes the job behind it
        Lease taken = bed.queue.claim(settings).orElseThrow();
        assertEquals(next.id(), taken.jobId());
        FineTuningJob failed = bed.jobs.get(P, poison.id());
        assertEquals(JobStatus.FAILED, failed.status());
        assertEquals(JobQueue.RETRY_LIMIT_CODE, failed.error().code());
        assertTrue(
                failed.error().message().contains("3 times in a row without making progress"),
                failed.error().message());
        assertTrue(messages(poison.id()).getFirst().startsWith("Fine-tuning job failed: The job stopped its worker 3"));

        // and the job behind it runs to completion (its files validated, then trained)
        bed.runner.run(taken);
        bed.runner.run(bed.queue.claim(settings).orElseThrow());
        FineTuningJob done = bed.jobs.get(P, next.id());
        assertEquals(JobStatus.SUCCEEDED, done.status(), done.error() + " " + messages(next.id()));
    }

    @Test
    void progressResetsTheCountOfClaimsWithoutProgress() {
        FineTuningJob job = create("progress", 4);
        WorkerSettings settings = TrainerTestBed.worker("worker-progress");
        for (int i = 0; i < 2 * WorkerSettings.DEFAULT_MAX_CLAIMS; i++) {
            Lease lease = bed.queue.claim(settings).orElseThrow();
            assertEquals(job.id(), lease.jobId(), "claim " + i);
            // a checkpoint stored: progress, so crashes after it start the count again
            progress.checkpoint(lease, i + 1, Map.of(), null);
            expire(lease);
        }
        assertEquals(JobStatus.VALIDATING_FILES, bed.jobs.get(P, job.id()).status());
    }

    @Test
    void aWorkerThatLostItsLeaseWritesNothing() {
        FineTuningJob job = create("fenced", 4);
        Lease paused = bed.queue.claim(TrainerTestBed.worker("worker-paused")).orElseThrow();
        expire(paused);
        Lease owner = bed.queue.claim(TrainerTestBed.worker("worker-owner")).orElseThrow();
        assertEquals(job.id(), owner.jobId());
        assertTrue(owner.token() > paused.token());
        progress.checkpoint(owner, 2, Map.of("by", "owner"), null);

        // when the paused worker wakes up and records what it did
        assertThrows(LeaseLostException.class, () -> progress.checkpoint(paused, 2, Map.of("by", "paused"), null));
        progress.info(paused, "written by the paused worker");
        progress.release(paused, JobStatus.QUEUED);
        assertFalse(progress.failed(paused, new JobError("x", "y", null)));
        assertFalse(progress.transition(paused, List.of(JobStatus.VALIDATING_FILES), JobStatus.RUNNING));
        assertEquals(JobProgress.Signal.LOST, progress.signal(paused));

        // then nothing of it is there: the owner's checkpoint, claim and status stand
        assertEquals(
                "owner",
                jdbc.sql("SELECT metrics->>'by' FROM fine_tuning_checkpoints WHERE job_id = ? " + "AND step_number = 2")
                        .param(job.id())
                        .query(String.class)
                        .single());
        assertFalse(messages(job.id()).contains("written by the paused worker"));
        assertEquals(
                "worker-owner",
                jdbc.sql("SELECT claimed_by FROM fine_tuning_jobs WHERE id = ?")
                        .param(job.id())
                        .query(String.class)
                        .single());
        assertEquals(JobStatus.VALIDATING_FILES, bed.jobs.get(P, job.id()).status());
        assertTrue(progress.holds(owner));
        assertEquals(JobProgress.Signal.CONTINUE, progress.signal(owner));
    }

    /** Once in {@code ./patchwork test}; {@code -Dpatchwork.fault-repeats=5} runs it five times. */
    @ParameterizedTest(name = "run {0}")
    @MethodSource("ai.patchwork.testsupport.faults.FaultRepeats#runs")
    void aJobThatThrowsAnErrorEveryTimeFailsAfterTheLimitWhileTheWorkerGoesOnWithOtherJobs(int run) throws Exception {
        FineTuningJob poison = create("oom", 4);
        FineTuningJob good = create("good", 4);
        JobRunner runner = new JobRunner() {
            @Override
            public void run(Lease lease) {
                if (lease.jobId().equals(poison.id())) throw new OutOfMemoryError("Java heap space (simulated)");
                bed.runner.run(lease);
            }

            @Override
            public void requestShutdown() {
                // the shared runner stays usable by the other tests
            }

            @Override
            public Instant lastProgress() {
                return bed.runner.lastProgress();
            }
        };
        TrainerWorker worker = new TrainerWorker(TrainerTestBed.worker("worker-oom"), bed.queue, runner);
        worker.start();
        try {
            await(
                    () -> bed.jobs.get(P, good.id()).status() == JobStatus.SUCCEEDED,
                    Duration.ofSeconds(120),
                    () -> messages(good.id()) + " / " + messages(poison.id()));
            FineTuningJob failed = bed.jobs.get(P, poison.id());
            assertEquals(JobStatus.FAILED, failed.status());
            assertEquals(JobQueue.RETRY_LIMIT_CODE, failed.error().code());
            assertEquals(
                    3,
                    messages(poison.id()).stream()
                            .filter(m -> m.contains("failed with java.lang.OutOfMemoryError"))
                            .count(),
                    messages(poison.id()).toString());
            assertTrue(worker.health().up(), worker.health().detail());
        } finally {
            worker.stop();
        }
    }

    @Test
    void theWatchdogGivesUpTheLeaseOfAHungJobAndTheWorkerReportsDown() throws Exception {
        FineTuningJob job = create("hung", 4);
        CountDownLatch hung = new CountDownLatch(1);
        CountDownLatch released = new CountDownLatch(1);
        JobRunner runner = new JobRunner() {
            @Override
            public void run(Lease lease) {
                hung.countDown();
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (released.getCount() > 0 && System.nanoTime() < end) {
                    try {
                        released.await(100, TimeUnit.MILLISECONDS); // a step that never returns, deaf to interrupts
                    } catch (InterruptedException e) {
                        // hung for real: an interrupt does not help
                    }
                }
            }

            @Override
            public void requestShutdown() {}

            @Override
            public Instant lastProgress() {
                return Instant.now().minusSeconds(60);
            }
        };
        WorkerSettings settings = new WorkerSettings(
                "worker-hung",
                Duration.ofSeconds(30),
                Duration.ofMillis(100),
                Duration.ofSeconds(30),
                Set.of(TrainerTestBed.BASE),
                3,
                Duration.ofSeconds(1));
        TrainerWorker worker = new TrainerWorker(settings, bed.queue, runner);
        worker.start();
        try {
            assertTrue(hung.await(10, TimeUnit.SECONDS));
            await(
                    () -> !worker.health().up(),
                    Duration.ofSeconds(5),
                    () -> worker.health().detail());
            await(
                    () -> messages(job.id()).stream().anyMatch(m -> m.contains("made no progress")),
                    Duration.ofSeconds(5),
                    () -> messages(job.id()).toString());
            assertTrue(
                    worker.health().detail().contains("made no progress"),
                    worker.health().detail());
            // the job is claimable again at once (no 30 s lease to wait out), by another worker
            Lease other = bed.queue.claim(TrainerTestBed.worker("worker-other")).orElseThrow();
            assertEquals(job.id(), other.jobId());
        } finally {
            released.countDown();
            worker.stop();
        }
    }

    @Test
    void anExportRunAgainAfterACrashFindsTheMetricsFileItStoredBefore() {
        FineTuningJob job = create("export-again", 4);
        byte[] csv = "step,train_loss\n1,0.5\n".getBytes(StandardCharsets.UTF_8);
        String name = job.id() + "-results.csv";

        // the export step stored its metrics file, then its worker died before the step completed; it runs again
        FileObject first = bed.files.storeOutput(job.id(), FileStore.RESULTS, name, csv);
        FileObject again = bed.files.storeOutput(job.id(), FileStore.RESULTS, name, csv);

        // one file, not an orphan beside the one the job names
        assertEquals(first.id(), again.id());
        assertEquals(
                1,
                jdbc.sql("SELECT count(*) FROM files WHERE filename = ? AND status <> 'deleted'")
                        .param(name)
                        .query(Integer.class)
                        .single());
    }

    static void await(BooleanSupplier condition, Duration timeout, Supplier<String> state) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out; " + state.get());
            Thread.sleep(50);
        }
    }
}
