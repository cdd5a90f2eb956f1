package ai.patchwork.api.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.inference.InferenceTest;
import ai.patchwork.api.limits.RateLimit;
import ai.patchwork.api.limits.RateLimitExceededException;
import ai.patchwork.api.limits.RateLimiter;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Per-project rate limits: past 60 requests a minute a project gets 429 with OpenAI's headers while another project
 * is unaffected, and two replicas (two limiters that share nothing but the database) enforce one limit together.
 */
@InferenceTest
class RateLimitApiTest {
    @LocalServerPort
    int port;

    @Autowired
    KeyStore keys;

    @Autowired
    DataSource dataSource;

    @Test
    void aProjectPastItsRequestsPerMinuteGets429WithHeadersAndAnotherProjectIsUnaffected() throws Exception {
        long n = System.nanoTime();
        Project limited = keys.createProject("limited-" + n);
        Project free = keys.createProject("free-" + n);
        ApiClient admin = new ApiClient(port).withKey(PatchworkTestServices.ADMIN_KEY);
        ApiClient.Response set = admin.postJson(
                "/v1/organization/projects/" + limited.id() + "/rate_limits/rl-*",
                "{\"max_requests_per_1_minute\": 60}");
        assertEquals(200, set.status(), set.text());
        assertEquals(60, set.json().path("max_requests_per_1_minute").asInt());
        ApiClient a = new ApiClient(port)
                .withKey(keys.create(limited.id(), "a", Caller.Permission.ALL).secret());
        ApiClient b = new ApiClient(port)
                .withKey(keys.create(free.id(), "b", Caller.Permission.ALL).secret());
        awaitEarlyInAMinute();

        // when the limited project sends 61 requests within the minute
        List<ApiClient.Response> answers = new ArrayList<>();
        for (int i = 0; i < 61; i++) answers.add(complete(a));

        // then the first 60 are served with the remaining count going down, the 61st is refused with the headers
        for (int i = 0; i < 60; i++) {
            assertEquals(200, answers.get(i).status(), answers.get(i).text());
            assertEquals(Integer.toString(59 - i), header(answers.get(i), "x-ratelimit-remaining-requests"));
        }
        ApiClient.Response refused = answers.get(60);
        assertEquals(429, refused.status());
        assertEquals(
                "rate_limit_exceeded", refused.json().path("error").path("code").asString());
        assertEquals("60", header(refused, "x-ratelimit-limit-requests"));
        assertEquals("0", header(refused, "x-ratelimit-remaining-requests"));
        assertTrue(header(refused, "x-ratelimit-reset-requests").endsWith("s"));
        long retryAfter = Long.parseLong(header(refused, "Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
        System.out.println("rate limit: 60 served, the 61st refused with Retry-After " + retryAfter + " s and "
                + refused.raw().headers().map());

        // and the other project is served, without rate limit headers; the refusal left no usage behind
        ApiClient.Response other = complete(b);
        assertEquals(200, other.status());
        assertTrue(
                other.raw().headers().firstValue("x-ratelimit-limit-requests").isEmpty());
        long requests = a.get("/v1/usage")
                .json()
                .path("data")
                .path(0)
                .path("results")
                .path(0)
                .path("num_model_requests")
                .asLong();
        assertEquals(60, requests);
    }

    @Test
    void twoReplicasSharingTheDatabaseEnforceOneLimit() throws Exception {
        Project p = keys.createProject("replicas-" + System.nanoTime());
        RateLimiter replica1 = new RateLimiter(dataSource);
        RateLimiter replica2 = new RateLimiter(dataSource);
        replica1.set(p.id(), new RateLimit(RateLimit.ALL_MODELS, 25, null));
        awaitEarlyInAMinute();
        // 2 replicas x 2 threads x 20 requests at once against a limit of 25
        List<Callable<Boolean>> tasks = new ArrayList<>();
        for (RateLimiter replica : List.of(replica1, replica2, replica1, replica2)) {
            tasks.add(() -> {
                int admitted = 0;
                for (int i = 0; i < 20; i++) {
                    try {
                        replica.admit(p.id(), "tiny-llama", 10);
                        admitted++;
                    } catch (RateLimitExceededException e) {
                        assertEquals("0", e.headers().get("x-ratelimit-remaining-requests"));
                    }
                }
                return admitted > 0;
            });
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            for (Future<Boolean> f : pool.invokeAll(tasks)) f.get();
        }
        long counted = JdbcClient.create(dataSource)
                .sql("SELECT sum(requests) FROM rate_limit_windows WHERE " + "project_id = ?")
                .param(p.id())
                .query(Long.class)
                .single();
        assertEquals(25, counted, "admitted across both replicas");
        assertThrows(RateLimitExceededException.class, () -> replica2.admit(p.id(), "tiny-llama", 10));
    }

    /** Waits, if needed, until the database's clock is in the first 40 seconds of a minute: the test fits in it. */
    private void awaitEarlyInAMinute() throws InterruptedException {
        while (JdbcClient.create(dataSource)
                        .sql("SELECT extract(second FROM now())")
                        .query(Double.class)
                        .single()
                > 40) {
            Thread.sleep(500);
        }
    }

    private static ApiClient.Response complete(ApiClient client) {
        return client.postJson(
                "/v1/completions",
                "{\"model\": \"tiny-llama\", \"prompt\": [72, 101], " + "\"max_tokens\": 1, \"temperature\": 0}");
    }

    private static String header(ApiClient.Response r, String name) {
        return r.raw()
                .headers()
                .firstValue(name)
                .orElseThrow(() -> new AssertionError(
                        "no " + name + " in " + r.raw().headers().map()));
    }
}
