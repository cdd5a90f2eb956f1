package ai.patchwork.api.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.inference.InferenceTest;
import ai.patchwork.api.usage.UsageRecorder;
import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.fixtures.TinyLlama;
import ai.patchwork.testsupport.http.MultipartBody;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Requests refused for their key, their permission, a rate limit or a quota write nothing: the row counts of every
 * table a request could write are the same before and after (stored objects always come with an artifact row).
 */
@InferenceTest
class RefusedRequestsLeaveNothingTest {
    private static final List<String> TABLES = List.of(
            "files",
            "artifacts",
            "adapters",
            "adapter_names",
            "fine_tuning_jobs",
            "usage_hourly",
            "api_keys",
            "projects");

    @LocalServerPort
    int port;

    @Autowired
    KeyStore keys;

    @Autowired
    DataSource dataSource;

    @Autowired
    UsageRecorder usage;

    @Test
    void refusedUploadsJobsAndCompletionsLeaveNoRows() {
        Project p = keys.createProject("refused-" + System.nanoTime());
        ApiClient own = new ApiClient(port)
                .withKey(keys.create(p.id(), "own", Caller.Permission.ALL).secret());
        ApiClient readOnly = own.withKey(
                keys.create(p.id(), "ro", Caller.Permission.READ_ONLY).secret());
        ApiClient admin = own.withKey(PatchworkTestServices.ADMIN_KEY);
        assertEquals(
                200,
                admin.postJson(
                                "/v1/organization/projects/" + p.id(),
                                "{\"max_stored_bytes\": 10, " + "\"max_concurrent_fine_tuning_jobs\": 1}")
                        .status());
        assertEquals(
                200,
                admin.postJson(
                                "/v1/organization/projects/" + p.id() + "/rate_limits/rl-*",
                                "{\"max_tokens_per_1_minute\": 5}")
                        .status());
        usage.flush(); // earlier tests' counts are written now, not during this test
        Map<String, Long> before = counts();

        for (ApiClient c : List.of(own.withoutKey(), own.withKey("sk-proj-" + "y".repeat(43)), readOnly, admin)) {
            assertEquals(
                    c == readOnly || c == admin ? 403 : 401,
                    c.post("/v1/files", file()).status());
            assertEquals(
                    c == readOnly || c == admin ? 403 : 401,
                    c.post("/v1/adapters", adapter()).status());
        }
        // over the storage quota (10 bytes) and over the tokens per minute (5)
        ApiClient.Response quota = own.post("/v1/files", file());
        assertEquals(429, quota.status(), quota.text());
        assertEquals("quota_exceeded", quota.json().path("error").path("code").asString());
        assertEquals(429, own.post("/v1/adapters", adapter()).status());
        ApiClient.Response limited = own.postJson(
                "/v1/completions", "{\"model\": \"tiny-llama\", \"prompt\": [1, 2, 3], " + "\"max_tokens\": 8}");
        assertEquals(429, limited.status(), limited.text());

        usage.flush();
        assertEquals(before, counts());
    }

    private Map<String, Long> counts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        JdbcClient jdbc = JdbcClient.create(dataSource);
        for (String t : TABLES)
            counts.put(
                    t, jdbc.sql("SELECT count(*) FROM " + t).query(Long.class).single());
        counts.put(
                "rate_limit_windows.requests",
                jdbc.sql("SELECT coalesce(sum(requests), 0) FROM rate_limit_windows")
                        .query(Long.class)
                        .single());
        return counts;
    }

    private static MultipartBody file() {
        return MultipartBody.create()
                .field("purpose", "fine-tune")
                .file(
                        "file",
                        "train.jsonl",
                        ("{\"prompt\": \"refused-" + System.nanoTime() + "\", \"completion\": \"b\"}\n")
                                .getBytes(StandardCharsets.UTF_8));
    }

    private static MultipartBody adapter() {
        PeftAdapter p = PeftAdapter.fromFolder(TinyLlama.adapter("all-r8"));
        return MultipartBody.create()
                .field("name", "refused-" + System.nanoTime())
                .field("base_model", PatchworkTestServices.BASE_MODEL)
                .file("adapter_config", PeftAdapter.CONFIG_FILE, p.config().getBytes(StandardCharsets.UTF_8))
                .file("adapter_model", PeftAdapter.WEIGHTS_FILE, p.weights());
    }
}
