package ai.patchwork.api.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.registry.store.Artifacts;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With {@code patchwork.serving.startup-request=true} the process completes one request of its own, with the default
 * project's key from the key file, before its health turns UP: once UP, the engine has already stepped it.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "patchwork.serving.startup-request=true",
            "logging.level.org.gaul=WARN",
            "logging.level.io.zonky=WARN",
            "logging.level.org.eclipse.jetty=WARN"
        })
@Import(PatchworkTestServices.class)
class StartupRequestApiTest {

    @LocalServerPort
    int port;

    @Autowired
    ServedModels served;

    @Autowired
    StartupRequest startupRequest;

    @Autowired
    Artifacts artifacts;

    @Autowired
    StartupWarmUp warmUp;

    @DynamicPropertySource
    static void keyFile(DynamicPropertyRegistry registry) throws IOException {
        Path dir = Files.createTempDirectory("patchwork-startup-request");
        registry.add(
                "patchwork.auth.project-key-file", () -> dir.resolve("api-key").toString());
    }

    @Test
    void healthIsUpOnlyOnceTheStartupRequestRan() throws Exception {
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                .build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            long deadline = System.nanoTime() + 60_000_000_000L;
            HttpResponse<String> r = http.send(health, HttpResponse.BodyHandlers.ofString());
            while (r.statusCode() != 200 && System.nanoTime() < deadline) {
                assertEquals(503, r.statusCode(), r.body());
                assertTrue(r.body().contains("OUT_OF_SERVICE"), r.body());
                Thread.sleep(20);
                r = http.send(health, HttpResponse.BodyHandlers.ofString());
            }
            assertEquals(200, r.statusCode(), r.body());
        }
        assertEquals(Status.UP, startupRequest.health().getStatus());
        long steps = served.engine(PatchworkTestServices.BASE_MODEL)
                .orElseThrow()
                .stats()
                .steps();
        assertTrue(steps >= 4, "a prefill and 3 decode steps ran before UP, got " + steps);
    }

    @Test
    void theAdapterWarmUpLeavesNoObjectAndNoResidentAdapter() throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L; // the start-up's own warm-up has finished by UP
        while (startupRequest.health().getStatus() != Status.UP && System.nanoTime() < deadline) Thread.sleep(20);
        long bytes = warmUp.run();
        assertTrue(bytes > 0, "a synthetic adapter went through the path");
        assertEquals(List.of(), artifacts.store().keys(Artifacts.ROUND_TRIP_PREFIX));
        assertEquals(
                Set.of(),
                served.engine(PatchworkTestServices.BASE_MODEL)
                        .orElseThrow()
                        .adapters()
                        .residentAdapterIds());
    }
}
