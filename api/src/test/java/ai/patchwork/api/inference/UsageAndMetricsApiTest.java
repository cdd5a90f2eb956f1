package ai.patchwork.api.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.auth.ApiKey;
import ai.patchwork.api.auth.Caller;
import ai.patchwork.api.auth.KeyStore;
import ai.patchwork.api.auth.Project;
import ai.patchwork.testsupport.fixtures.TinyLlama;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Every request is metered per API key, base model and adapter, readable at /v1/usage and /actuator/prometheus. */
@InferenceTest
class UsageAndMetricsApiTest {
    @LocalServerPort
    int port;

    @Autowired
    KeyStore keys;

    @Test
    void usageIsRecordedPerKeyAndAdapterAndReportedByTheApi() throws Exception {
        // given a project of its own, so that its usage is only this test's
        Project project = keys.createProject("usage-" + System.nanoTime());
        ApiKey.Created created = keys.create(project.id(), "usage", Caller.Permission.ALL);
        OpenAi ai = new OpenAi(port).withKey(port, created.secret());
        String key = "Bearer " + created.secret();
        String adapter = ai.upload("usage-" + System.nanoTime(), TinyLlama.adapter("all-r8"));
        // when: two adapter requests (one streamed) and one base request, with the key
        post(ai, "/v1/completions", completion(adapter, 5), key);
        ObjectNode streamed = completion(adapter, 3).put("stream", true);
        assertEquals(200, ai.stream("/v1/completions", streamed, key).status());
        post(ai, "/v1/completions", completion("tiny-llama", 4), key);
        // then
        JsonNode page = usage(ai, key, "");
        assertEquals("page", page.path("object").asString());
        JsonNode results = page.path("data").path(0).path("results");
        assertEquals(2, results.size(), page.toString());
        JsonNode base = results.get(0);
        assertEquals("tiny-llama", base.path("model").asString());
        assertTrue(base.path("adapter_id").isNull());
        assertEquals(1, base.path("num_model_requests").asLong());
        assertEquals(2, base.path("input_tokens").asLong());
        assertEquals(4, base.path("output_tokens").asLong());
        JsonNode a = results.get(1);
        assertEquals(adapter, a.path("adapter_id").asString());
        assertEquals(created.key().id(), a.path("api_key_id").asString());
        assertEquals(project.id(), a.path("project_id").asString());
        assertTrue(a.path("model").asString().startsWith("usage-"), a.toString());
        assertEquals(2, a.path("num_model_requests").asLong());
        assertEquals(0, a.path("failed_requests").asLong());
        assertEquals(4, a.path("input_tokens").asLong());
        assertEquals(8, a.path("output_tokens").asLong());
        long hour = page.path("data").path(0).path("start_time").asLong();
        assertEquals(0, hour % 3600);
        assertEquals(
                1,
                usage(ai, key, "&model=" + adapter)
                        .path("data")
                        .path(0)
                        .path("results")
                        .size());
        assertEquals(
                0, usage(ai, key, "&start_time=" + (hour + 3600)).path("data").size());
        // and the default project's key sees none of it
        JsonNode others = usage(ai, "Bearer " + PatchworkTestServices.PROJECT_KEY, "&model=" + adapter);
        assertEquals(0, others.path("data").size(), others.toString());
    }

    @Test
    void prometheusShowsPerAdapterCountersAndLatencies() throws Exception {
        OpenAi ai = new OpenAi(port);
        String adapter = ai.upload("metrics-" + System.nanoTime(), TinyLlama.adapter("qv-r4-rslora"));
        post(ai, "/v1/completions", completion(adapter, 6), null);
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                                .header("Authorization", "Bearer " + PatchworkTestServices.ADMIN_KEY)
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        String text = r.body();
        assertEquals(
                6.0,
                sample(
                        text,
                        "patchwork_tokens_total\\{adapter=\"" + adapter
                                + "\",base_model=\"tiny-llama\",type=\"completion\"\\}"));
        assertEquals(
                1.0,
                sample(text, "patchwork_requests_total\\{adapter=\"" + adapter + "\",base_model=\"tiny-llama\"\\}"));
        for (String meter : new String[] {
            "patchwork_time_to_first_token_seconds_count",
            "patchwork_inter_token_latency_seconds_count",
            "patchwork_queue_time_seconds_count",
            "patchwork_batch_size_count",
            "patchwork_kv_usage",
            "patchwork_adapter_loads_total",
            "patchwork_adapter_load_time_seconds",
            "patchwork_adapter_cache_requests_total",
            "patchwork_adapter_evictions_total"
        }) {
            assertTrue(text.contains(meter), meter + " missing");
        }
    }

    private static ObjectNode completion(String model, int maxTokens) {
        ObjectNode body = OpenAi.body(model)
                .put("max_tokens", maxTokens)
                .put("temperature", 0)
                .put("ignore_eos", true);
        body.putArray("prompt").add(72).add(101);
        return body;
    }

    private static void post(OpenAi ai, String path, ObjectNode body, String key) {
        OpenAi.Stream s = ai.stream(path, body, key); // reads the whole (non-streamed) body too
        assertEquals(200, s.status(), String.join("\n", s.lines()));
    }

    private JsonNode usage(OpenAi ai, String key, String query) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/usage?x=1" + query))
                                .header("Authorization", key)
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return OpenAi.JSON.readTree(r.body());
    }

    private static double sample(String prometheus, String series) {
        Matcher m = Pattern.compile("(?m)^" + series + " ([0-9.eE+-]+)$").matcher(prometheus);
        if (!m.find())
            throw new AssertionError(series + " not in\n"
                    + prometheus
                            .lines()
                            .filter(l -> l.startsWith("patchwork_tokens"))
                            .toList());
        return Double.parseDouble(m.group(1));
    }
}
