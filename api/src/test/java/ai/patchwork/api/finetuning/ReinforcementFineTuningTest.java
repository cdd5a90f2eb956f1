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
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * Reinforcement fine-tuning through HTTP on CPU, with a crash in the middle. A short supervised job leaves the task
 * model mostly wrong on the reverse-code task (sampled reward ≤ 0.2 on held-out prompts); a GRPO job starting from
 * that adapter, graded by a {@code string_check} against each line's {@code answer}, runs on a separate worker
 * process that is killed after its first checkpoint; the application's own worker resumes it from that checkpoint,
 * and the job ends with a held-out reward ≥ 0.8 — sampled in the job's evaluations and greedy through chat
 * completions.
 */
@FineTuningApiTest
class ReinforcementFineTuningTest {

    static final ReverseCodeTask TASK = new ReverseCodeTask(42, 80);
    static final List<String> HELD_OUT = TASK.heldOutCodes().subList(0, 50);

    @LocalServerPort
    int port;

    @Autowired
    TrainerWorker localWorker;

    @Test
    void rewardsTeachAHeldOutTaskAndAKilledWorkersRunResumes() throws Exception {
        long start = System.nanoTime();
        FineTuningClient client = new FineTuningClient(port);

        // given a supervised warm-up: 70 steps, which leaves the model mostly wrong when it samples
        String sft =
                client.trainingFile(ReverseCodeTask.jsonl(TASK.trainingCodes().subList(0, 400)));
        ApiClient.Response warm = client.createJob("""
        {"model": "%s", "training_file": "%s", "suffix": "warm", "seed": 7,
         "method": {"type": "supervised", "supervised": {"hyperparameters":
           {"n_epochs": 4, "batch_size": 16, "learning_rate_multiplier": 25}}},
         "patchwork": {"lora": {"r": 16, "alpha": 32}, "warmup_steps": 10, "lr_scheduler": "constant",
           "max_steps": 70, "micro_batch_size": 16, "checkpoint_interval": 70}}""".formatted(TaskModelServices.BASE, sft));
        assertEquals(200, warm.status(), warm.text());
        JsonNode warmed = client.awaitStatus(
                warm.json().path("id").asString(), Set.of("succeeded", "failed", "cancelled"), Duration.ofSeconds(120));
        assertEquals("succeeded", warmed.path("status").asString(), warmed.toString());
        String initial = warmed.path("fine_tuned_model").asString();

        // when a reinforcement job starts from it on a worker process that is killed after its first checkpoint
        String training = client.trainingFile(
                ReverseCodeTask.promptJsonl(TASK.trainingCodes().subList(0, 300)));
        String validation = client.trainingFile(ReverseCodeTask.promptJsonl(HELD_OUT));
        String id;
        localWorker.drain();
        try (WorkerProcess doomed = WorkerProcess.start("worker-doomed")) {
            ApiClient.Response created =
                    client.createJob("""
          {"model": "%s", "training_file": "%s", "validation_file": "%s", "suffix": "rft", "seed": 3,
           "method": {"type": "reinforcement", "reinforcement": {
             "grader": {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
                        "reference": "{{item.answer}}", "operation": "eq"},
             "hyperparameters": {"n_epochs": 6, "batch_size": 16, "learning_rate_multiplier": 5,
                                 "eval_interval": 25, "eval_samples": 2, "reasoning_effort": "low"}}},
           "patchwork": {"initial_adapter": "%s", "group_size": 8, "max_completion_tokens": 8, "temperature": 1.0,
             "max_steps": 100, "lr_scheduler": "constant", "warmup_steps": 0, "micro_batch_size": 64,
             "checkpoint_interval": 25, "progress_interval": 5}}""".formatted(TaskModelServices.BASE, training, validation, initial));
            assertEquals(200, created.status(), created.text());
            id = created.json().path("id").asString();
            assertEquals(
                    "reinforcement", created.json().path("method").path("type").asString());
            assertEquals(
                    "string_check",
                    created.json()
                            .path("method")
                            .path("reinforcement")
                            .path("grader")
                            .path("type")
                            .asString());
            awaitStep(client, id, 30, doomed);
            doomed.kill();
        } finally {
            localWorker.resume();
        }

        // then the application's worker resumes it from the checkpoint and it succeeds
        JsonNode done = client.awaitStatus(id, Set.of("succeeded", "failed", "cancelled"), Duration.ofSeconds(240));
        assertEquals("succeeded", done.path("status").asString(), done.toString());
        JsonNode resumed = client.events(id).stream()
                .filter(e -> e.path("data").has("resumed_from_step"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no resume event in " + client.messages(id)));
        int from = resumed.path("data").path("resumed_from_step").asInt();
        assertTrue(from > 0 && from % 25 == 0 && from < 100, "resumed from step " + from);
        assertEquals("worker-in-test", resumed.path("data").path("worker").asString());

        // and the held-out reward went from ≤ 0.2 to ≥ 0.8, with the curve in the events
        List<JsonNode> evals = metrics(client, id, "eval_reward_mean");
        List<JsonNode> rewards = metrics(client, id, "reward_mean");
        double first = evals.getFirst().path("data").path("eval_reward_mean").asDouble();
        double last = evals.getLast().path("data").path("eval_reward_mean").asDouble();
        double greedy = client.exactMatch(done.path("fine_tuned_model").asString(), HELD_OUT);
        System.out.printf(
                "rft: held-out sampled reward %.3f -> %.3f (greedy exact match after: %.2f), resumed from step "
                        + "%d, %.0f s%n",
                first, last, greedy, from, (System.nanoTime() - start) / 1e9);
        StringBuilder curve = new StringBuilder("rft: training reward by step:");
        for (JsonNode e : rewards) {
            curve.append(String.format(
                    " %d:%.2f",
                    e.path("data").path("step").asInt(),
                    e.path("data").path("reward_mean").asDouble()));
        }
        System.out.println(curve);
        assertEquals(0, evals.getFirst().path("data").path("step").asInt());
        assertTrue(first <= 0.2, "held-out reward before RFT " + first);
        assertTrue(last >= 0.8, "held-out reward after RFT " + last);
        assertTrue(greedy >= 0.8, "held-out greedy exact match after RFT " + greedy);
        assertEquals(100, rewards.getLast().path("data").path("step").asInt());
        for (String key : List.of("reward_std", "kl", "completion_length", "clip_fraction")) {
            assertTrue(rewards.getLast().path("data").has(key), key + " missing in " + rewards.getLast());
        }
        String results = done.path("result_files").path(0).asString();
        assertTrue(client.http.get("/v1/files/" + results + "/content").text().startsWith("step,reward_mean,"));
    }

    /** Metrics events that carry {@code key}, oldest first. */
    static List<JsonNode> metrics(FineTuningClient client, String id, String key) {
        List<JsonNode> out = new ArrayList<>(
                client.events(id).stream().filter(e -> e.path("data").has(key)).toList());
        Collections.reverse(out);
        return out;
    }

    private static void awaitStep(FineTuningClient client, String id, int step, WorkerProcess worker)
            throws InterruptedException {
        worker.awaitStarted(Duration.ofSeconds(600)); // its start is not part of the wait for progress
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            if (!worker.alive()) fail("the worker process exited:\n" + worker.logTail());
            int seen = metrics(client, id, "reward_mean").stream()
                    .mapToInt(e -> e.path("data").path("step").asInt())
                    .max()
                    .orElse(0);
            if (seen >= step) return;
            Thread.sleep(200);
        }
        fail("the worker process did not reach step " + step + "; events " + client.messages(id) + "\n"
                + worker.logTail());
    }
}
