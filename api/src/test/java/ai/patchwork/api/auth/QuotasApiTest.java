package ai.patchwork.api.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.inference.InferenceTest;
import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.http.MultipartBody;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * A project's quotas (stored bytes, unfinished fine-tuning jobs) and its base-model allow-list, through the admin API
 * and the project's own key: over a quota is 429 {@code quota_exceeded} and writes nothing, another project is
 * unaffected, freeing room lets the project go on; a base model outside the allow-list is as absent as an unknown one.
 */
@InferenceTest
class QuotasApiTest {
    private static final String BASE = PatchworkTestServices.BASE_MODEL;

    @LocalServerPort
    int port;

    @Autowired
    KeyStore keys;

    @Autowired
    DataSource dataSource;

    @Test
    void storedBytesCountFilesAndAdaptersAndDeletingFreesRoom() {
        byte[] data = trainingData().getBytes(StandardCharsets.UTF_8);
        Project p = keys.createProject("quota-bytes-" + System.nanoTime());
        configure(p, "{\"max_stored_bytes\": " + (2L * data.length + 10) + "}");
        ApiClient own = client(p);
        ApiClient other = client(keys.createProject("quota-bytes-other-" + System.nanoTime()));

        String first = fileId(own.post("/v1/files", file(data)));
        fileId(own.post("/v1/files", file(data)));
        long filesBefore = rows("files", p);
        ApiClient.Response third = own.post("/v1/files", file(data));
        assertEquals(429, third.status(), third.text());
        assertEquals("quota_exceeded", third.json().path("error").path("code").asString());
        ApiClient.Response adapter = own.post("/v1/adapters", adapter());
        assertEquals(429, adapter.status(), adapter.text());
        assertEquals("quota_exceeded", adapter.json().path("error").path("code").asString());
        assertEquals(filesBefore, rows("files", p));
        assertEquals(0, rows("adapters", p));

        // another project is unaffected
        fileId(other.post("/v1/files", file(data)));
        fileId(other.post("/v1/files", file(data)));
        fileId(other.post("/v1/files", file(data)));

        // deleting a file frees its bytes
        assertEquals(200, own.delete("/v1/files/" + first).status());
        fileId(own.post("/v1/files", file(data)));
    }

    @Test
    void unfinishedJobsAreCappedPerProjectAndACancelledJobFreesItsPlace() {
        Project p = keys.createProject("quota-jobs-" + System.nanoTime());
        configure(p, "{\"max_concurrent_fine_tuning_jobs\": 1}");
        ApiClient own = client(p);
        ApiClient other = client(keys.createProject("quota-jobs-other-" + System.nanoTime()));
        List<String> created = new ArrayList<>();
        try {
            String job = created(own, created);
            long jobsBefore = rows("fine_tuning_jobs", p);
            ApiClient.Response second = createJob(own, fileId(own.post("/v1/files", file(trainingBytes()))));
            assertEquals(429, second.status(), second.text());
            assertEquals(
                    "quota_exceeded", second.json().path("error").path("code").asString());
            assertTrue(second.json().path("error").path("message").asString().contains("maximum of 1"));
            assertEquals(jobsBefore, rows("fine_tuning_jobs", p));

            created(other, created); // another project is unaffected

            assertEquals(
                    200,
                    own.post("/v1/fine_tuning/jobs/" + job + "/cancel", "application/json", "")
                            .status());
            created(own, created); // the cancelled job no longer counts
        } finally {
            for (String id : created) {
                // whichever client owns it cancels it; the other gets a 404
                own.post("/v1/fine_tuning/jobs/" + id + "/cancel", "application/json", "");
                other.post("/v1/fine_tuning/jobs/" + id + "/cancel", "application/json", "");
            }
        }
    }

