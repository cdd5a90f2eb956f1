package ai.patchwork.api.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.NodeScript;
import ai.patchwork.api.auth.Caller;
import ai.patchwork.api.auth.KeyStore;
import ai.patchwork.api.auth.Project;
import ai.patchwork.api.inference.InferenceTest;
import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.http.MultipartBody;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * In Chromium ({@code src/test/node/ui/isolation-check.mjs} through playwright-core): a person signed in with project
 * A's key walks every page of the UI and never sees project B's adapter, job or usage, not even by typing their names
 * or ids into the address bar. Without Chromium or Node this test fails, saying what to install.
 */
@InferenceTest
class UiProjectIsolationTest {
    @LocalServerPort
    int port;

    @Autowired
    KeyStore keys;

    @Autowired
    DataSource dataSource;

    @Test
    void projectAsKeyNeverShowsProjectBsAdaptersOrJobsInAnyPage() throws Exception {
        if (!Files.isExecutable(UiBrowserTest.CHROMIUM)) {
            fail("Chromium is missing at " + UiBrowserTest.CHROMIUM
                    + ": install it with 'apt-get install -y chromium'");
        }
        long n = System.nanoTime();
        String keyA = keys.create(keys.createProject("ui-a-" + n).id(), "a", Caller.Permission.ALL)
                .secret();
        Project b = keys.createProject("ui-b-" + n);
        String keyB = keys.create(b.id(), "b", Caller.Permission.ALL).secret();
        Map<String, String> a = world(keyA, "alpha-bot-" + n, 80);
        Map<String, String> other = world(keyB, "beta-bot-" + n, 81);

        NodeScript script =
                NodeScript.install(Path.of("src/test/node/ui"), Path.of("target/ui-browser"), "isolation-check.mjs");
        NodeScript.Result r = script.run(
                120,
                Map.of(
                        "PATCHWORK_URL",
                        "http://127.0.0.1:" + port,
                        "KEY_A",
                        keyA,
                        "PROJECT_A",
                        JsonMapper.shared().writeValueAsString(a),
                        "PROJECT_B",
                        JsonMapper.shared().writeValueAsString(other),
                        "CHROMIUM",
                        UiBrowserTest.CHROMIUM.toString()));
        System.out.println("ui project isolation: " + r.output().strip());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("\"ok\":true"), r.output());
    }

    /** A project's adapter (served once, so that it has usage), training file and finished job. */
    private Map<String, String> world(String key, String adapter, int seed) {
        ApiClient client = new ApiClient(port).withKey(key);
        PeftAdapter p = PeftAdapter.tinyLlama(4, List.of("q_proj", "v_proj"), seed);
        ApiClient.Response up = client.post(
                "/v1/adapters",
                MultipartBody.create()
                        .field("name", adapter)
                        .field("base_model", PatchworkTestServices.BASE_MODEL)
                        .file(
                                "adapter_config",
                                PeftAdapter.CONFIG_FILE,
                                p.config().getBytes(StandardCharsets.UTF_8))
                        .file("adapter_model", PeftAdapter.WEIGHTS_FILE, p.weights()));
        assertEquals(201, up.status(), up.text());
        ApiClient.Response served = client.postJson(
                "/v1/completions", "{\"model\": \"" + adapter + "\", \"prompt\": [72, 101], \"max_tokens\": 2}");
        assertEquals(200, served.status(), served.text());
        String file = client.post(
                        "/v1/files",
                        MultipartBody.create()
                                .field("purpose", "fine-tune")
                                .file(
                                        "file",
                                        "train.jsonl",
                                        "{\"prompt\": \"a\", \"completion\": \"b\"}\n"
                                                .getBytes(StandardCharsets.UTF_8)))
                .json()
                .path("id")
                .asString();
        String job = "ftjob-ui" + seed + System.nanoTime();
        String project = client.get("/v1/me").json().path("project_id").asString();
        JdbcClient.create(dataSource)
                .sql("INSERT INTO fine_tuning_jobs (id, project_id, base_model, training_file, "
                        + "method, hyperparameters, seed, status, finished_at) VALUES (?, ?, ?, ?, '{\"type\":\"supervised\"}', "
                        + "'{}', 1, 'succeeded', now())")
                .params(job, project, PatchworkTestServices.BASE_MODEL, file)
                .update();
        return Map.of("adapter", adapter, "adapterId", up.json().path("id").asString(), "job", job);
    }
}
