package ai.patchwork.api.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code usage.prompt_tokens_details.cached_tokens}: 0 the first time a prompt is seen, its whole 16-token blocks the
 * second time (all but the last token at most), in the response and in the streamed usage chunk; the text is the same.
 */
@InferenceTest
class CachedTokensApiTest {

    @LocalServerPort
    int port;

    /** A 40-token prompt of byte tokens no other test sends. */
    private static ObjectNode completion(long seed, boolean stream) {
        ObjectNode body = OpenAi.body("tiny-llama")
                .put("temperature", 0)
                .put("max_tokens", 5)
                .put("ignore_eos", true)
                .put("stream", stream);
        if (stream) body.putObject("stream_options").put("include_usage", true);
        ArrayNode prompt = body.putArray("prompt");
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < 40; i++) prompt.add(32 + r.nextInt(200));
        return body;
    }

    @Test
    void theSecondRequestWithAPromptReportsItsCachedBlocks() {
        OpenAi ai = new OpenAi(port);
        long seed = System.nanoTime();
        ApiClient.Response first = ai.post("/v1/completions", completion(seed, false));
        ApiClient.Response second = ai.post("/v1/completions", completion(seed, false));
        assertEquals(200, first.status(), first.text());
        assertEquals(200, second.status(), second.text());
        assertEquals(0, cached(first.json().path("usage")));
        assertEquals(32, cached(second.json().path("usage")), "two whole blocks of 16");
        assertEquals(40, second.json().path("usage").path("prompt_tokens").asInt());
        assertEquals(
                first.json().path("choices").path(0).path("text"),
                second.json().path("choices").path(0).path("text"));

        OpenAi.Stream s = ai.stream("/v1/completions", completion(seed, true), null);
        assertEquals(200, s.status());
        JsonNode usage = s.chunks().stream()
                .filter(c -> c.path("usage").isObject())
                .findFirst()
                .orElseThrow()
                .path("usage");
        assertEquals(32, cached(usage), "streamed");
        assertTrue(hits(ai) >= 64, "the prefix cache's hit counter");
    }

    private static int cached(JsonNode usage) {
        JsonNode details = usage.path("prompt_tokens_details");
        assertTrue(details.path("cached_tokens").isInt(), usage.toString());
        return details.path("cached_tokens").asInt();
    }

    private static double hits(OpenAi ai) {
        String text = ai.api()
                .withKey(PatchworkTestServices.ADMIN_KEY)
                .get("/actuator/prometheus")
                .text();
        return text.lines()
                .filter(l -> l.startsWith("patchwork_prefix_cache_hits_tokens_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }
}
