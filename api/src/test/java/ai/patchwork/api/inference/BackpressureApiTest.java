package ai.patchwork.api.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.model.fixture.TinyModelSpec;
import ai.patchwork.model.fixture.TinyModelWriter;
import ai.patchwork.serving.InferenceEngine;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.node.ObjectNode;

/**
 * One KV slot and one queue place: the third request is shed with 429, and a client that leaves frees its slot,
 * streaming or not. The
 * sequences here must outlive a few HTTP round trips, so they run on a generated model of the bench's size with a
 * long context (the tiny-llama fixture writes its whole 256-token context in a fraction of a second).
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "patchwork.serving.max-batch-size=1",
            "patchwork.serving.max-queued=1",
            "patchwork.serving.disconnect-check=100ms",
            "logging.level.org.gaul=WARN",
            "logging.level.io.zonky=WARN",
            "logging.level.org.eclipse.jetty=WARN"
        })
@Import(PatchworkTestServices.class)
class BackpressureApiTest {
    static final String SLOW = "slow-3m";

    @LocalServerPort
    int port;

    @Autowired
    ServedModels served;

    @Autowired
    MeterRegistry meters;

    @DynamicPropertySource
    static void slowModel(DynamicPropertyRegistry registry) throws IOException {
        Path dir = Files.createTempDirectory("patchwork-slow-model");
        TinyModelWriter.write(
                TinyModelSpec.builder()
                        .optHidden(256)
                        .optLayers(4)
                        .optHeads(8)
                        .optKvHeads(4)
                        .optIntermediate(768)
                        .optVocab(512)
                        .optMaxPositions(16384)
                        .optSeed(3)
                        .build(),
                dir);
        registry.add("patchwork.base-models." + SLOW + ".path", dir::toString);
    }

    private static ObjectNode longStream() {
        ObjectNode body = OpenAi.body(SLOW)
                .put("max_tokens", 16000)
                .put("temperature", 0)
                .put("ignore_eos", true)
                .put("stream", true);
        body.putArray("prompt").add(72).add(101);
        return body;
    }

    private InferenceEngine engine() {
        return served.engine(SLOW).orElseThrow();
    }

    @Test
    void aFullQueueAnswers429WithRetryAfter() throws Exception {
        OpenAi ai = new OpenAi(port);
        // given: one request decoding (its first chunk arrived) and one waiting
        HttpResponse<InputStream> running = ai.open("/v1/completions", longStream(), null);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(running.body(), StandardCharsets.UTF_8))) {
            nextData(in);
            HttpResponse<InputStream> queued = ai.open("/v1/completions", longStream(), null);
            try (InputStream q = queued.body()) {
                // when
                ApiClient.Response shed =
                        ai.post("/v1/completions", longStream().put("stream", false));
                // then
                assertEquals(429, shed.status(), shed.text());
                assertEquals(
                        "rate_limit_exceeded",
                        shed.json().path("error").path("code").asString());
                long retryAfter = Long.parseLong(
                        shed.raw().headers().firstValue("Retry-After").orElseThrow());
                assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
                assertEquals(1, engine().stats().waiting());
            }
        }
        awaitIdle();
        assertTrue(meters.get("patchwork.requests.rejected")
                        .tag("base_model", SLOW)
                        .counter()
                        .count()
                >= 1);
    }

    @Test
    void aClientThatDisconnectsFreesItsSequenceAtOnce() throws Exception {
        OpenAi ai = new OpenAi(port);
        double cancelledBefore = cancelled();
        HttpResponse<InputStream> r = ai.open("/v1/completions", longStream(), null);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            assertTrue(nextData(in).startsWith("data: {"));
            awaitRunning(1); // the stats are published at the end of the step that streamed the first token
            assertTrue(nextData(in).startsWith("data: {"), "still streaming");
        } // closing the body closes the connection
        long closed = System.nanoTime();
        long stepsAtClose = engine().stats().steps();
        awaitIdle();
        // Counted in engine steps (one token each here), not seconds: a busy machine stalls the client and the engine
        // alike, and the CPU runtime runs this model at about a thousand steps a second.
        long steps = engine().stats().steps() - stepsAtClose;
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closed);
        assertEquals(
                cancelledBefore + 1,
                cancelled(),
                "finished as cancelled, not after its 16000 tokens (" + steps + " steps, " + millis
                        + " ms after the close)");
        assertTrue(steps < 400, "freed within a few steps of the close, not " + steps + " (" + millis + " ms)");
    }

    @Test
    void aNonStreamingClientThatDisconnectsIsCancelledAtItsNextCheck() throws Exception {
        OpenAi ai = new OpenAi(port);
        double cancelledBefore = cancelled();
        byte[] body = longStream().put("stream", false).toString().getBytes(StandardCharsets.UTF_8);
        long stepsAtClose;
        long closed;
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            String head = "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Authorization: " + ai.api().authorization() + "\r\nContent-Length: " + body.length + "\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            awaitRunning(1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (engine().stats().steps() < 20 && System.nanoTime() < deadline) Thread.sleep(1);
            stepsAtClose = engine().stats().steps();
            closed = System.nanoTime();
        } // the client goes away without reading a byte
        awaitIdle();
        long steps = engine().stats().steps() - stepsAtClose;
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closed);
        assertEquals(
                cancelledBefore + 1,
                cancelled(),
                "finished as cancelled, not after its 16000 tokens (" + steps + " steps, " + millis
                        + " ms after the close)");
        // Two checks at most (the first write after the close still lands in the socket's buffer), each 100 ms apart.
        assertTrue(steps < 4000, "cancelled long before max_tokens, not after " + steps + " steps (" + millis + " ms)");
    }

    @Test
    void aLongNonStreamedAnswerParsesAsJsonDespiteItsChecks() {
        OpenAi ai = new OpenAi(port);
        ApiClient.Response r =
                ai.post("/v1/completions", longStream().put("stream", false).put("max_tokens", 600));
        assertEquals(200, r.status(), r.text());
        assertTrue(r.raw().headers().firstValue("Content-Type").orElseThrow().startsWith("application/json"));
        assertEquals(
                "length", r.json().path("choices").path(0).path("finish_reason").asString());
        assertEquals(600, r.json().path("usage").path("completion_tokens").asInt());
    }

    private static String nextData(BufferedReader in) throws IOException {
        for (String line; (line = in.readLine()) != null; ) if (!line.isEmpty()) return line;
        return "";
    }

    private double cancelled() {
        var c = meters.find("patchwork.requests.finished")
                .tag("reason", "cancelled")
                .counter();
        return c == null ? 0 : c.count();
    }

    private void awaitRunning(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (engine().stats().running() != n && System.nanoTime() < deadline) Thread.sleep(1);
        assertEquals(n, engine().stats().running());
    }

    private void awaitIdle() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((engine().stats().running() > 0 || engine().stats().waiting() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(0, engine().stats().running());
        assertEquals(0, engine().stats().waiting());
    }
}
