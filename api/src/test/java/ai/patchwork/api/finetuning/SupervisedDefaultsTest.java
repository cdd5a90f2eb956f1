package ai.patchwork.api.finetuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.TaskModelServices;
import ai.patchwork.trainer.fixture.CodebookTask;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * The defaults just work: a supervised job on 16 question → 4-letter code pairs with only {@code n_epochs} set
 * memorises them, whatever the seed. The {@code "auto"} batch size and learning rate are written back into the job
 * and explained in an event.
 */
@FineTuningApiTest
class SupervisedDefaultsTest {

    static final CodebookTask TASK = new CodebookTask(3);

    @LocalServerPort
    int port;

    @Test
    void sixteenCodesAreMemorisedWithOnlyTheEpochsSetForEverySeed() throws Exception {
        FineTuningClient client = new FineTuningClient(port);
        String training = client.trainingFile(TASK.jsonl());
        for (int seed = 1; seed <= 3; seed++) {
            // given a job with every hyperparameter but n_epochs on "auto"
            long start = System.nanoTime();
            ApiClient.Response created = client.createJob("""
          {"model": "%s", "training_file": "%s", "suffix": "codes", "seed": %d,
           "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 40}}}}""".formatted(TaskModelServices.BASE, training, seed));
            assertEquals(200, created.status(), created.text());
            String id = created.json().path("id").asString();

            // when it has run
            JsonNode done = client.awaitStatus(id, Set.of("succeeded", "failed", "cancelled"), Duration.ofSeconds(300));
            assertEquals(
                    "succeeded",
                    done.path("status").asString(),
                    client.messages(id).toString());

            // then the job shows the concrete values chosen, an event says why, and every code is answered exactly
            JsonNode h = done.path("hyperparameters");
            assertEquals(40, h.path("n_epochs").asInt());
            assertTrue(
                    h.path("batch_size").isInt()
                            && h.path("learning_rate_multiplier").isNumber(),
                    h.toString());
            List<String> messages = client.messages(id);
            String chose = messages.stream()
                    .filter(m -> m.startsWith("Chose for \"auto\""))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no event explains the auto values: " + messages));
            int exact = client.exactAnswers(done.path("fine_tuned_model").asString(), TASK.answers());
            List<JsonNode> progress = client.progress(id);
            System.out.printf(
                    "sft defaults: seed %d, %d/16 exact, batch_size %d, learning_rate_multiplier %.2f, n_epochs %d, "
                            + "last training loss %.4f, %.0f s; %s%n",
                    seed,
                    exact,
                    h.path("batch_size").asInt(),
                    h.path("learning_rate_multiplier").asDouble(),
                    h.path("n_epochs").asInt(),
                    progress.getLast().path("data").path("train_loss").asDouble(),
                    (System.nanoTime() - start) / 1e9,
                    chose);
            assertTrue(exact >= 15, "seed " + seed + ": " + exact + "/16 answered exactly");
        }
    }
}