    @Test
    void aBaseModelOutsideTheAllowListIsAsAbsentAsAnUnknownOne() throws InterruptedException {
        Project p = keys.createProject("allow-list-" + System.nanoTime());
        configure(p, "{\"allowed_base_models\": [\"some-other-base\"]}");
        ApiClient own = client(p);
        String fileId = fileId(own.post("/v1/files", file(trainingBytes())));

        JsonNode models = own.get("/v1/models").json().path("data");
        models.forEach(m -> assertFalse(BASE.equals(m.path("id").asString()), models.toString()));
        assertEquals(404, own.get("/v1/models/" + BASE).status());
        assertModelNotFound(own.postJson("/v1/completions", completion()), 404);
        assertModelNotFound(
                own.postJson(
                        "/v1/chat/completions",
                        "{\"model\": \"" + BASE + "\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"),
                404);
        assertModelNotFound(createJob(own, fileId), 400);
        assertModelNotFound(own.post("/v1/adapters", adapter()), 400);
        assertEquals(0, rows("fine_tuning_jobs", p));
        assertEquals(0, rows("adapters", p));

        // an adapter another project shares with the organization is not served on a base model outside the list
        ApiClient sharer = client(keys.createProject("allow-list-sharer-" + System.nanoTime()));
        ApiClient.Response uploaded = sharer.post("/v1/adapters", adapter());
        assertEquals(201, uploaded.status(), uploaded.text());
        String shared = uploaded.json().path("id").asString();
        assertEquals(
                200,
                sharer.postJson("/v1/adapters/" + shared, "{\"visibility\": \"organization\"}")
                        .status());
        assertEquals(
                404,
                own.postJson("/v1/completions", completion().replace(BASE, shared))
                        .status());

        // lifting the list (null: every base model) takes effect within the key cache's bound
        configure(p, "{\"allowed_base_models\": null}");
        long deadline = System.nanoTime() + 10_000_000_000L;
        int status;
        while ((status = own.postJson("/v1/completions", completion()).status()) != 200
                && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertEquals(200, status);
        assertEquals(200, own.get("/v1/models/" + BASE).status());
        assertEquals(
                200,
                own.postJson("/v1/completions", completion().replace(BASE, shared))
                        .status());
    }

    private ApiClient client(Project p) {
        return new ApiClient(port)
                .withKey(keys.create(p.id(), "k", Caller.Permission.ALL).secret());
    }

    private void configure(Project p, String json) {
        ApiClient.Response r = new ApiClient(port)
                .withKey(PatchworkTestServices.ADMIN_KEY)
                .postJson("/v1/organization/projects/" + p.id(), json);
        assertEquals(200, r.status(), r.text());
    }

    private long rows(String table, Project p) {
        return JdbcClient.create(dataSource)
                .sql("SELECT count(*) FROM " + table + " WHERE project_id = ?")
                .param(p.id())
                .query(Long.class)
                .single();
    }

    private static String created(ApiClient client, List<String> created) {
        ApiClient.Response r = createJob(client, fileId(client.post("/v1/files", file(trainingBytes()))));
        assertEquals(200, r.status(), r.text());
        String id = r.json().path("id").asString();
        created.add(id);
        return id;
    }

    private static ApiClient.Response createJob(ApiClient client, String trainingFile) {
        return client.postJson(
                "/v1/fine_tuning/jobs",
                "{\"model\": \"" + BASE + "\", \"training_file\": \"" + trainingFile + "\", "
                        + "\"hyperparameters\": {\"n_epochs\": 50}}");
    }

    private static void assertModelNotFound(ApiClient.Response r, int status) {
        assertEquals(status, r.status(), r.text());
        assertEquals("model_not_found", r.json().path("error").path("code").asString(), r.text());
    }

    private static String completion() {
        return "{\"model\": \"" + BASE + "\", \"prompt\": [72, 101], \"max_tokens\": 2, \"temperature\": 0}";
    }

    private static String fileId(ApiClient.Response r) {
        assertEquals(200, r.status(), r.text());
        return r.json().path("id").asString();
    }

    private static byte[] trainingBytes() {
        return trainingData().getBytes(StandardCharsets.UTF_8);
    }

    /** Twelve short chat examples: a valid fine-tune file. */
    private static String trainingData() {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            jsonl.append("{\"messages\": [{\"role\": \"user\", \"content\": \"code ")
                    .append(i)
                    .append("\"}, {\"role\": \"assistant\", \"content\": \"")
                    .append(Integer.toString(1000 + i * 37, 36))
                    .append("\"}]}\n");
        }
        return jsonl.toString();
    }

    private static MultipartBody file(byte[] data) {
        return MultipartBody.create().field("purpose", "fine-tune").file("file", "data.jsonl", data);
    }

    private static MultipartBody adapter() {
        PeftAdapter a = PeftAdapter.tinyLlama(4, List.of("q_proj", "v_proj"), 5);
        return MultipartBody.create()
                .field("name", "quota-bot")
                .field("base_model", BASE)
                .file("adapter_config", PeftAdapter.CONFIG_FILE, a.config().getBytes(StandardCharsets.UTF_8))
                .file("adapter_model", PeftAdapter.WEIGHTS_FILE, a.weights());
    }
}
