package ai.patchwork.api.finetuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.TaskModelServices;
import ai.patchwork.trainer.fixture.ReverseCodeTask;
import ai.patchwork.trainer.worker.TrainerWorker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * A worker process is killed mid-training (SIGKILL, like a crashed machine); its lease expires, the test
 * application's own worker claims the job, Spring Batch restarts the execution, and training resumes from the last
 * checkpoint instead of step 0. The resumed adapter is as good as an uninterrupted one.
 */
@FineTuningApiTest
class WorkerCrashTest {

    static final ReverseCodeTask TASK = new ReverseCodeTask(42, 80);

    @LocalServerPort
    int port;

    @Autowired
    TrainerWorker localWorker;

    @Test
    void aKilledWorkersJobIsResumedFromItsLastCheckpointByAnother() throws Exception {
        FineTuningClient client = new FineTuningClient(port);
        String training =
                client.trainingFile(ReverseCodeTask.jsonl(TASK.trainingCodes().subList(0, 400)));
        String validation = client.trainingFile(ReverseCodeTask.jsonl(FineTuningEndToEndTest.VALID));
        String id;
        localWorker.drain();
        try (WorkerProcess doomed = WorkerProcess.start("worker-doomed")) {
            // given a job that only the worker process can take, with a checkpoint every 25 steps
            ApiClient.Response created =
                    client.createJob(FineTuningEndToEndTest.jobRequest(training, validation, "crash", 25));
            assertEquals(200, created.status(), created.text());
            id = created.json().path("id").asString();

            // when the worker process has trained past its first checkpoint, and is killed
            int step = doomed.awaitProgress(client, id, 40, Duration.ofSeconds(120));
            doomed.kill();
            System.out.println("crash test: killed the worker process at step " + step + " or later");
        } finally {
            localWorker.resume();
        }

        // then, once its lease expired, the local worker takes the job over and resumes from a checkpoint
        JsonNode done = client.awaitStatus(id, Set.of("succeeded", "failed", "cancelled"), Duration.ofSeconds(150));
        assertEquals("succeeded", done.path("status").asString(), done.toString());
        JsonNode resumed = client.events(id).stream()
                .filter(e -> e.path("data").has("resumed_from_step"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no resume event in " + client.messages(id)));
        int from = resumed.path("data").path("resumed_from_step").asInt();
        System.out.println("crash test: " + resumed.path("message").asString());
        assertTrue(from > 0 && from % 25 == 0 && from < 150, "resumed from step " + from);
        assertEquals("worker-in-test", resumed.path("data").path("worker").asString());
        List<String> messages = client.messages(id);
        assertTrue(messages.stream().anyMatch(m -> m.contains("worker worker-doomed")), messages.toString());
        assertTrue(
                messages.contains("The previous worker stopped responding; restarting from the last checkpoint"),
                messages.toString());

        // and the adapter meets the same bar as an uninterrupted run
        double tuned = client.exactMatch(done.path("fine_tuned_model").asString(), FineTuningEndToEndTest.EVAL);
        System.out.printf("crash test: resumed from step %d, fine-tuned exact match %.2f%n", from, tuned);
        assertTrue(tuned >= 0.9, "fine-tuned exact match " + tuned);
    }

    @Test
    void aWorkerThatIsStoppedHandsItsJobBackAndAnotherFinishesItFromTheCheckpoint() throws Exception {
        FineTuningClient client = new FineTuningClient(port);
        String training =
                client.trainingFile(ReverseCodeTask.jsonl(TASK.trainingCodes().subList(0, 200)));
        String id;
        localWorker.drain();
        try (WorkerProcess stopping = WorkerProcess.start("worker-stopping")) {
            // given a job that only the worker process can take, checkpointed every 10 steps
            ApiClient.Response created = client.createJob("""
          {"model": "%s", "training_file": "%s", "suffix": "stop", "seed": 5,
           "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3, "batch_size": 16}}},
           "patchwork": {"checkpoint_interval": 10, "progress_interval": 1}}""".formatted(TaskModelServices.BASE, training));
            assertEquals(200, created.status(), created.text());
            id = created.json().path("id").asString();

            // when the worker process is stopped (SIGTERM) after its first checkpoint
            stopping.awaitProgress(client, id, 12, Duration.ofSeconds(120));
            stopping.stop();
        } finally {
            localWorker.resume();
        }

        // then it handed the job back at once (no lease to wait out); the local worker may already have taken it
        List<String> handedBack = client.messages(id);
        assertTrue(
                handedBack.stream().anyMatch(m -> m.startsWith("The worker shut down at step")), handedBack.toString());

        // and the application's worker resumes it from the checkpoint, running, and finishes it
        JsonNode done = client.awaitStatus(id, Set.of("succeeded", "failed", "cancelled"), Duration.ofSeconds(120));
        assertEquals("succeeded", done.path("status").asString(), done.toString());
        List<String> messages = client.messages(id);
        assertTrue(
                messages.stream()
                        .anyMatch(m ->
                                m.startsWith("Resumed from the checkpoint at step") && m.contains("worker-in-test")),
                messages.toString());
    }

    /** Once in {@code ./patchwork test}; {@code -Dpatchwork.fault-repeats=5} runs it five times. */
    @ParameterizedTest(name = "run {0}")
    @MethodSource("ai.patchwork.testsupport.faults.FaultRepeats#runs")
    void aPausedWorkerThatLostItsLeaseWritesNothingWhenItWakesUp(int run) throws Exception {
        FineTuningClient client = new FineTuningClient(port);
        String training =
                client.trainingFile(ReverseCodeTask.jsonl(TASK.trainingCodes().subList(0, 200)));
        localWorker.drain();
        try (WorkerProcess paused = WorkerProcess.start("worker-paused-" + run)) {
            String id;
            int pausedAt;
            try {
                // given a job trained by the worker process, checkpointed every 10 steps
                ApiClient.Response created = client.createJob("""
            {"model": "%s", "training_file": "%s", "suffix": "pause", "seed": 5,
             "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3, "batch_size": 16}}},
             "patchwork": {"checkpoint_interval": 10, "progress_interval": 1}}""".formatted(TaskModelServices.BASE, training));
                assertEquals(200, created.status(), created.text());
                id = created.json().path("id").asString();

                // when the process is frozen (SIGSTOP) past its first checkpoint, like a long GC pause
                pausedAt = paused.awaitProgress(client, id, 12, Duration.ofSeconds(120));
                paused.pause();
            } finally {
                localWorker.resume();
            }

            // and the local worker takes the job over once the lease expired and trains on past where it was paused
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (maxStepAfterResume(client, id) < pausedAt + 3) {
                if (System.nanoTime() > deadline)
                    fail(paused.diagnose("the job was not taken over: " + client.messages(id)));
                Thread.sleep(100);
            }

            // and then the frozen worker runs on (SIGCONT) in the middle of what it was doing
            paused.unpause();
            long stopped = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!paused.logged("lease lost, another worker holds the job now")) {
                if (System.nanoTime() > stopped) fail(paused.diagnose("the paused worker did not stop"));
                Thread.sleep(100);
            }

            // then it stopped without writing: after the takeover only the new owner's steps appear, in order
            JsonNode done = client.awaitStatus(id, Set.of("succeeded", "failed", "cancelled"), Duration.ofSeconds(120));
            assertEquals("succeeded", done.path("status").asString(), done.toString());
            List<Integer> steps = stepsAfterResume(client, id);
            for (int i = 1; i < steps.size(); i++) {
                assertTrue(steps.get(i) > steps.get(i - 1), "steps after the takeover " + steps);
            }
            System.out.println("pause test: paused at step " + pausedAt + ", new owner's steps " + steps);
        }
    }

    /** The training steps reported since the last resume, oldest first. */
    private static List<Integer> stepsAfterResume(FineTuningClient client, String id) {
        List<JsonNode> events = new ArrayList<>(client.events(id));
        Collections.reverse(events);
        List<Integer> steps = new ArrayList<>();
        for (JsonNode e : events) {
            if (e.path("data").has("resumed_from_step")) steps.clear();
            else if (e.path("data").has("train_loss"))
                steps.add(e.path("data").path("step").asInt());
        }
        boolean resumed = events.stream().anyMatch(e -> e.path("data").has("resumed_from_step"));
        return resumed ? steps : List.of();
    }

    private static int maxStepAfterResume(FineTuningClient client, String id) {
        return stepsAfterResume(client, id).stream()
                .mapToInt(Integer::intValue)
                .max()
                .orElse(0);
    }
}
