package ai.patchwork.api.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.inference.InferenceTest;
import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.fixtures.TinyLlama;
import ai.patchwork.testsupport.http.MultipartBody;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Every route of the API, as Spring's handler mappings list them (a new route cannot be forgotten), called with
 * seven keys: none, a made-up one, a revoked one, a read-only key of the project that owns the resources, another
 * project's key, the owner's key and an admin key. Asserts the status class of every cell and that no answer to
 * anyone but the owner's keys contains any of the owner's ids or names (other than one the caller itself sent).
 */
@InferenceTest
class AuthorizationMatrixTest {
    private static final Set<String> INFERENCE = Set.of("/v1/completions", "/v1/chat/completions");

    @LocalServerPort
    int port;

    @Autowired
    KeyStore keys;

    @Autowired
    DataSource dataSource;

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    record Route(String method, String pattern) {}

    enum Cell {
        NO_KEY,
        BAD_KEY,
        REVOKED,
        READ_ONLY,
        OTHER_PROJECT,
        OWN,
        ADMIN
    }

    @Test
    void everyRouteAnswersEveryKindOfKeyAsItShouldAndNeverLeaksAnotherProjectsData() {
        // given project A with a file, an adapter and a job; project B; project C managed through the admin API
        long n = System.nanoTime();
        Project a = keys.createProject("matrix-a-" + n);
        Project b = keys.createProject("matrix-b-" + n);
        Project c = keys.createProject("matrix-c-" + n);
        ApiKey.Created own = keys.create(a.id(), "own", Caller.Permission.ALL);
        ApiKey.Created readOnly = keys.create(a.id(), "read-only", Caller.Permission.READ_ONLY);
        ApiKey.Created revoked = keys.create(a.id(), "revoked", Caller.Permission.ALL);
        keys.revoke(a.id(), revoked.key().id());
        ApiKey.Created other = keys.create(b.id(), "other", Caller.Permission.ALL);
        ApiKey.Created managed = keys.create(c.id(), "managed", Caller.Permission.ALL);
        ApiClient owner = new ApiClient(port).withKey(own.secret());
        String fileId = owner.post(
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
        String adapterName = "matrix-secret-" + n;
        PeftAdapter p = PeftAdapter.fromFolder(TinyLlama.adapter("all-r8"));
        ApiClient.Response up = owner.post(
                "/v1/adapters",
                MultipartBody.create()
                        .field("name", adapterName)
                        .field("base_model", PatchworkTestServices.BASE_MODEL)
                        .file(
                                "adapter_config",
                                PeftAdapter.CONFIG_FILE,
                                p.config().getBytes(StandardCharsets.UTF_8))
                        .file("adapter_model", PeftAdapter.WEIGHTS_FILE, p.weights()));
        assertEquals(201, up.status(), up.text());
        String adapterId = up.json().path("id").asString();
        String jobId = "ftjob-matrix" + n;
        JdbcClient.create(dataSource)
                .sql("INSERT INTO fine_tuning_jobs (id, project_id, base_model, training_file, "
                        + "method, hyperparameters, seed, status, finished_at) VALUES (?, ?, ?, ?, '{\"type\":\"supervised\"}', "
                        + "'{}', 1, 'succeeded', now())")
                .params(jobId, a.id(), PatchworkTestServices.BASE_MODEL, fileId)
                .update();
        List<String> secrets = List.of(fileId, adapterId, adapterName, jobId);
        Map<String, String> vars = Map.ofEntries(
                Map.entry("id", fileId),
                Map.entry("ref", adapterId),
                Map.entry("projectId", c.id()),
                Map.entry("keyId", managed.key().id()),
                Map.entry("serviceAccountId", "svc_acct_" + managed.key().id().substring(4)),
                Map.entry("rateLimitId", "rl-*"));
        Map<Cell, ApiClient> clients = Map.of(
                Cell.NO_KEY, owner.withoutKey(),
                Cell.BAD_KEY, owner.withKey("sk-proj-" + "x".repeat(43)),
                Cell.REVOKED, owner.withKey(revoked.secret()),
                Cell.READ_ONLY, owner.withKey(readOnly.secret()),
                Cell.OTHER_PROJECT, owner.withKey(other.secret()),
                Cell.OWN, owner,
                Cell.ADMIN, owner.withKey(PatchworkTestServices.ADMIN_KEY));

        // when every route is called with every key (deletes last, the owner's and the admin's calls last per route)
        List<Route> routes = routes();
        assertTrue(routes.size() >= 30, "only " + routes.size() + " routes: " + routes);
        List<String> failures = new ArrayList<>();
        StringBuilder table = new StringBuilder();
        int leaks = 0;
        for (Route r : routes) {
            String path = expand(r.pattern(), vars, jobId, adapterName);
            table.append(String.format("%-6s %-62s", r.method(), r.pattern()));
            for (Cell cell : Cell.values()) {
                ApiClient.Response res = call(clients.get(cell), r.method(), path);
                table.append(' ').append(res.status());
                String why = check(cell, r, res.status());
                if (why != null)
                    failures.add(cell + " " + r.method() + " " + path + " -> " + res.status() + ": " + why + " "
                            + res.text().substring(0, Math.min(200, res.text().length())));
                boolean mayShow = cell == Cell.OWN || cell == Cell.READ_ONLY;
                // a 404 may echo the id the caller sent itself; anything else of A's is a leak
                if (!mayShow && secrets.stream().filter(x -> !path.contains(x)).anyMatch(res.text()::contains)) {
                    leaks++;
                    failures.add(
                            cell + " " + r.method() + " " + path + " -> " + res.status() + " shows project A's data");
                }
            }
            table.append('\n');
        }

        // then
        System.out.println(
                "authorization matrix (" + routes.size() + " routes x " + Cell.values().length + " keys, " + "columns "
                        + List.of(Cell.values()) + "), cells leaking another project's data: " + leaks + "\n" + table);
        assertEquals(List.of(), failures);
        assertEquals(0, leaks);
    }

    /** Why {@code status} is wrong for this cell, or null. */
    private static String check(Cell cell, Route r, int status) {
        boolean organization = r.pattern().startsWith("/v1/organization");
        boolean prometheus = r.pattern().startsWith("/actuator/prometheus");
        boolean read = r.method().equals("GET");
        boolean inference = r.method().equals("POST") && INFERENCE.contains(r.pattern());
        boolean ownsPathResource = r.pattern().contains("{") && !organization;
        if (status >= 500) return "a server error";
        return switch (cell) {
            case NO_KEY, BAD_KEY, REVOKED -> status == 401 ? null : "expected 401";
            case ADMIN -> {
                boolean allowed = organization
                        || prometheus
                        || (read
                                && (r.pattern().equals("/v1/serving/replicas")
                                        || r.pattern().equals("/v1/me")));
                yield allowed
                        ? (status == 401 || status == 403 ? "expected the admin key to be let through" : null)
                        : status == 403 ? null : "expected 403";
            }
            case READ_ONLY ->
                organization || prometheus || !(read || inference)
                        ? (status == 403 ? null : "expected 403")
                        : allowedAnswer(status);
            case OTHER_PROJECT ->
                organization || prometheus
                        ? (status == 403 ? null : "expected 403")
                        : ownsPathResource
                                ? (status == 404 ? null : "expected 404")
                                : (status == 401 || status == 403 || status == 404
                                        ? "expected the key to be let through"
                                        : null);
            case OWN -> organization || prometheus ? (status == 403 ? null : "expected 403") : allowedAnswer(status);
        };
    }

    private static String allowedAnswer(int status) {
        return status == 401 || status == 403 || status == 404 ? "expected the owner to get through" : null;
    }

    /** The routes under /v1 (and the metrics), GETs first, deletes last. */
    private List<Route> routes() {
        Set<Route> found =
                new TreeSet<>(Comparator.comparing((Route r) -> r.method().equals("DELETE"))
                        .thenComparing(r -> !r.method().equals("GET"))
                        .thenComparing(Route::pattern)
                        .thenComparing(Route::method));
        for (RequestMappingInfo info : mappings.getHandlerMethods().keySet()) {
            Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
            for (String pattern : info.getPatternValues()) {
                if (!pattern.startsWith("/v1")) continue;
                for (RequestMethod m : methods.isEmpty() ? Set.of(RequestMethod.GET) : methods) {
                    found.add(new Route(m.name(), pattern));
                }
            }
        }
        found.add(new Route("GET", "/actuator/prometheus"));
        return new ArrayList<>(found);
    }

    private static String expand(String pattern, Map<String, String> vars, String jobId, String adapterName) {
        String path = pattern;
        if (pattern.startsWith("/v1/fine_tuning/jobs/")) path = path.replace("{id}", jobId);
        if (pattern.startsWith("/v1/models/")) path = path.replace("{id}", adapterName);
        for (Map.Entry<String, String> v : vars.entrySet()) path = path.replace("{" + v.getKey() + "}", v.getValue());
        if (path.contains("{")) throw new AssertionError("no value for a variable of " + pattern);
        return path;
    }

    private static ApiClient.Response call(ApiClient client, String method, String path) {
        return switch (method) {
            case "GET" -> client.get(path);
            case "DELETE" -> client.delete(path);
            case "POST" ->
                path.equals("/v1/files") || path.equals("/v1/adapters")
                        ? client.post(path, MultipartBody.create().field("purpose", "fine-tune"))
                        : client.postJson(path, "{}");
            default -> throw new AssertionError("no " + method + " in the matrix yet: add it");
        };
    }
}
