package ai.patchwork.trainer.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.registry.store.GcReport;
import ai.patchwork.trainer.files.FileObject;
import ai.patchwork.trainer.files.FileStore;
import ai.patchwork.trainer.fixture.ReverseCodeTask;
import ai.patchwork.trainer.jobs.FineTuningJob;
import ai.patchwork.trainer.jobs.Hyperparameters;
import ai.patchwork.trainer.jobs.JobEvent;
import ai.patchwork.trainer.jobs.JobStatus;
import ai.patchwork.trainer.jobs.Lease;
import ai.patchwork.trainer.jobs.TrainingOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * No garbage is collected from under a job: a job interrupted after its first checkpoint, whose training file the
 * client deleted, waits through two hours of collector cycles (time simulated by ageing the artifact rows) and is then
 * resumed by another worker, which still finds its tokenized data and checkpoint. Garbage beside it is collected.
 */
class IdleCollectorTest {
    private static final String P = "proj_default";

    static final ReverseCodeTask TASK = new ReverseCodeTask(42, 80);
    final TrainerTestBed bed = TrainerTestBed.shared();
    final JdbcClient jdbc = JdbcClient.create(bed.dataSource);

    /** Once in {@code ./patchwork test}; {@code -Dpatchwork.fault-repeats=5} runs it five times. */
    @ParameterizedTest(name = "run {0}")
    @MethodSource("ai.patchwork.testsupport.faults.FaultRepeats#runs")
    void aJobResumedAfterTwoHoursOfCollectorCyclesStillFindsItsInputs(int run) throws Exception {
        // given a job trained up to its first checkpoint (step 5 of 20), then taken from its worker
        FileObject train = bed.files.upload(
                P, FileStore.FINE_TUNE, "train.jsonl", TrainerTestBed.temp(TASK.trainingJsonl(60)), null);
        FineTuningJob job = bed.jobs.create(
                P,
                JobCommands.supervised(
                        train.id(),
                        null,
                        "idle",
                        new Hyperparameters(2, 4, null),
                        TrainingOptions.builder()
                                .maxSteps(20)
                                .checkpointInterval(5)
                                .progressInterval(1)
                                .build()));
        Lease validate = bed.queue.claim(TrainerTestBed.worker("worker-first")).orElseThrow();
        bed.runner.run(validate);
        Lease first = bed.queue.claim(TrainerTestBed.worker("worker-first")).orElseThrow();
        assertEquals(job.id(), first.jobId());
        CompletableFuture<Void> training = CompletableFuture.runAsync(() -> bed.runner.run(first));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (checkpoints(job.id()) == 0) {
            assertTrue(System.nanoTime() < deadline, "no checkpoint: " + messages(job.id()));
            Thread.sleep(20);
        }
        jdbc.sql("UPDATE fine_tuning_jobs SET claimed_by = 'worker-gone', attempts = attempts + 1, "
                        + "lease_expires_at = now() - interval '1 second' WHERE id = ?")
                .param(job.id())
                .update();
        training.get(60, TimeUnit.SECONDS);

        // and the client deleted the training file, and uploaded and deleted another one (garbage)
        bed.files.delete(P, train.id());
        FileObject garbage = bed.files.upload(
                P, FileStore.FINE_TUNE, "other.jsonl", TrainerTestBed.temp(TASK.trainingJsonl(3)), null);
        bed.files.delete(P, garbage.id());

        // when the collector (grace 1 h) runs every 5 minutes for 2 hours
        int collected = 0;
        for (int cycle = 0; cycle < 24; cycle++) {
            jdbc.sql("UPDATE artifacts SET last_referenced_at = last_referenced_at - interval '5 minutes'")
                    .update();
            GcReport report = bed.registry.collectGarbage(Duration.ofHours(1));
            collected += report.collected();
        }
        assertTrue(collected >= 1, "the collector collected nothing");
        assertEquals(
                1,
                jdbc.sql("SELECT count(*) FROM artifacts WHERE sha256 = ? AND collected_at IS NOT NULL")
                        .param(sha(garbage.id()))
                        .query(Integer.class)
                        .single(),
                "the deleted file's bytes were collected");

        // then another worker resumes the job from its checkpoint and finishes it
        Lease second = bed.queue.claim(TrainerTestBed.worker("worker-second")).orElseThrow();
        assertEquals(job.id(), second.jobId());
        bed.runner.run(second);
        FineTuningJob done = bed.jobs.get(P, job.id());
        assertEquals(JobStatus.SUCCEEDED, done.status(), done.error() + " " + messages(job.id()));
        assertTrue(
                messages(job.id()).stream().anyMatch(m -> m.startsWith("Resumed from the checkpoint at step 5")),
                messages(job.id()).toString());
    }

    /** Leaves no job claimable for the next test: tests share the database and its queue. */
    @BeforeEach
    @AfterEach
    void finishLeftovers() {
        jdbc.sql("UPDATE fine_tuning_jobs SET status = 'cancelled', cancel_requested = true, claimed_by = NULL, "
                        + "lease_expires_at = NULL WHERE status NOT IN ('succeeded', 'failed', 'cancelled')")
                .update();
    }

    private int checkpoints(String jobId) {
        return jdbc.sql("SELECT count(*) FROM fine_tuning_checkpoints WHERE job_id = ?")
                .param(jobId)
                .query(Integer.class)
                .single();
    }

    private String sha(String fileId) {
        return jdbc.sql("SELECT artifact_sha256 FROM files WHERE id = ?")
                .param(fileId)
                .query(String.class)
                .single();
    }

    private List<String> messages(String jobId) {
        return bed.jobs.events(P, jobId, 1000, null).data().stream()
                .map(JobEvent::message)
                .toList();
    }
}
