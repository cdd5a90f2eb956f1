package ai.patchwork.api.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.inference.InferenceTest;
import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.http.MultipartBody;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * Adapter names belong to projects: project B publishing "support-bot" creates B's own version 1, never version 2 of
 * A's, and A's clients keep being served A's weights; sharing a version with the organization lets B serve it by id
 * but still not version it or delete it.
 */
@InferenceTest
class NameHijackApiTest {
    @LocalServerPort
    int port;

    @Autowired
    KeyStore keys;

    @Test
    void anotherProjectCannotVersionOrServeInPlaceOfAProjectsAdapterName() {
        // given project A's support-bot
        long n = System.nanoTime();
        ApiClient a = client(keys.createProject("hijack-a-" + n));
        ApiClient b = client(keys.createProject("hijack-b-" + n));
        String name = "support-bot";
        JsonNode mine = upload(a, name, 70);
        assertEquals(1, mine.path("version").asInt());

        // when project B publishes the same name, twice
        JsonNode theirs = upload(b, name, 71);
        JsonNode theirs2 = upload(b, name, 72);

        // then B has versions 1 and 2 of its own name, and A still has exactly its version 1
        assertEquals(1, theirs.path("version").asInt());
        assertEquals(2, theirs2.path("version").asInt());
        assertEquals(
                mine.path("id").asString(),
                a.get("/v1/adapters/" + name).json().path("id").asString());
        assertEquals(404, a.get("/v1/adapters/" + name + "@2").status());
        assertEquals(
                theirs2.path("id").asString(),
                b.get("/v1/adapters/" + name).json().path("id").asString());

        // and a completion naming support-bot is served A's adapter for A's key, B's for B's (the usage says which)
        assertEquals(200, complete(a, name).status());
        assertEquals(200, complete(b, name).status());
        assertEquals(mine.path("id").asString(), servedAdapter(a));
        assertEquals(theirs2.path("id").asString(), servedAdapter(b));

        // and B cannot reach A's version by id, nor delete it, nor serve it
        String mineId = mine.path("id").asString();
        assertEquals(404, b.get("/v1/adapters/" + mineId).status());
        assertEquals(404, b.delete("/v1/adapters/" + mineId).status());
        assertEquals(404, complete(b, mineId).status());
        assertEquals(404, b.get("/v1/models/" + mineId).status());

        // and once A shares its version with the organization, B serves it by id, yet still cannot delete it, and the
        // name support-bot still means B's own adapter for B
        ApiClient.Response shared = a.postJson("/v1/adapters/" + mineId, "{\"visibility\": \"organization\"}");
        assertEquals(200, shared.status(), shared.text());
        assertEquals("organization", shared.json().path("visibility").asString());
        assertEquals(
                404,
                b.postJson("/v1/adapters/" + mineId, "{\"visibility\": \"private\"}")
                        .status());
        assertEquals(200, complete(b, mineId).status());
        assertEquals(404, b.delete("/v1/adapters/" + mineId).status());
        assertEquals(
                theirs2.path("id").asString(),
                b.get("/v1/adapters/" + name).json().path("id").asString());
    }

    private ApiClient client(Project p) {
        return new ApiClient(port)
                .withKey(keys.create(p.id(), "k", Caller.Permission.ALL).secret());
    }

    private static JsonNode upload(ApiClient client, String name, int seed) {
        PeftAdapter p = PeftAdapter.tinyLlama(4, List.of("q_proj", "v_proj"), seed);
        ApiClient.Response r = client.post(
                "/v1/adapters",
                MultipartBody.create()
                        .field("name", name)
                        .field("base_model", PatchworkTestServices.BASE_MODEL)
                        .file(
                                "adapter_config",
                                PeftAdapter.CONFIG_FILE,
                                p.config().getBytes(StandardCharsets.UTF_8))
                        .file("adapter_model", PeftAdapter.WEIGHTS_FILE, p.weights()));
        assertEquals(201, r.status(), r.text());
        return r.json();
    }

    private static ApiClient.Response complete(ApiClient client, String model) {
        return client.postJson(
                "/v1/completions",
                "{\"model\": \"" + model + "\", \"prompt\": [72, 101], " + "\"max_tokens\": 2, \"temperature\": 0}");
    }

    /** The adapter id of the project's only usage row. */
    private static String servedAdapter(ApiClient client) {
        JsonNode results = client.get("/v1/usage").json().path("data").path(0).path("results");
        assertEquals(1, results.size(), results.toString());
        String id = results.path(0).path("adapter_id").asString();
        assertNotEquals("", id);
        return id;
    }
}
