package ai.patchwork.api.inference;

import ai.patchwork.api.auth.AuthProperties;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;

/**
 * One streamed completion the process sends itself through its own HTTP port once it listens, before it reports
 * ready: health is OUT_OF_SERVICE until that request has finished. Without it the first client's request runs the
 * request path (Tomcat, the filters, the key lookup, JSON, the tokenizer, the stream, the usage record) interpreted,
 * and on a small machine the JIT compiling all of it takes the cores the engine's step threads need, so that request
 * takes several times as long as the next; so health waits, after the request, for the JIT to have caught up with what
 * it queued (at most 5 s). It authenticates with the default project's key of
 * {@code patchwork.auth.project-key-file} (what {@code ./patchwork up} writes) and is metered like any request of that
 * key; without a key file it still runs the path up to the key check, and health does not wait for the JIT. Any
 * failure only logs: the engines are warm either way. Registered with {@code patchwork.serving.startup-request=true}, which {@code ./patchwork up} sets.
 */
final class StartupRequest implements HealthIndicator {
    private static final Logger log = LoggerFactory.getLogger(StartupRequest.class);
    private static final String PROMPT = "The quick brown fox jumps over the lazy dog.";
    private static final long COMPILER_QUIET_NANOS = 200_000_000L;
    private static final long COMPILER_WAIT_NANOS = 5_000_000_000L;

    private final String model;
    private final Path keyFile;
    private final StartupWarmUp warmUp;
    private volatile boolean done;
    private volatile boolean started;

    /**
     * @param model the base model the request names; null: none is served, nothing to send
     * @param auth where the default project's key is kept, if anywhere
     * @param warmUp run before the request, so that health also waits for the JIT to have compiled what it queued
     */
    StartupRequest(String model, AuthProperties auth, StartupWarmUp warmUp) {
        this.model = model;
        this.keyFile = auth.projectKeyFile();
        this.warmUp = warmUp;
    }

    @Override
    public Health health() {
        return done
                ? Health.up().build()
                : Health.outOfService().withDetail("startup_request", "running").build();
    }

    @EventListener
    void listening(WebServerInitializedEvent event) {
        if (event.getApplicationContext().getParent() != null) return; // the management context's own server
        if (model == null) return; // no base model to ask
        started = true;
        int port = event.getWebServer().getPort();
        Thread.ofPlatform().daemon().name("patchwork-startup-request").start(() -> {
            long t0 = System.nanoTime();
            warmUp();
            try {
                String key = key();
                String outcome = send(port, key);
                // Without a key the request stops at the key check: it queued little to compile, and nobody holding
                // this process's key is about to call it.
                if (key != null) awaitCompiler();
                log.info("startup request: {} ({} ms)", outcome, (System.nanoTime() - t0) / 1_000_000);
            } catch (IOException | RuntimeException e) {
                log.warn("startup request failed: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                done = true;
            }
        });
    }

    /** Any failure only logs: the first client then runs the path cold, as it would without this. */
    private void warmUp() {
        long t0 = System.nanoTime();
        try {
            long bytes = warmUp.run();
            log.info("start-up warm-up moved {} bytes ({} ms)", bytes, (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            log.warn("start-up warm-up failed: {}", e.toString());
        }
    }

    /** Without a web server (a test's mock environment) there is nothing to send: ready as the context is. */
    @EventListener
    void ready(ApplicationReadyEvent event) {
        if (!started) done = true;
    }

    private String send(int port, String key) throws IOException, InterruptedException {
        String body = "{\"model\":\"" + model + "\",\"prompt\":\"" + PROMPT + "\",\"max_tokens\":4,\"temperature\":0,"
                + "\"ignore_eos\":true,\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/completions"))
                .timeout(Duration.ofMinutes(2))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) request.header("Authorization", "Bearer " + key);
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<InputStream> r = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            return "status " + r.statusCode() + (key == null ? " (no project key file)" : "");
        }
    }

    /**
     * Waits, at most {@link #COMPILER_WAIT_NANOS}, until the JIT has compiled nothing for {@link #COMPILER_QUIET_NANOS}:
     * the request queued the compilation of its path, which would otherwise take the first client's cores.
     */
    private static void awaitCompiler() throws InterruptedException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) return;
        long deadline = System.nanoTime() + COMPILER_WAIT_NANOS;
        long last = jit.getTotalCompilationTime();
        long quietSince = System.nanoTime();
        while (System.nanoTime() < deadline && System.nanoTime() - quietSince < COMPILER_QUIET_NANOS) {
            Thread.sleep(20);
            long now = jit.getTotalCompilationTime();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            }
        }
    }

    private String key() throws IOException {
        if (keyFile == null || !Files.isRegularFile(keyFile)) return null;
        return Files.readString(keyFile, StandardCharsets.UTF_8).strip();
    }
}
