package ai.patchwork.api.finetuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.TaskModelServices;
import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.testsupport.faults.FaultRepeats;
import ai.patchwork.testsupport.services.TestPostgres;
import ai.patchwork.testsupport.services.TestS3;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import ai.patchwork.trainer.fixture.ReverseCodeTask;
import ai.patchwork.trainer.worker.TrainerWorker;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * A worker process is killed (SIGKILL) in the middle of an object store call of each phase that writes to the store:
 * uploading a checkpoint, exporting the adapter, registering it (after its weights were uploaded, before the adapter
 * row exists). The process reaches S3 through an {@link S3Gate}, which holds each request until the test has looked at
 * the job, so the kill lands in the phase every time. The test application's worker takes the job over; it ends with
 * exactly one adapter version, which serves, and, once the collector ran, every object in the bucket belongs to a live
 * artifact row: nothing the killed worker started is left behind.
 *
 * <p>Each phase runs once in {@code ./patchwork test}; {@code -Dpatchwork.fault-repeats=5} runs each five times.
 */
@FineTuningApiTest
class WorkerKillTest {

    static final ReverseCodeTask TASK = new ReverseCodeTask(42, 80);

    /** Where in the job the worker is killed. */
    enum Phase {
        CHECKPOINT_UPLOAD,
        EXPORT,
        REGISTRATION
    }

    @LocalServerPort
    int port;

    @Autowired
    TrainerWorker localWorker;

    @Autowired
    AdapterRegistry registry;

    final JdbcClient jdbc = JdbcClient.create(TestPostgres.shared().dataSource());

    static Stream<Arguments> kills() {
        return Stream.of(Phase.values()).flatMap(p -> FaultRepeats.runs().mapToObj(i -> Arguments.of(p, i)));
    }

