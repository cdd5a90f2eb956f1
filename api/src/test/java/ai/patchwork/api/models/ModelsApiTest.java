package ai.patchwork.api.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.ApiTest;
import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.fixtures.TinyLlama;
import ai.patchwork.testsupport.http.MultipartBody;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

@ApiTest
class ModelsApiTest {
    @LocalServerPort
    int port;

    @Test
    void listsBaseModelsAndTheLatestReadyVersionOfEachAdapter() {
        // given: two versions of one adapter name
        ApiClient api = new ApiClient(port);
        String name = "models-" + System.nanoTime();
        PeftAdapter p = PeftAdapter.fromFolder(TinyLlama.adapter("qv-r4-rslora"));
        api.post("/v1/adapters", upload(name, p));
        String v2 = api.post("/v1/adapters", upload(name, PeftAdapter.fromFolder(TinyLlama.adapter("all-r8"))))
                .json()
                .path("id")
                .asString();
        // when
        JsonNode list = api.get("/v1/models").json();
        // then
        assertEquals("list", list.path("object").asString());
        JsonNode base = find(list, "tiny-llama");
        assertEquals("model", base.path("object").asString());
        assertEquals("patchwork", base.path("owned_by").asString());
        assertTrue(base.path("parent").isNull());
        JsonNode adapter = find(list, name);
        assertEquals("tiny-llama", adapter.path("parent").asString());
        assertEquals(v2, adapter.path("root").asString());
        assertTrue(adapter.path("created").asLong() > 0);
        assertEquals(
                1,
                list.path("data")
                        .valueStream()
                        .filter(m -> m.path("id").asString().equals(name))
                        .count());
    }

    @Test
    void retrievesOneModel() {
        ApiClient api = new ApiClient(port);
        assertEquals(
                "tiny-llama", api.get("/v1/models/tiny-llama").json().path("id").asString());
        String name = "model-one-" + System.nanoTime();
        api.post("/v1/adapters", upload(name, PeftAdapter.fromFolder(TinyLlama.adapter("all-r8"))));
        JsonNode m = api.get("/v1/models/" + name + "@1").json();
        assertEquals(name + "@1", m.path("id").asString());
        assertEquals("tiny-llama", m.path("parent").asString());
        ApiClient.Response missing = api.get("/v1/models/nope");
        assertEquals(404, missing.status());
        assertEquals("no adapter 'nope' with a ready version", missing.errorMessage());
    }

    private static MultipartBody upload(String name, PeftAdapter p) {
        return MultipartBody.create()
                .field("name", name)
                .field("base_model", "tiny-llama")
                .file("adapter_config", "adapter_config.json", p.config().getBytes(StandardCharsets.UTF_8))
                .file("adapter_model", "adapter_model.safetensors", p.weights());
    }

    private static JsonNode find(JsonNode list, String id) {
        for (JsonNode m : list.path("data")) if (m.path("id").asString().equals(id)) return m;
        throw new AssertionError(id + " not in " + list);
    }
}
