package ai.patchwork.api.replicas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.inference.ServedModels;
import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.fixtures.TinyLlama;
import ai.patchwork.testsupport.http.MultipartBody;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Serving replica presence over HTTP, against real PostgreSQL: this process (every role) reports itself as replica
 * {@value #REPLICA}, once a second.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "patchwork.serving.replica-id=" + ReplicasApiTest.REPLICA,
            "patchwork.serving.heartbeat-interval=1s",
            "patchwork.serving.adapter-slots=4",
            "management.endpoint.health.probes.enabled=true",
            "logging.level.org.testcontainers.dockerclient=OFF",
            "logging.level.org.gaul=WARN",
            "logging.level.io.zonky=WARN",
            "logging.level.org.eclipse.jetty=WARN"
        })
@Import(PatchworkTestServices.class)
class ReplicasApiTest {
    static final String REPLICA = "replicas-api-test";

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    ServingReplicas replicas;

    @Autowired
    ServedModels served;

    @Test
    void theServingRoleReportsItselfWithItsBaseModels() {
        JsonNode page = await(
                () -> new ApiClient(port).get("/v1/serving/replicas").json(),
                p -> replica(p, REPLICA).isPresent(),
                "replica " + REPLICA + " listed");
        assertEquals("list", page.path("object").asString());
        JsonNode me = replica(page, REPLICA).orElseThrow();
        assertEquals("serving.replica", me.path("object").asString());
        assertEquals(List.of(PatchworkTestServices.BASE_MODEL), strings(me.path("base_models")));
        long startedAt = me.path("started_at").asLong();
        long heartbeatAt = me.path("heartbeat_at").asLong();
        assertTrue(startedAt > 0 && heartbeatAt >= startedAt - 1, me.toString());
        await(
                () -> replica(new ApiClient(port).get("/v1/serving/replicas").json(), REPLICA)
                        .orElseThrow(),
                r -> r.path("heartbeat_at").asLong() > heartbeatAt,
                "the heartbeat advances");
    }

    @Test
    void adapterDetailShowsTheReplicasThatLoadedIt() {
        ApiClient api = new ApiClient(port);
        String name = "loaded-on-" + System.nanoTime();
        String id = upload(api, name);
        JsonNode before = api.get("/v1/adapters/" + id).json();
        assertTrue(before.path("loaded_on").isArray(), before.toString());
        assertEquals(List.of(), strings(before.path("loaded_on")), "nobody has used it yet: " + before);
        assertTrue(
                api.get("/v1/adapters")
                        .json()
                        .path("data")
                        .path(0)
                        .path("loaded_on")
                        .isMissingNode(),
                "the list leaves loaded_on out");

        ApiClient.Response completion = api.post(
                "/v1/completions",
                "application/json",
                "{\"model\": \"" + id + "\", \"prompt\": [72, 101], \"max_tokens\": 2, \"temperature\": 0}");
        assertEquals(200, completion.status(), completion.text());

        JsonNode detail = await(
                () -> api.get("/v1/adapters/" + id).json(),
                d -> strings(d.path("loaded_on")).contains(REPLICA),
                "loaded_on lists " + REPLICA);
        assertEquals(id, detail.path("id").asString());
        assertTrue(
                strings(api.get("/v1/adapters/" + name).json().path("loaded_on"))
                        .contains(REPLICA),
                "by name too");
        assertTrue(strings(replica(api.get("/v1/serving/replicas").json(), REPLICA)
                        .orElseThrow()
                        .path("loaded_adapters"))
                .contains(id));

        // a deleted version leaves the caches (change event), and so the next heartbeat
        assertEquals(200, api.delete("/v1/adapters/" + id).status());
        await(
                () -> replica(api.get("/v1/serving/replicas").json(), REPLICA).orElseThrow(),
                r -> !strings(r.path("loaded_adapters")).contains(id),
                "the deleted adapter is no longer reported");
    }

    @Test
    void staleReplicasAreHiddenAndPrunedLater() {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        String adapter = "adp-" + "s".repeat(24);
        String insert = "INSERT INTO serving_replicas (id, base_models, loaded_adapters, started_at, heartbeat_at) "
                + "VALUES (?, ARRAY['tiny-llama'], ARRAY[?], now() - interval '1 hour', now() - ?::interval)";
        jdbc.update(insert, "stale-replica", adapter, "1 minute");
        jdbc.update(insert, "gone-replica", adapter, "11 minutes");
        jdbc.update(insert, "fresh-replica", adapter, "2 seconds");

        assertEquals(List.of("fresh-replica"), replicas.loadedOn(adapter));
        List<String> listed = new ArrayList<>();
        new ApiClient(port)
                .get("/v1/serving/replicas")
                .json()
                .path("data")
                .forEach(r -> listed.add(r.path("id").asString()));
        assertTrue(listed.contains("fresh-replica") && listed.contains(REPLICA), listed.toString());
        assertFalse(listed.contains("stale-replica") || listed.contains("gone-replica"), listed.toString());

        assertTrue(replicas.prune() >= 1);
        List<String> left = jdbc.queryForList(
                "SELECT id FROM serving_replicas WHERE id LIKE '%-replica' ORDER BY id", String.class);
        assertEquals(List.of("fresh-replica", "stale-replica"), left, "only rows gone for 10 minutes are deleted");
        jdbc.update("DELETE FROM serving_replicas WHERE id IN ('fresh-replica', 'stale-replica')");
    }

    @Test
    void aReplicaThatShutsDownRemovesItsRow() {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        Supplier<Integer> rows = () ->
                jdbc.queryForObject("SELECT count(*) FROM serving_replicas WHERE id = 'short-lived'", Integer.class);
        ReplicaReporter reporter =
                new ReplicaReporter(replicas, served, List.of("tiny-llama"), "short-lived", Duration.ofMillis(100));
        try {
            await(rows, n -> n == 1, "the first heartbeat is written at once");
        } finally {
            reporter.close();
        }
        assertEquals(0, rows.get());
    }

    @Test
    void probesAnswerOnTheirKubernetesPaths() {
        ApiClient api = new ApiClient(port);
        for (String path : List.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness")) {
            ApiClient.Response r = api.get(path);
            assertEquals(200, r.status(), path);
            assertEquals("UP", r.json().path("status").asString(), path);
        }
    }

    private static String upload(ApiClient api, String name) {
        PeftAdapter p = PeftAdapter.fromFolder(TinyLlama.adapter("all-r8"));
        ApiClient.Response r = api.post(
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
        return r.json().path("id").asString();
    }

    private static Optional<JsonNode> replica(JsonNode page, String id) {
        for (JsonNode r : page.path("data")) if (id.equals(r.path("id").asString())) return Optional.of(r);
        return Optional.empty();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }

    /** Polls {@code get} until {@code done} holds (15 s at most: heartbeats are a second apart here). */
    private static <T> T await(Supplier<T> get, Predicate<T> done, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        T last = get.get();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline)
                throw new AssertionError("timed out waiting until " + what + "; last: " + last);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            last = get.get();
        }
        return last;
    }
}
