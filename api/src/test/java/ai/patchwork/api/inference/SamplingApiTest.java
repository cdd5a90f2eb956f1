package ai.patchwork.api.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.patchwork.api.ApiClient;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Logit bias, penalties, top_k and min_p reach each request's sampler; out-of-range values are 400s. */
@InferenceTest
class SamplingApiTest {
    /** The fixture's base-model greedy continuation of this prompt is 74, 43, 24, 74, 43, … (expected.json). */
    private static final int[] PROMPT = {72, 101, 319, 111, 264, 275, 304};

    @LocalServerPort
    int port;

    private static ObjectNode greedy(int maxTokens) {
        ObjectNode body = OpenAi.body("tiny-llama")
                .put("temperature", 0)
                .put("max_tokens", maxTokens)
                .put("ignore_eos", true)
                .put("return_token_ids", true);
        var prompt = body.putArray("prompt");
        for (int id : PROMPT) prompt.add(id);
        return body;
    }

    private int[] tokens(ObjectNode body) {
        ApiClient.Response r = new OpenAi(port).post("/v1/completions", body);
        assertEquals(200, r.status(), r.text());
        JsonNode ids = r.json().path("choices").path(0).path("token_ids");
        int[] out = new int[ids.size()];
        for (int i = 0; i < out.length; i++) out[i] = ids.path(i).asInt();
        return out;
    }

    @Test
    void logitBiasForcesOrBansTokens() {
        ObjectNode forced = greedy(6);
        forced.putObject("logit_bias").put("5", 100);
        for (int id : tokens(forced)) assertEquals(5, id);

        assertEquals(74, tokens(greedy(1))[0]);
        ObjectNode banned = greedy(1);
        banned.putObject("logit_bias").put("74", -100);
        assertNotEquals(74, tokens(banned)[0]);
    }

    @Test
    void presenceAndFrequencyPenaltiesStopTheGreedyRepeats() {
        // the fixture's logits lie within about ±0.5, so a penalty of 2 puts every token already emitted below the rest
        for (String penalty : new String[] {"presence_penalty", "frequency_penalty"}) {
            int[] ids = tokens(greedy(12).put(penalty, 2));
            assertEquals(74, ids[0]);
            Set<Integer> distinct = new HashSet<>();
            for (int id : ids) distinct.add(id);
            assertEquals(12, distinct.size(), penalty);
        }
    }

    @Test
    void vllmSamplingExtrasAreAccepted() {
        ObjectNode body = greedy(4)
                .put("temperature", 0.8)
                .put("seed", 3)
                .put("top_k", 5)
                .put("min_p", 0.05)
                .put("repetition_penalty", 1.3);
        assertEquals(4, tokens(body).length);
        assertEquals(4, tokens(body.put("top_k", -1)).length);
    }

    @Test
    void outOfRangeValuesAre400NamingTheField() {
        OpenAi ai = new OpenAi(port);
        assertInvalid(ai, greedy(1).put("presence_penalty", 2.5), "presence_penalty");
        assertInvalid(ai, greedy(1).put("frequency_penalty", -3), "frequency_penalty");
        assertInvalid(ai, greedy(1).put("repetition_penalty", 0), "repetition_penalty");
        assertInvalid(ai, greedy(1).put("min_p", 1.5), "min_p");
        assertInvalid(ai, greedy(1).put("top_k", -2), "top_k");
        ObjectNode tooBig = greedy(1);
        tooBig.putObject("logit_bias").put("5", 101);
        assertInvalid(ai, tooBig, "logit_bias");
        ObjectNode notAToken = greedy(1);
        notAToken.putObject("logit_bias").put("999999", 1);
        assertInvalid(ai, notAToken, "logit_bias");
        ObjectNode notAnId = greedy(1);
        notAnId.putObject("logit_bias").put("hello", 1);
        assertInvalid(ai, notAnId, "logit_bias");
    }

    @Test
    void unsupportedFieldsAre400NamingTheField() {
        OpenAi ai = new OpenAi(port);
        assertUnsupported(ai, "/v1/completions", greedy(1).put("echo", true), "echo");
        assertUnsupported(ai, "/v1/completions", greedy(1).put("suffix", "x"), "suffix");
        assertUnsupported(ai, "/v1/completions", greedy(1).put("best_of", 3), "best_of");
        ObjectNode regex = greedy(1).put("guided_regex", "[a-z]+");
        assertUnsupported(ai, "/v1/completions", regex, "guided_regex");
        ObjectNode chat = OpenAi.body("tiny-llama").put("max_tokens", 1);
        chat.putArray("messages").addObject().put("role", "user").put("content", "Hi");
        assertEquals(200, ai.post("/v1/chat/completions", chat).status());
        ObjectNode functions = chat.deepCopy();
        functions.putArray("functions").addObject().put("name", "f");
        assertUnsupported(ai, "/v1/chat/completions", functions, "functions");
        // tool fields without tools are invalid (ToolCallsApiTest covers tools)
        for (String field : new String[] {"parallel_tool_calls", "tool_choice"}) {
            ObjectNode orphan = chat.deepCopy();
            if (field.equals("tool_choice")) orphan.put(field, "auto");
            else orphan.put(field, false);
            ApiClient.Response r = ai.post("/v1/chat/completions", orphan);
            assertEquals(400, r.status(), r.text());
            assertEquals(field, r.json().path("error").path("param").asString(), r.text());
        }
        assertUnsupported(
                ai, "/v1/chat/completions", chat.deepCopy().put("reasoning_effort", "low"), "reasoning_effort");
        ObjectNode audio = chat.deepCopy();
        audio.putArray("modalities").add("text").add("audio");
        assertUnsupported(ai, "/v1/chat/completions", audio, "modalities");
        ObjectNode text = chat.deepCopy();
        text.putArray("modalities").add("text");
        assertEquals(
                200, ai.post("/v1/chat/completions", text.put("store", true)).status()); // accepted, no effect
    }

    private static void assertInvalid(OpenAi ai, ObjectNode body, String param) {
        ApiClient.Response r = ai.post("/v1/completions", body);
        assertEquals(400, r.status(), r.text());
        assertEquals("invalid_value", r.json().path("error").path("code").asString(), r.text());
        assertEquals(param, r.json().path("error").path("param").asString(), r.text());
    }

    private static void assertUnsupported(OpenAi ai, String path, ObjectNode body, String param) {
        ApiClient.Response r = ai.post(path, body);
        assertEquals(400, r.status(), r.text());
        assertEquals(
                "unsupported_parameter", r.json().path("error").path("code").asString(), r.text());
        assertEquals(param, r.json().path("error").path("param").asString(), r.text());
    }
}
