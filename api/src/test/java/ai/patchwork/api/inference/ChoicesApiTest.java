package ai.patchwork.api.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code n > 1}: one prefill, choice i equals a request with seed + i, the prompt counted once, streamed too. */
@InferenceTest
class ChoicesApiTest {
    private static final int[] PROMPT = {72, 101, 319, 111, 264, 275, 304, 65, 66};

    @LocalServerPort
    int port;

    private static ObjectNode completion(int n, long seed) {
        ObjectNode body = OpenAi.body("tiny-llama")
                .put("temperature", 0.9)
                .put("seed", seed)
                .put("max_tokens", 6)
                .put("ignore_eos", true)
                .put("return_token_ids", true)
                .put("n", n);
        var prompt = body.putArray("prompt");
        for (int id : PROMPT) prompt.add(id);
        return body;
    }

    @Test
    void fourChoicesCostOnePrefillAndEachEqualsItsOwnSeed() {
        OpenAi ai = new OpenAi(port);
        double before = prefillTokens(ai);
        ApiClient.Response r = ai.post("/v1/completions", completion(4, 5));
        assertEquals(200, r.status(), r.text());
        assertEquals(PROMPT.length, prefillTokens(ai) - before, "the prompt was computed once for four choices");
        JsonNode choices = r.json().path("choices");
        assertEquals(4, choices.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(i, choices.get(i).path("index").asInt());
            JsonNode alone = ai.post("/v1/completions", completion(1, 5 + i))
                    .json()
                    .path("choices")
                    .path(0);
            assertEquals(alone.path("token_ids"), choices.get(i).path("token_ids"), "choice " + i);
            assertEquals(alone.path("text"), choices.get(i).path("text"));
        }
        JsonNode usage = r.json().path("usage");
        assertEquals(PROMPT.length, usage.path("prompt_tokens").asInt());
        assertEquals(24, usage.path("completion_tokens").asInt());
        assertEquals(PROMPT.length + 24, usage.path("total_tokens").asInt());
    }

    @Test
    void streamedChoicesCarryTheirIndexAndEqualTheWholeResponse() {
        OpenAi ai = new OpenAi(port);
        ObjectNode chat = OpenAi.body("tiny-llama")
                .put("temperature", 1)
                .put("seed", 9)
                .put("max_tokens", 5)
                .put("ignore_eos", true)
                .put("n", 3)
                .put("logprobs", true);
        chat.putArray("messages").addObject().put("role", "user").put("content", "Hello");
        JsonNode whole = ai.post("/v1/chat/completions", chat).json();

        ObjectNode streamed = chat.deepCopy().put("stream", true);
        streamed.putObject("stream_options").put("include_usage", true);
        OpenAi.Stream s = ai.stream("/v1/chat/completions", streamed, null);
        assertEquals(200, s.status());
        List<StringBuilder> texts = List.of(new StringBuilder(), new StringBuilder(), new StringBuilder());
        List<List<JsonNode>> logprobs = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        int[] roles = new int[3];
        int[] finishes = new int[3];
        JsonNode usage = null;
        for (JsonNode chunk : s.chunks()) {
            if (chunk.path("choices").isEmpty()) {
                usage = chunk.path("usage");
                continue;
            }
            JsonNode c = chunk.path("choices").path(0);
            int i = c.path("index").asInt();
            if (c.path("delta").has("role")) roles[i]++;
            texts.get(i).append(c.path("delta").path("content").asString(""));
            if (c.path("logprobs").isObject())
                c.path("logprobs").path("content").forEach(logprobs.get(i)::add);
            if (!c.path("finish_reason").isNull()) finishes[i]++;
        }
        assertEquals(
                "data: [DONE]",
                s.lines().stream().filter(l -> !l.isBlank()).toList().getLast());
        for (int i = 0; i < 3; i++) {
            JsonNode choice = whole.path("choices").get(i);
            assertEquals(1, roles[i]);
            assertEquals(1, finishes[i]);
            assertEquals(
                    choice.path("message").path("content").asString(),
                    texts.get(i).toString(),
                    "choice " + i);
            assertEquals(5, logprobs.get(i).size());
            for (int t = 0; t < 5; t++)
                assertEquals(
                        choice.path("logprobs").path("content").get(t),
                        logprobs.get(i).get(t));
        }
        assertTrue(usage != null && usage.isObject());
        for (String count : List.of("prompt_tokens", "completion_tokens", "total_tokens"))
            assertEquals(whole.path("usage").path(count), usage.path(count), count);
        assertTrue(usage.path("prompt_tokens_details").path("cached_tokens").isInt()); // the prompt may be cached now
        assertEquals(15, usage.path("completion_tokens").asInt());
    }

    private static double prefillTokens(OpenAi ai) {
        // the metrics are an admin key's to read
        String text = ai.api()
                .withKey(PatchworkTestServices.ADMIN_KEY)
                .get("/actuator/prometheus")
                .text();
        Matcher m = Pattern.compile("(?m)^patchwork_prefill_tokens_total(\\{[^}]*})? ([0-9.eE+-]+)$")
                .matcher(text);
        double total = 0;
        while (m.find()) total += Double.parseDouble(m.group(2));
        return total;
    }
}
