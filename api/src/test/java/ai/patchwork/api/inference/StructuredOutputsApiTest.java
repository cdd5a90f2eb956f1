package ai.patchwork.api.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.testsupport.fixtures.TinyLlama;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** response_format and vLLM's guided_json/guided_choice through the API, whole and streamed, base and adapter. */
@InferenceTest
class StructuredOutputsApiTest {
    private static final String SCHEMA = """
      {"type": "object", "properties": {"name": {"type": "string", "maxLength": 6},
       "n": {"type": "integer"}, "mood": {"enum": ["calm", "busy"]}}, "required": ["name", "n", "mood"],
       "additionalProperties": false}""";

    @LocalServerPort
    int port;

    private static ObjectNode chat(String model, long seed) {
        ObjectNode body =
                OpenAi.body(model).put("temperature", 1).put("seed", seed).put("max_tokens", 120);
        body.putArray("messages").addObject().put("role", "user").put("content", "Describe someone as JSON");
        ObjectNode format = body.putObject("response_format").put("type", "json_schema");
        format.putObject("json_schema")
                .put("name", "person")
                .put("strict", true)
                .set("schema", OpenAi.JSON.readTree(SCHEMA));
        return body;
    }

    private static void assertPerson(String text) {
        JsonNode p = OpenAi.JSON.readTree(text);
        assertTrue(
                p.path("name").isString()
                        && p.path("name")
                                        .asString()
                                        .codePointCount(
                                                0, p.path("name").asString().length())
                                <= 6,
                text);
        assertTrue(p.path("n").isIntegralNumber(), text);
        assertTrue(Set.of("calm", "busy").contains(p.path("mood").asString()), text);
        assertEquals(3, p.size(), text);
    }

    @Test
    void chatOutputsFollowTheSchemaOnTheBaseModelAndAnAdapterWholeAndStreamed() {
        OpenAi ai = new OpenAi(port);
        String adapter = ai.upload("structured-" + System.nanoTime(), TinyLlama.adapter("qv-r4-rslora"));
        for (String model : new String[] {"tiny-llama", adapter}) {
            for (long seed = 1; seed <= 3; seed++) {
                ApiClient.Response r = ai.post("/v1/chat/completions", chat(model, seed));
                assertEquals(200, r.status(), r.text());
                JsonNode choice = r.json().path("choices").path(0);
                assertEquals("stop", choice.path("finish_reason").asString());
                String whole = choice.path("message").path("content").asString();
                assertPerson(whole);

                StringBuilder streamed = new StringBuilder();
                for (JsonNode chunk : ai.stream(
                                "/v1/chat/completions", chat(model, seed).put("stream", true), null)
                        .chunks()) {
                    streamed.append(chunk.path("choices")
                            .path(0)
                            .path("delta")
                            .path("content")
                            .asString(""));
                }
                assertEquals(whole, streamed.toString());
            }
        }
    }

    @Test
    void completionsTakeJsonObjectGuidedJsonAndGuidedChoice() {
        OpenAi ai = new OpenAi(port);
        // the mask leaves '{' first; then a bias on '}' (byte-level id 125) closes the object at once
        ObjectNode object = OpenAi.body("tiny-llama").put("prompt", "JSON:").put("max_tokens", 20);
        object.putObject("response_format").put("type", "json_object");
        object.putObject("logit_bias").put("125", 100);
        JsonNode choice =
                ai.post("/v1/completions", object).json().path("choices").path(0);
        assertEquals("{}", choice.path("text").asString(), choice.toString());
        assertEquals("stop", choice.path("finish_reason").asString());

        ObjectNode guided = OpenAi.body("tiny-llama")
                .put("prompt", "JSON:")
                .put("max_tokens", 120)
                .put("seed", 4);
        guided.set("guided_json", OpenAi.JSON.readTree(SCHEMA));
        assertPerson(ai.post("/v1/completions", guided)
                .json()
                .path("choices")
                .path(0)
                .path("text")
                .asString());

        ObjectNode pick = OpenAi.body("tiny-llama")
                .put("prompt", "Answer:")
                .put("max_tokens", 10)
                .put("seed", 2);
        pick.putArray("guided_choice").add("yes").add("no").add("maybe");
        String answer = ai.post("/v1/completions", pick)
                .json()
                .path("choices")
                .path(0)
                .path("text")
                .asString();
        assertTrue(Set.of("yes", "no", "maybe").contains(answer), answer);
    }

    @Test
    void unsupportedSchemasAndFormatsAre400() {
        OpenAi ai = new OpenAi(port);
        ObjectNode pattern = chat("tiny-llama", 1);
        ((ObjectNode) pattern.path("response_format")
                        .path("json_schema")
                        .path("schema")
                        .path("properties")
                        .path("name"))
                .put("pattern", "^[a-z]+$");
        ApiClient.Response r = ai.post("/v1/chat/completions", pattern);
        assertEquals(400, r.status(), r.text());
        assertEquals("response_format", r.json().path("error").path("param").asString());
        assertTrue(r.json().path("error").path("message").asString().contains("'pattern'"), r.text());

        ObjectNode xml = chat("tiny-llama", 1);
        ((ObjectNode) xml.path("response_format")).put("type", "xml");
        assertEquals(400, ai.post("/v1/chat/completions", xml).status());
        ObjectNode noSchema = chat("tiny-llama", 1);
        ((ObjectNode) noSchema.path("response_format")).remove("json_schema");
        assertEquals(
                "response_format",
                ai.post("/v1/chat/completions", noSchema)
                        .json()
                        .path("error")
                        .path("param")
                        .asString());
        ObjectNode both = chat("tiny-llama", 1);
        both.set("guided_json", OpenAi.JSON.readTree(SCHEMA));
        assertEquals(
                "guided_json",
                ai.post("/v1/chat/completions", both)
                        .json()
                        .path("error")
                        .path("param")
                        .asString());
    }
}
