package ai.patchwork.api.finetuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.TaskModelServices;
import ai.patchwork.trainer.fixture.ReverseCodeTask;
import ai.patchwork.trainer.worker.TrainerWorker;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * DPO through jobs, on pairs the random base model is indifferent to
 * ({@link ReverseCodeTask#firstLetterPreferenceJsonl}): a job starts at loss ln 2 and its model answers held-out
 * prompts with the preferred output through chat completions; a job whose worker process is killed (SIGKILL) after a
 * checkpoint is resumed by another worker from that checkpoint and ends with the metrics of the same job run without
 * interruption. The checkpoint holds the adapter, AdamW's moments and the step, and the batches of a step are a
 * function of the seed and the step.
 */
@FineTuningApiTest
class PreferenceFineTuningTest {

    static final ReverseCodeTask TASK = new ReverseCodeTask(42, 80);

    /**
     * Final metrics may differ only by floating-point summation order: the killed worker process computes with one
     * PyTorch thread, the application's worker with its own setting, and a float sum split across threads rounds
     * differently.
     */
    static final double TOLERANCE = 1e-3;

    @LocalServerPort
    int port;

    @Autowired
    TrainerWorker localWorker;

    static String request(String training, String validation, String suffix, int interval) {
        return """
        {"model": "%s", "training_file": "%s", "validation_file": "%s", "suffix": "%s", "seed": 3,
         "method": {"type": "dpo", "dpo": {"hyperparameters":
           {"beta": 0.1, "n_epochs": 4, "batch_size": 16, "learning_rate_multiplier": 10}}},
         "patchwork": {"micro_batch_size": 16, "checkpoint_interval": %d, "progress_interval": 1,
           "eval_interval": %d}}""".formatted(TaskModelServices.BASE, training, validation, suffix, interval, interval);
    }

    @Test
    void aDpoJobLearnsAPreferenceTheBaseModelIsIndifferentTo() throws Exception {
        FineTuningClient client = new FineTuningClient(port);
        String training = client.trainingFile(
                ReverseCodeTask.firstLetterPreferenceJsonl(TASK.trainingCodes().subList(0, 400)));
        String validation = client.trainingFile(
                ReverseCodeTask.firstLetterPreferenceJsonl(TASK.heldOutCodes().subList(0, 30)));

        // given a DPO job of 100 steps on 400 pairs
        ApiClient.Response created = client.createJob(request(training, validation, "dpo", 25));
        assertEquals(200, created.status(), created.text());
        String id = created.json().path("id").asString();

        // when it has run
        JsonNode done = client.awaitStatus(id, Set.of("succeeded", "failed", "cancelled"), Duration.ofSeconds(600));
        assertEquals(
                "succeeded", done.path("status").asString(), client.messages(id).toString());

        // then its first step's loss is ln 2 (policy = reference), and its model answers held-out prompts with the
        // preferred output
        JsonNode firstStep = client.progress(id).getFirst().path("data");
        assertEquals(1, firstStep.path("step").asInt());
        assertEquals(Math.log(2), firstStep.path("train_loss").asDouble(), 1e-3, firstStep.toString());
        Map<String, String> heldOut = new LinkedHashMap<>();
        for (String code : TASK.heldOutCodes().subList(30, 80)) {
            heldOut.put(ReverseCodeTask.firstLetterPrompt(code), code.substring(0, 1));
        }
        int exact = client.exactAnswers(done.path("fine_tuned_model").asString(), heldOut);
        System.out.printf(
                "dpo job: first-step loss %.6f, greedy = preferred on %d/%d held-out prompts%n",
                firstStep.path("train_loss").asDouble(), exact, heldOut.size());
        assertTrue(exact >= 0.9 * heldOut.size(), exact + "/" + heldOut.size() + " held-out prompts");
    }

    @Test
    void aKilledDpoJobResumesFromItsCheckpointAndEndsWithTheUninterruptedRunsMetrics() throws Exception {
        FineTuningClient client = new FineTuningClient(port);
        String training = client.trainingFile(
                ReverseCodeTask.firstLetterPreferenceJsonl(TASK.trainingCodes().subList(0, 160)));
        String validation = client.trainingFile(
                ReverseCodeTask.firstLetterPreferenceJsonl(TASK.heldOutCodes().subList(0, 30)));

        // given a DPO job of 40 steps, checkpointed every 10, run without interruption by the application's worker
        ApiClient.Response first = client.createJob(request(training, validation, "dpo-whole", 10));
        assertEquals(200, first.status(), first.text());
        String whole = first.json().path("id").asString();
        JsonNode wholeDone =
                client.awaitStatus(whole, Set.of("succeeded", "failed", "cancelled"), Duration.ofSeconds(600));
        assertEquals(
                "succeeded",
                wholeDone.path("status").asString(),
                client.messages(whole).toString());

        // when the same job is trained by a worker process that is killed past its first checkpoint
        String id;
        localWorker.drain();
        try (WorkerProcess doomed = WorkerProcess.start("worker-dpo-doomed")) {
            ApiClient.Response created = client.createJob(request(training, validation, "dpo-crash", 10));
            assertEquals(200, created.status(), created.text());
            id = created.json().path("id").asString();
            int step = doomed.awaitProgress(client, id, 12, Duration.ofSeconds(400));
            doomed.kill();
            System.out.println("dpo crash test: killed the worker process at step " + step + " or later");
        } finally {
            localWorker.resume();
        }
        JsonNode done = client.awaitStatus(id, Set.of("succeeded", "failed", "cancelled"), Duration.ofSeconds(600));

        // then the application's worker resumed it from a checkpoint, not from step 0
        assertEquals(
                "succeeded", done.path("status").asString(), client.messages(id).toString());
        JsonNode resumed = client.events(id).stream()
                .filter(e -> e.path("data").has("resumed_from_step"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no resume event in " + client.messages(id)));
        int from = resumed.path("data").path("resumed_from_step").asInt();
        assertTrue(from >= 10 && from % 10 == 0 && from < STEPS, "resumed from step " + from);

        // and its final metrics are those of the uninterrupted run
        Map<String, Double> expected = finalMetrics(client, whole);
        Map<String, Double> actual = finalMetrics(client, id);
        System.out.println(
                "dpo crash test: resumed from step " + from + "; uninterrupted " + expected + "; resumed " + actual);
        assertEquals(expected.keySet(), actual.keySet());
        for (String key : expected.keySet()) {
            assertEquals(expected.get(key), actual.get(key), TOLERANCE, key + ": " + expected + " vs " + actual);
        }
        assertTrue(expected.get("train_rewards_margin") > 0, expected.toString());
    }

    /** The crash test's job length. */
    static final int STEPS = 40;

    /** The last step's training and validation metrics (the DPO loss, rewards, accuracy and margin). */
    static Map<String, Double> finalMetrics(FineTuningClient client, String id) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (JsonNode e : client.events(id)) { // newest first
            JsonNode data = e.path("data");
            if (data.path("step").asInt() != STEPS) continue;
            for (String key : List.of(
                    "train_loss",
                    "train_rewards_accuracy",
                    "train_rewards_margin",
                    "valid_loss",
                    "valid_rewards_accuracy",
                    "valid_rewards_margin")) {
                if (data.has(key) && !out.containsKey(key))
                    out.put(key, data.path(key).asDouble());
            }
        }
        assertEquals(6, out.size(), "final metrics of " + id + ": " + out);
        return out;
    }
}
