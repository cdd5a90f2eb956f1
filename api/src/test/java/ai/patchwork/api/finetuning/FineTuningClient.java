package ai.patchwork.api.finetuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.patchwork.api.ApiClient;
import ai.patchwork.testsupport.http.MultipartBody;
import ai.patchwork.trainer.fixture.ReverseCodeTask;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The files, jobs and chat endpoints as a test drives them over HTTP. */
final class FineTuningClient {
    final ApiClient http;

    FineTuningClient(int port) {
        this.http = new ApiClient(port);
    }

    ApiClient.Response upload(String purpose, String filename, String content) {
        return http.post(
                "/v1/files",
                MultipartBody.create()
                        .field("purpose", purpose)
                        .file("file", filename, content.getBytes(StandardCharsets.UTF_8)));
    }

    /** Uploads a valid fine-tune file and returns its id. */
    String trainingFile(String content) {
        ApiClient.Response r = upload("fine-tune", "data.jsonl", content);
        assertEquals(200, r.status(), r.text());
        return r.json().path("id").asString();
    }

    ApiClient.Response createJob(String json) {
        return http.post("/v1/fine_tuning/jobs", "application/json", json);
    }

    JsonNode job(String id) {
        ApiClient.Response r = http.get("/v1/fine_tuning/jobs/" + id);
        assertEquals(200, r.status(), r.text());
        return r.json();
    }

    /** Polls the job until its status is one of {@code statuses}. */
    JsonNode awaitStatus(String id, Set<String> statuses, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode job = job(id);
            if (statuses.contains(job.path("status").asString())) return job;
            if (System.nanoTime() > deadline)
                fail("job " + id + " still " + job.path("status") + " after " + timeout + "; events: " + messages(id));
            Thread.sleep(250);
        }
    }

    /** Every event of the job, newest first, following the cursor. */
    List<JsonNode> events(String id) {
        List<JsonNode> out = new ArrayList<>();
        String after = null;
        while (true) {
            ApiClient.Response r = http.get(
                    "/v1/fine_tuning/jobs/" + id + "/events?limit=100" + (after == null ? "" : "&after=" + after));
            assertEquals(200, r.status(), r.text());
            r.json().path("data").forEach(out::add);
            if (!r.json().path("has_more").asBoolean()) return out;
            after = r.json().path("last_id").asString();
        }
    }

    List<String> messages(String id) {
        return events(id).stream().map(e -> e.path("message").asString()).toList();
    }

    /** Progress events (those with a training loss), oldest first. */
    List<JsonNode> progress(String id) {
        List<JsonNode> out = new ArrayList<>(events(id).stream()
                .filter(e -> e.path("data").has("train_loss"))
                .toList());
        java.util.Collections.reverse(out);
        return out;
    }

    /**
     * Greedy chat completions for every code at once, through serving; the fraction answered with exactly the reversed
     * code.
     */
    double exactMatch(String model, List<String> codes) {
        List<CompletableFuture<Boolean>> answers = new ArrayList<>();
        for (String code : codes) {
            answers.add(CompletableFuture.supplyAsync(() -> {
                ObjectNode body = JsonMapper.shared().createObjectNode();
                body.put("model", model);
                body.put("temperature", 0);
                body.put("max_tokens", 8);
                var messages = body.putArray("messages");
                messages.addObject().put("role", "system").put("content", ReverseCodeTask.SYSTEM);
                messages.addObject().put("role", "user").put("content", ReverseCodeTask.prompt(code));
                ApiClient.Response r = http.post("/v1/chat/completions", "application/json", body.toString());
                assertEquals(200, r.status(), r.text());
                String answer = r.json()
                        .path("choices")
                        .path(0)
                        .path("message")
                        .path("content")
                        .asString();
                return answer.trim().equals(ReverseCodeTask.answer(code));
            }));
        }
        return answers.stream().filter(CompletableFuture::join).count() / (double) codes.size();
    }

    /**
     * Greedy chat completions of each question (a lone user message) at once, through serving; how many are answered
     * with exactly the expected text.
     */
    int exactAnswers(String model, Map<String, String> expected) {
        List<CompletableFuture<Boolean>> answers = new ArrayList<>();
        expected.forEach((question, answer) -> answers.add(CompletableFuture.supplyAsync(() -> {
            ObjectNode body = JsonMapper.shared().createObjectNode();
            body.put("model", model);
            body.put("temperature", 0);
            body.put("max_tokens", 8);
            body.putArray("messages").addObject().put("role", "user").put("content", question);
            ApiClient.Response r = http.post("/v1/chat/completions", "application/json", body.toString());
            assertEquals(200, r.status(), r.text());
            return r.json()
                    .path("choices")
                    .path(0)
                    .path("message")
                    .path("content")
                    .asString()
                    .trim()
                    .equals(answer);
        })));
        return (int) answers.stream().filter(CompletableFuture::join).count();
    }
}
