package ai.patchwork.api.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.testsupport.fixtures.TinyLlama;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Chat's {@code logprobs}/{@code top_logprobs} and completions' {@code logprobs}, whole and streamed. */
@InferenceTest
class LogprobsApiTest {
    @LocalServerPort
    int port;

    private static ObjectNode chat(int maxTokens) {
        ObjectNode body = OpenAi.body("tiny-llama")
                .put("temperature", 0)
                .put("max_tokens", maxTokens)
                .put("ignore_eos", true)
                .put("logprobs", true)
                .put("top_logprobs", 5);
        body.putArray("messages").addObject().put("role", "user").put("content", "Say something");
        return body;
    }

    @Test
    void completionsLogprobsAreTheLogSoftmaxOfTheReferenceLogits() throws Exception {
        JsonNode single = OpenAi.JSON
                .readTree(Files.readString(TinyLlama.root().resolve("expected.json")))
                .get("single")
                .get(0);
        ObjectNode body = OpenAi.body("tiny-llama")
                .put("temperature", 0)
                .put("max_tokens", 1)
                .put("logprobs", 20);
        body.set("prompt", single.get("prompt_ids"));
        ApiClient.Response r = new OpenAi(port).post("/v1/completions", body);
        assertEquals(200, r.status(), r.text());
        JsonNode lp = r.json().path("choices").path(0).path("logprobs");
        double[] logits = new double[single.get("logits_last").size()];
        for (int i = 0; i < logits.length; i++)
            logits[i] = single.get("logits_last").get(i).asDouble();
        double logZ = logSumExp(logits);
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        assertEquals(logits[best] - logZ, lp.path("token_logprobs").path(0).asDouble(), 1e-4, lp.toString());
        assertEquals(1, lp.path("tokens").size());
        assertEquals(0, lp.path("text_offset").path(0).asInt());
        JsonNode top = lp.path("top_logprobs").path(0);
        assertTrue(top.size() >= 15 && top.size() <= 20, top.toString()); // ids with the same text share an entry
        double previous = 0;
        for (var e : top.properties()) {
            double v = e.getValue().asDouble();
            assertTrue(v <= previous + 1e-9, top.toString());
            previous = v;
        }
        assertEquals(
                logits[best] - logZ,
                top.path(lp.path("tokens").path(0).asString()).asDouble(),
                1e-4);
    }

    @Test
    void chatLogprobsHaveOpenAisShapeAndAreConsistent() {
        ApiClient.Response r = new OpenAi(port).post("/v1/chat/completions", chat(6));
        assertEquals(200, r.status(), r.text());
        JsonNode choice = r.json().path("choices").path(0);
        JsonNode content = choice.path("logprobs").path("content");
        assertEquals(6, content.size(), choice.toString());
        assertTrue(choice.path("logprobs").has("refusal"));
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (JsonNode entry : content) {
            byte[] bytes = bytes(entry.path("bytes"));
            joined.writeBytes(bytes);
            assertEquals(
                    new String(bytes, StandardCharsets.UTF_8),
                    entry.path("token").asString());
            assertTrue(entry.path("logprob").asDouble() <= 0);
            JsonNode top = entry.path("top_logprobs");
            assertEquals(5, top.size());
            // greedy: the generated token is the most likely one
            assertEquals(
                    entry.path("token").asString(), top.path(0).path("token").asString());
            assertEquals(
                    entry.path("logprob").asDouble(),
                    top.path(0).path("logprob").asDouble(),
                    1e-9);
            for (int i = 1; i < 5; i++) {
                assertTrue(top.path(i).path("logprob").asDouble()
                        <= top.path(i - 1).path("logprob").asDouble());
            }
        }
        String text = choice.path("message").path("content").asString();
        assertEquals(text, joined.toString(StandardCharsets.UTF_8));
    }

    @Test
    void streamedChatLogprobsEqualTheWholeResponses() {
        OpenAi ai = new OpenAi(port);
        JsonNode whole = ai.post("/v1/chat/completions", chat(6))
                .json()
                .path("choices")
                .path(0)
                .path("logprobs")
                .path("content");
        OpenAi.Stream stream = ai.stream("/v1/chat/completions", chat(6).put("stream", true), null);
        assertEquals(200, stream.status());
        List<JsonNode> entries = new ArrayList<>();
        for (JsonNode chunk : stream.chunks()) {
            JsonNode lp = chunk.path("choices").path(0).path("logprobs");
            if (lp.isObject()) lp.path("content").forEach(entries::add);
        }
        assertEquals(whole.size(), entries.size());
        for (int i = 0; i < entries.size(); i++) assertEquals(whole.get(i), entries.get(i));

        ObjectNode completion = OpenAi.body("tiny-llama")
                .put("temperature", 0)
                .put("max_tokens", 5)
                .put("logprobs", 2)
                .put("ignore_eos", true)
                .put("prompt", "Hello")
                .put("stream", true);
        List<Double> values = new ArrayList<>();
        for (JsonNode chunk : ai.stream("/v1/completions", completion, null).chunks()) {
            JsonNode lp = chunk.path("choices").path(0).path("logprobs");
            if (lp.isObject()) {
                lp.path("token_logprobs").forEach(v -> values.add(v.asDouble()));
                assertTrue(lp.path("top_logprobs").path(0).size() <= 2);
            }
        }
        assertEquals(5, values.size());
    }

    @Test
    void outOfRangeOrOrphanedSettingsAre400() {
        OpenAi ai = new OpenAi(port);
        assertBad(ai.post("/v1/chat/completions", chat(1).put("top_logprobs", 21)), "top_logprobs");
        assertBad(ai.post("/v1/chat/completions", chat(1).put("logprobs", false)), "top_logprobs");
        ObjectNode completion = OpenAi.body("tiny-llama").put("prompt", "Hi").put("logprobs", 21);
        assertBad(ai.post("/v1/completions", completion), "logprobs");
    }

    private static void assertBad(ApiClient.Response r, String param) {
        assertEquals(400, r.status(), r.text());
        assertEquals(param, r.json().path("error").path("param").asString(), r.text());
    }

    private static byte[] bytes(JsonNode array) {
        byte[] out = new byte[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = (byte) array.get(i).asInt();
        return out;
    }

    private static double logSumExp(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) max = Math.max(max, v);
        double sum = 0;
        for (double v : x) sum += Math.exp(v - max);
        return max + Math.log(sum);
    }
}