    @ParameterizedTest(name = "killed during {0} (run {1})")
    @MethodSource("kills")
    void aWorkerKilledInAStoreCallLeavesOneAdapterAndNoOrphanObjects(Phase phase, int run) throws Exception {
        long start = System.nanoTime();
        FineTuningClient client = new FineTuningClient(port);
        String training =
                client.trainingFile(ReverseCodeTask.jsonl(TASK.trainingCodes().subList(0, 48)));
        // a seed of its own: a run whose weights were stored before would find its objects there and upload nothing
        int seed = ThreadLocalRandom.current().nextInt(1_000_000);
        String id;
        String killedIn;
        localWorker.drain();
        try (S3Gate gate = new S3Gate(TestS3.shared().endpoint());
                WorkerProcess doomed = WorkerProcess.start("worker-killed-" + run, gate.endpoint())) {
            // given a job that only the worker process can take: 12 steps, a checkpoint every 4
            ApiClient.Response created = client.createJob("""
          {"model": "%s", "training_file": "%s", "suffix": "kill", "seed": %d,
           "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2, "batch_size": 8}}},
           "patchwork": {"checkpoint_interval": 4, "progress_interval": 1}}""".formatted(TaskModelServices.BASE, training, seed));
            assertEquals(200, created.status(), created.text());
            id = created.json().path("id").asString();

            // when the worker process is killed while its request of that phase is in flight
            try {
                killedIn = killDuring(phase, gate, client, id, doomed);
            } catch (AssertionError | RuntimeException e) {
                // the next run must not find this job first in the queue
                client.http.post("/v1/fine_tuning/jobs/" + id + "/cancel", "application/json", "{}");
                throw e;
            }
            System.out.printf("kill test: %s, run %d: killed the worker during %s%n", phase, run, killedIn);
        } finally {
            localWorker.resume();
        }

        // then the application's worker takes the job over and finishes it
        JsonNode done = client.awaitStatus(id, Set.of("succeeded", "failed", "cancelled"), Duration.ofSeconds(300));
        assertEquals("succeeded", done.path("status").asString(), done + " " + client.messages(id));
        assertTrue(
                client.messages(id)
                        .contains("The previous worker stopped responding; restarting from the last checkpoint"),
                client.messages(id).toString());

        // with exactly one adapter version, which serves
        assertEquals(
                1,
                jdbc.sql("SELECT count(*) FROM adapters WHERE fine_tuning_job = ?")
                        .param(id)
                        .query(Integer.class)
                        .single(),
                "adapter versions of the job");
        String model = done.path("fine_tuned_model").asString();
        ApiClient.Response answer = new ApiClient(port)
                .postJson("/v1/chat/completions", """
        {"model": "%s", "max_tokens": 4, "messages": [{"role": "user", "content": "%s"}]}""".formatted(model, ReverseCodeTask.prompt("ab12")));
        assertEquals(200, answer.status(), answer.text());

        // and the job's checkpoints and adapter are stored, and nothing else of it once the collector ran
        registry.collectGarbage(Duration.ZERO);
        Set<String> bucket = new TreeSet<>(TestS3.shared().keys(PatchworkTestServices.BUCKET));
        Set<String> live = new TreeSet<>(jdbc.sql("SELECT object_key FROM artifacts WHERE collected_at IS NULL")
                .query(String.class)
                .list());
        Set<String> orphans = new TreeSet<>(bucket);
        orphans.removeAll(live);
        assertEquals(Set.of(), orphans, "objects in the bucket without a live artifact row");
        List<String> kept = jdbc.sql("""
        SELECT a.object_key FROM artifacts a WHERE a.sha256 IN (
          SELECT artifact_sha256 FROM adapters WHERE fine_tuning_job = ?
          UNION SELECT artifact_sha256 FROM fine_tuning_checkpoints WHERE job_id = ?)""").params(id, id).query(String.class).list();
        assertTrue(kept.size() >= 2, "the adapter and a checkpoint: " + kept);
        for (String key : kept) assertTrue(bucket.contains(key), key + " is referenced but not in the bucket");
        System.out.printf(
                "kill test: %s, run %d: one adapter, %d objects, no orphans, %d ms%n",
                phase, run, bucket.size(), (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * Lets the worker's object store requests through one by one until the one of {@code phase} comes, and kills the
     * worker while that one is held. Returns the request.
     */
    private static String killDuring(Phase phase, S3Gate gate, FineTuningClient client, String id, WorkerProcess worker)
            throws Exception {
        boolean uploadedAfterExport = false;
        // generous: a worker process starts in 15 s on a quiet machine, in minutes on a loaded one
        long deadline = System.nanoTime() + Duration.ofSeconds(600).toNanos();
        while (System.nanoTime() < deadline) {
            if (!worker.alive()) fail("the worker process exited:\n" + worker.logTail());
            S3Gate.Held request = gate.next(Duration.ofSeconds(300))
                    .orElseThrow(() -> new AssertionError(worker.diagnose("no object store request within 300 s; "
                            + gate.state() + "; events " + client.messages(id))));
            List<String> messages = client.messages(id);
            boolean trained = !client.progress(id).isEmpty();
            boolean finished = messages.stream().anyMatch(m -> m.startsWith("Training finished"));
            boolean exported = messages.stream().anyMatch(m -> m.startsWith("Exported the PEFT adapter"));
            boolean put = request.method.equals("PUT");
            boolean reached = switch (phase) {
                // a checkpoint's weights on their way to the store
                case CHECKPOINT_UPLOAD -> put && trained && !finished;
                // the adapter zip on its way to the store
                case EXPORT -> put && finished && !exported;
                // the adapter's weights are stored (this is the check of their stored length), its row not yet written
                case REGISTRATION -> request.method.equals("HEAD") && uploadedAfterExport;
            };
            if (reached) {
                worker.kill();
                return request.toString();
            }
            if (put && exported) uploadedAfterExport = true;
            request.release();
        }
        fail(worker.diagnose("the worker did not reach " + phase + ": " + client.messages(id) + "; " + gate.state()));
        return null;
    }
}
