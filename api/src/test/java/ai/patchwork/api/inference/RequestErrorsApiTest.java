package ai.patchwork.api.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.registry.store.ObjectStore;
import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.fixtures.TinyLlama;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Refusals are plain statuses in OpenAI's envelope, decided before any stream opens. */
@InferenceTest
class RequestErrorsApiTest {
    @LocalServerPort
    int port;

    @Autowired
    ObjectStore store;

    private static ObjectNode completion(String model, boolean stream) {
        ObjectNode body = OpenAi.body(model).put("prompt", "Hello").put("stream", stream);
        return body;
    }

    private static void assertError(ApiClient.Response r, int status, String code, String param) {
        assertEquals(status, r.status(), r.text());
        JsonNode error = r.json().path("error");
        assertEquals(code, error.path("code").asString(null), r.text());
        assertEquals(param, error.path("param").asString(null), r.text());
        assertTrue(error.path("message").asString().length() > 10);
        assertEquals(
                status >= 500 ? "server_error" : "invalid_request_error",
                error.path("type").asString());
    }

    @Test
    void anUnknownModelIs404EvenWhenStreaming() {
        OpenAi ai = new OpenAi(port);
        for (boolean stream : new boolean[] {false, true}) {
            ApiClient.Response r = ai.post("/v1/completions", completion("no-such-model", stream));
            assertError(r, 404, "model_not_found", "model");
            assertTrue(r.raw().headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
            assertError(
                    ai.post("/v1/completions", completion("no-such-model@3", stream)), 404, "model_not_found", "model");
            assertError(
                    ai.post("/v1/completions", completion("adp-000000000000000000000000", stream)),
                    404,
                    "model_not_found",
                    "model");
        }
    }

    @Test
    void aClientThatOnlyAcceptsEventStreamsStillGetsTheErrorAsJson() throws Exception {
        // given a streaming client that sends Accept: text/event-stream, as browsers' EventSource-style clients do
        var request = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .header("Authorization", "Bearer " + PatchworkTestServices.PROJECT_KEY)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(OpenAi.body("no-such-model")
                        .put("stream", true)
                        .set(
                                "messages",
                                tools.jackson.databind.json.JsonMapper.shared()
                                        .readTree("[{\"role\": \"user\", \"content\": \"Hi\"}]"))
                        .toString()))
                .build();

        // when the request fails before the stream opens
        var r = java.net.http.HttpClient.newHttpClient()
                .send(request, java.net.http.HttpResponse.BodyHandlers.ofString());

        // then it is the 404 envelope in JSON, not an empty 500 from content negotiation
        assertEquals(404, r.statusCode(), r.body());
        assertTrue(
                r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                r.headers().toString());
        assertEquals(
                "model_not_found",
                tools.jackson.databind.json.JsonMapper.shared()
                        .readTree(r.body())
                        .path("error")
                        .path("code")
                        .asString());
    }

    @Test
    void aDeletedAdapterIsNotFound() throws Exception {
        OpenAi ai = new OpenAi(port);
        String id = ai.upload("deleted-" + System.nanoTime(), TinyLlama.adapter("qv-r4-rslora"));
        assertEquals(
                200,
                ai.post("/v1/completions", completion(id, false).put("max_tokens", 2))
                        .status());
        assertEquals(200, ai.api().delete("/v1/adapters/" + id).status());
        assertError(ai.post("/v1/completions", completion(id, false)), 404, "model_not_found", "model");
    }

    @Test
    void anAdapterWhoseStoredBytesWereAlteredIs503AndIsNeverServed() throws Exception {
        // given an adapter of its own (weights are content-addressed: no other test shares this object)
        OpenAi ai = new OpenAi(port);
        PeftAdapter adapter = PeftAdapter.tinyLlama(4, List.of("q_proj", "v_proj"), System.nanoTime());
        String id = ai.upload("altered-" + System.nanoTime(), adapter);
        String sha256 = ai.api().get("/v1/adapters/" + id).json().path("sha256").asString();

        // whose object in the bucket is then changed behind the registry's back, same length, one byte flipped
        byte[] altered = adapter.weights().clone();
        altered[altered.length - 1] ^= 0x55;
        Path file = Files.write(Files.createTempFile("altered", ".safetensors"), altered);
        store.put("sha256/" + sha256, file);
        Files.delete(file);

        // then loading it fails on its checksum, in OpenAI's envelope, and every later request fails the same way
        for (int i = 0; i < 2; i++) {
            ApiClient.Response r =
                    ai.post("/v1/completions", completion(id, false).put("max_tokens", 2));
            assertError(r, 503, "adapter_unavailable", "model");
            assertTrue(r.json().path("error").path("message").asString().contains(sha256.substring(0, 12)), r.text());
        }
    }

    @Test
    void aPromptLongerThanTheContextIs400() {
        ObjectNode body = OpenAi.body("tiny-llama").put("max_tokens", 4);
        var prompt = body.putArray("prompt");
        for (int i = 0; i < 300; i++) prompt.add(65);
        OpenAi ai = new OpenAi(port);
        assertError(ai.post("/v1/completions", body), 400, "context_length_exceeded", null);
        assertError(ai.post("/v1/completions", body.put("stream", true)), 400, "context_length_exceeded", null);
    }

    @Test
    void unsupportedOrInvalidFieldsAre400() {
        OpenAi ai = new OpenAi(port);
        assertError(ai.post("/v1/completions", completion("tiny-llama", false).put("n", 0)), 400, "invalid_value", "n");
        assertError(ai.post("/v1/completions", completion("tiny-llama", false).put("n", 9)), 400, "invalid_value", "n");
        assertError(
                ai.post("/v1/completions", completion("tiny-llama", false).put("temperature", 3)),
                400,
                "invalid_value",
                "temperature");
        assertError(
                ai.post("/v1/completions", completion("tiny-llama", false).put("top_p", 0)),
                400,
                "invalid_value",
                "top_p");
        assertError(
                ai.post("/v1/completions", completion("tiny-llama", false).put("max_tokens", 0)),
                400,
                "invalid_value",
                "max_tokens");
        ObjectNode stops = completion("tiny-llama", false);
        stops.putArray("stop").add("a").add("b").add("c").add("d").add("e");
        assertError(ai.post("/v1/completions", stops), 400, "invalid_value", "stop");
        assertError(
                ai.post("/v1/completions", completion("tiny-llama", false).put("temperature", "hot")),
                400,
                "invalid_value",
                "temperature");
        assertError(ai.post("/v1/completions", OpenAi.body("tiny-llama")), 400, "missing_required_parameter", "prompt");
        assertError(
                ai.post("/v1/chat/completions", OpenAi.body("tiny-llama")),
                400,
                "missing_required_parameter",
                "messages");
        assertError(ai.post("/v1/completions", completion(null, false)), 400, "missing_required_parameter", "model");
        ObjectNode ids = OpenAi.body("tiny-llama");
        ids.putArray("prompt").add(1).add(100000);
        assertError(ai.post("/v1/completions", ids), 400, "invalid_value", "prompt");
        assertEquals(
                400,
                ai.api()
                        .post("/v1/completions", "application/json", "{not json")
                        .status());
    }
}
