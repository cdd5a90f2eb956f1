package ai.patchwork.api.finetuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.TaskModelServices;
import ai.patchwork.trainer.fixture.ReverseCodeTask;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * The acceptance run, all through HTTP on CPU: files up, a job created, a worker validates, queues, trains,
 * checkpoints, exports and registers, and the fine-tuned model answers held-out prompts through chat completions
 * the moment the job succeeds.
 */
@FineTuningApiTest
class FineTuningEndToEndTest {

    static final ReverseCodeTask TASK = new ReverseCodeTask(42, 80);
    static final List<String> EVAL = TASK.heldOutCodes().subList(0, 50);
    static final List<String> VALID = TASK.heldOutCodes().subList(50, 80);

    @LocalServerPort
    int port;

    /** The job the end-to-end and crash tests submit: 400 examples, 6 epochs of 25 steps. */
    static String jobRequest(String trainingFile, String validationFile, String suffix, int checkpointInterval) {
        return """
        {"model": "%s", "training_file": "%s", "validation_file": "%s", "suffix": "%s", "seed": 11,
         "method": {"type": "supervised", "supervised": {"hyperparameters":
           {"n_epochs": 6, "batch_size": 16, "learning_rate_multiplier": 25}}},
         "patchwork": {"lora": {"r": 16, "alpha": 32, "target_modules": "all-linear"}, "warmup_steps": 10,
           "lr_scheduler": "cosine", "min_lr_ratio": 0.1, "micro_batch_size": 16, "eval_interval": 25,
           "checkpoint_interval": %d}}""".formatted(TaskModelServices.BASE, trainingFile, validationFile, suffix, checkpointInterval);
    }

    @Test
    void aFineTunedAdapterLearnsAHeldOutTaskAndIsServedAtOnce() throws Exception {
        long start = System.nanoTime();
        FineTuningClient client = new FineTuningClient(port);

        // given the base model, which cannot do the task, and a training and a validation file without the held-out
        // codes
        double base = client.exactMatch(TaskModelServices.BASE, EVAL);
        String training =
                client.trainingFile(ReverseCodeTask.jsonl(TASK.trainingCodes().subList(0, 400)));
        String validation = client.trainingFile(ReverseCodeTask.jsonl(VALID));

        // when a job fine-tunes it
        ApiClient.Response created = client.createJob(jobRequest(training, validation, "e2e", 50));
        assertEquals(200, created.status(), created.text());
        assertEquals("validating_files", created.json().path("status").asString());
        String id = created.json().path("id").asString();
        JsonNode done = client.awaitStatus(id, Set.of("succeeded", "failed", "cancelled"), Duration.ofSeconds(150));

        // then it succeeded, and its fine-tuned model answers held-out prompts that the base model gets wrong
        assertEquals("succeeded", done.path("status").asString(), done.toString());
        String model = done.path("fine_tuned_model").asString();
        double tuned = client.exactMatch(model, EVAL);
        List<JsonNode> progress = client.progress(id);
        double firstLoss = progress.getFirst().path("data").path("train_loss").asDouble();
        double lastLoss = progress.getLast().path("data").path("train_loss").asDouble();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                "end-to-end: base exact match %.2f, fine-tuned %.2f, training loss %.3f -> %.4f (%.0fx), %.0f s%n",
                base, tuned, firstLoss, lastLoss, firstLoss / lastLoss, seconds);
        assertTrue(base <= 0.02, "base model exact match " + base);
        assertTrue(tuned >= 0.9, "fine-tuned exact match " + tuned);
        assertTrue(firstLoss / lastLoss >= 5, "training loss " + firstLoss + " -> " + lastLoss);
        assertTrue(seconds < 180, "took " + seconds + " s");

        // and the job object shows what ran, with progress from step 1 on, at least every 10 steps, and checkpoints
        // with
        // metrics
        assertEquals(1, progress.getFirst().path("data").path("step").asInt());
        assertEquals(150, progress.getLast().path("data").path("step").asInt());
        for (int i = 1; i < progress.size(); i++) {
            int gap = progress.get(i).path("data").path("step").asInt()
                    - progress.get(i - 1).path("data").path("step").asInt();
            assertTrue(gap <= 10, "progress events " + gap + " steps apart");
        }
        assertTrue(progress.getLast().path("data").has("tokens_per_second"));
        assertTrue(progress.getFirst().path("data").has("eta_seconds"));
        assertEquals(6, done.path("hyperparameters").path("n_epochs").asInt());
        assertEquals(16, done.path("hyperparameters").path("batch_size").asInt());
        assertEquals(
                25.0,
                done.path("hyperparameters").path("learning_rate_multiplier").asDouble());
        assertTrue(done.path("trained_tokens").asLong() > 0);
        assertEquals("org-patchwork", done.path("organization_id").asString());
        assertTrue(model.startsWith("ft-task-model-e2e-"), model);
        JsonNode checkpoints =
                client.http.get("/v1/fine_tuning/jobs/" + id + "/checkpoints").json();
        assertEquals(
                List.of(150, 100, 50),
                checkpoints
                        .path("data")
                        .valueStream()
                        .map(c -> c.path("step_number").asInt())
                        .toList());
        JsonNode metrics = checkpoints.path("data").path(0).path("metrics");
        assertTrue(metrics.path("valid_mean_token_accuracy").asDouble() > 0.9, metrics.toString());
        assertEquals(
                model + ":ckpt-step-150",
                checkpoints
                        .path("data")
                        .path(0)
                        .path("fine_tuned_model_checkpoint")
                        .asString());
        String results = done.path("result_files").path(0).asString();
        assertTrue(client.http.get("/v1/files/" + results + "/content").text().startsWith("step,train_loss,"));
    }
}
