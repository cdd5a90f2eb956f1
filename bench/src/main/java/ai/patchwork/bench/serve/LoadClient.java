package ai.patchwork.bench.serve;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends streamed {@code /v1/completions} requests over plain HTTP, a fixed number at a time, and times each one:
 * time to the first {@code data:} chunk, time to {@code [DONE]}, completion tokens from the usage chunk, and the
 * {@code data:} chunks it took.
 *
 * <p>Requests ask for {@code return_token_ids}, so every generated token is streamed as a chunk of its own. Without it
 * a token whose text the detokenizer holds back (a byte of a character not yet complete) sends no chunk, and the
 * bench's random models differ there: the base model's greedy text streamed 30 chunks per 64 tokens, its adapters'
 * 53 to 67, so the no-adapter cells did half the HTTP work of the others and mixed / none measured the stream as much
 * as the adapters. A real model's text streams about one chunk per token, as every mode does now.
 */
final class LoadClient {
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final String url;
    private final String authHeader;
    private final String authValue;
    private int retries;

    /** A client sending {@code key} as its bearer token. */
    LoadClient(int port, String key) {
        this(port, "Authorization", "Bearer " + key);
    }

    private LoadClient(int port, String authHeader, String authValue) {
        this.url = "http://127.0.0.1:" + port + "/v1/completions";
        this.authHeader = authHeader;
        this.authValue = authValue;
    }

    /** A client whose requests skip the key check of a server started with {@link KeyCheckBypass}. */
    static LoadClient withoutKeyCheck(int port) {
        return new LoadClient(port, KeyCheckBypass.HEADER, "1");
    }

    /** From now on a 429 is retried after its {@code Retry-After}, up to {@code max} times per request. */
    void retryOn429(int max) {
        this.retries = max;
    }

    /**
     * One request's outcome; times in nanoseconds from the first attempt, -1 when it did not get that far.
     *
     * @param chunks {@code data:} lines of the stream that answered, {@code [DONE]} included
     * @param rejections 429 answers before this outcome
     * @param cachedTokens the usage's {@code prompt_tokens_details.cached_tokens}: prompt tokens from the prefix cache
     */
    record Outcome(
            int status,
            long firstChunk,
            long total,
            int completionTokens,
            int chunks,
            String error,
            int rejections,
            int cachedTokens) {}

    /** What a run of requests did. */
    record Run(List<Outcome> outcomes, long wallNanos) {
        Map<Integer, Integer> statuses() {
            Map<Integer, Integer> out = new TreeMap<>();
            for (Outcome o : outcomes) out.merge(o.status(), 1, Integer::sum);
            return out;
        }

        long tokens() {
            return outcomes.stream().mapToLong(Outcome::completionTokens).sum();
        }

        List<Outcome> ok() {
            return outcomes.stream()
                    .filter(o -> o.status() == 200 && o.error() == null)
                    .toList();
        }
    }

    /**
     * Sends {@code count} requests, {@code concurrency} at a time.
     *
     * @param model the {@code model} of request i
     */
    Run run(int count, int concurrency, IntFunction<String> model, int[] prompt, int maxTokens)
            throws InterruptedException {
        String ids = Arrays.stream(prompt).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
        return run(count, concurrency, model, i -> ids, maxTokens);
    }

    /**
     * Sends {@code count} requests, {@code concurrency} at a time.
     *
     * @param model the {@code model} of request i
     * @param prompt the {@code prompt} of request i as JSON: a string or an array of token ids
     */
    Run run(int count, int concurrency, IntFunction<String> model, IntFunction<String> prompt, int maxTokens)
            throws InterruptedException {
        return run(count, concurrency, model, prompt, maxTokens, "");
    }

    /**
     * Sends {@code count} requests, {@code concurrency} at a time.
     *
     * @param model the {@code model} of request i
     * @param prompt the {@code prompt} of request i as JSON: a string or an array of token ids
     * @param extra more fields of every request's body, each preceded by a comma (e.g. a {@code response_format})
     */
    Run run(
            int count,
            int concurrency,
            IntFunction<String> model,
            IntFunction<String> prompt,
            int maxTokens,
            String extra)
            throws InterruptedException {
        Semaphore slots = new Semaphore(concurrency);
        ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                slots.acquire();
                String body = body(model.apply(i), prompt.apply(i), maxTokens, extra);
                pool.execute(() -> {
                    try {
                        outcomes.add(send(body));
                    } finally {
                        slots.release();
                    }
                });
            }
        }
        return new Run(new ArrayList<>(outcomes), System.nanoTime() - start);
    }

    private static String body(String model, String prompt, int maxTokens, String extra) {
        return "{\"model\":" + JsonMapper.shared().writeValueAsString(model) + ",\"prompt\":" + prompt
                + ",\"max_tokens\":"
                + maxTokens + ",\"temperature\":0,\"ignore_eos\":true,\"return_token_ids\":true,\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true}" + extra + "}";
    }

    private Outcome send(String body) {
        long t0 = System.nanoTime();
        for (int rejected = 0; ; rejected++) {
            Attempt a = attempt(body, t0);
            if (a.status() != 429 || rejected >= retries) {
                return new Outcome(
                        a.status(),
                        a.firstChunk(),
                        System.nanoTime() - t0,
                        a.tokens(),
                        a.chunks(),
                        a.error(),
                        rejected,
                        a.cachedTokens());
            }
            try {
                Thread.sleep(a.retryAfterSeconds() * 1000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Outcome(429, -1, System.nanoTime() - t0, 0, 0, "interrupted", rejected + 1, 0);
            }
        }
    }

    private record Attempt(
            int status,
            long firstChunk,
            int tokens,
            int chunks,
            String error,
            long retryAfterSeconds,
            int cachedTokens) {
        Attempt(int status, long firstChunk, int tokens, int chunks, String error, long retryAfterSeconds) {
            this(status, firstChunk, tokens, chunks, error, retryAfterSeconds, 0);
        }
    }

    private Attempt attempt(String body, long t0) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/json")
                .header(authHeader, authValue)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<java.io.InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            long first = -1;
            int tokens = 0;
            int cached = 0;
            int chunks = 0;
            String error = null;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                if (r.statusCode() != 200) {
                    long retryAfter =
                            r.headers().firstValueAsLong("Retry-After").orElse(1);
                    return new Attempt(r.statusCode(), -1, 0, 0, null, Math.max(1, retryAfter));
                }
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.startsWith("data: ")) continue;
                    if (first < 0) first = System.nanoTime() - t0;
                    chunks++;
                    if (line.equals("data: [DONE]")) break;
                    // Only the usage chunk and an error event matter: token chunks are not parsed, so the client (in
                    // the
                    // server's JVM, on the same cores) costs the server as little as it can.
                    if (!line.contains("\"completion_tokens\"") && !line.startsWith("data: {\"error\"")) continue;
                    JsonNode chunk = JsonMapper.shared().readTree(line.substring(6));
                    if (chunk.has("error"))
                        error = chunk.path("error").path("message").asString();
                    JsonNode usage = chunk.path("usage");
                    if (usage.isObject()) {
                        tokens = usage.path("completion_tokens").asInt();
                        cached = usage.path("prompt_tokens_details")
                                .path("cached_tokens")
                                .asInt();
                    }
                }
            }
            return new Attempt(200, first, tokens, chunks, error, 0, cached);
        } catch (IOException e) {
            return new Attempt(-1, -1, 0, 0, e.toString(), 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Attempt(-1, -1, 0, 0, "interrupted", 0);
        }
    }
}
