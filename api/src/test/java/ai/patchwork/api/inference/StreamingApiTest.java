package ai.patchwork.api.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Server-sent events in OpenAI's chunk shape: role first, deltas, finish reason, usage on request, [DONE]. */
@InferenceTest
class StreamingApiTest {
    static final int[] PROMPT = {72, 101, 319, 111, 264, 275, 304};

    @LocalServerPort
    int port;

    private static ObjectNode chat(boolean includeUsage) {
        ObjectNode body = OpenAi.body("tiny-llama")
                .put("max_tokens", 12)
                .put("temperature", 0)
                .put("ignore_eos", true)
                .put("stream", true);
        body.putArray("messages").addObject().put("role", "user").put("content", "Hello world");
        if (includeUsage) body.putObject("stream_options").put("include_usage", true);
        return body;
    }

    @Test
    void chatStreamsChunksThenUsageThenDone() {
        OpenAi ai = new OpenAi(port);
        ObjectNode body = chat(true);
        OpenAi.Stream s = ai.stream("/v1/chat/completions", body, null);
        assertEquals(200, s.status());
        assertTrue(s.raw().headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        for (String line : s.lines()) assertTrue(line.isEmpty() || line.startsWith("data: "), line);
        assertEquals(
                "data: [DONE]",
                s.lines().stream().filter(l -> !l.isEmpty()).toList().getLast());
        List<JsonNode> chunks = s.chunks();
        String id = chunks.getFirst().path("id").asString();
        assertTrue(id.startsWith("chatcmpl-"), id);
        for (JsonNode c : chunks) {
            assertEquals(id, c.path("id").asString(), "one id for the whole stream");
            assertEquals("chat.completion.chunk", c.path("object").asString());
            assertEquals("tiny-llama", c.path("model").asString());
            assertTrue(c.has("usage"), "include_usage: every chunk has a usage field");
        }
        assertEquals(
                "assistant",
                chunks.getFirst()
                        .path("choices")
                        .path(0)
                        .path("delta")
                        .path("role")
                        .asString());
        JsonNode usageChunk = chunks.getLast();
        assertEquals(0, usageChunk.path("choices").size());
        assertEquals(12, usageChunk.path("usage").path("completion_tokens").asInt());
        JsonNode finish = chunks.get(chunks.size() - 2).path("choices").path(0);
        assertEquals("length", finish.path("finish_reason").asString());
        StringBuilder text = new StringBuilder();
        for (JsonNode c : chunks.subList(0, chunks.size() - 1)) {
            assertTrue(c.path("usage").isNull());
            text.append(c.path("choices").path(0).path("delta").path("content").asString(""));
        }
        // then: the same text as the same request without streaming
        ObjectNode plain = chat(false).put("stream", false);
        String expected = ai.post("/v1/chat/completions", plain)
                .json()
                .path("choices")
                .path(0)
                .path("message")
                .path("content")
                .asString();
        assertEquals(expected, text.toString());
    }

    @Test
    void completionsStreamTextChunksAndNoUsageUnlessAsked() {
        OpenAi ai = new OpenAi(port);
        ObjectNode body = OpenAi.body("tiny-llama")
                .put("max_tokens", 10)
                .put("temperature", 0)
                .put("ignore_eos", true)
                .put("stream", true)
                .put("return_token_ids", true);
        var prompt = body.putArray("prompt");
        for (int id : PROMPT) prompt.add(id);
        OpenAi.Stream s = ai.stream("/v1/completions", body, null);
        List<JsonNode> chunks = s.chunks();
        StringBuilder text = new StringBuilder();
        int ids = 0;
        for (JsonNode c : chunks) {
            assertEquals("text_completion", c.path("object").asString());
            assertFalse(c.has("usage"));
            text.append(c.path("choices").path(0).path("text").asString());
            ids += c.path("choices").path(0).path("token_ids").size();
        }
        assertEquals(10, ids, "every token id streamed once");
        assertEquals(
                "length",
                chunks.getLast().path("choices").path(0).path("finish_reason").asString());
        ObjectNode plain = body.deepCopy().put("stream", false);
        assertEquals(
                ai.post("/v1/completions", plain)
                        .json()
                        .path("choices")
                        .path(0)
                        .path("text")
                        .asString(),
                text.toString());
        assertEquals(
                "data: [DONE]",
                s.lines().stream().filter(l -> !l.isEmpty()).toList().getLast());
    }

    @Test
    void aSeedReproducesASampledCompletion() {
        OpenAi ai = new OpenAi(port);
        ObjectNode body = OpenAi.body("tiny-llama")
                .put("max_tokens", 24)
                .put("temperature", 0.9)
                .put("top_p", 0.95)
                .put("ignore_eos", true)
                .put("return_token_ids", true)
                .put("seed", 1234);
        body.putArray("prompt").add(72).add(101);
        JsonNode first =
                ai.post("/v1/completions", body).json().path("choices").path(0).path("token_ids");
        JsonNode again =
                ai.post("/v1/completions", body).json().path("choices").path(0).path("token_ids");
        JsonNode other = ai.post("/v1/completions", body.put("seed", 4321))
                .json()
                .path("choices")
                .path(0)
                .path("token_ids");
        assertEquals(first, again);
        assertEquals(24, first.size());
        assertFalse(first.equals(other), "another seed samples other tokens");
    }

    @Test
    void stopStringsEndTheStreamWithStop() {
        OpenAi ai = new OpenAi(port);
        ObjectNode body = OpenAi.body("tiny-llama")
                .put("max_tokens", 16)
                .put("temperature", 0)
                .put("ignore_eos", true);
        var prompt = body.putArray("prompt");
        for (int id : PROMPT) prompt.add(id);
        String full = ai.post("/v1/completions", body)
                .json()
                .path("choices")
                .path(0)
                .path("text")
                .asString();
        String stop = full.substring(3, 5);
        body.put("stop", stop);
        JsonNode cut = ai.post("/v1/completions", body).json().path("choices").path(0);
        assertEquals("stop", cut.path("finish_reason").asString());
        assertEquals(full.substring(0, full.indexOf(stop)), cut.path("text").asString());
    }
}
