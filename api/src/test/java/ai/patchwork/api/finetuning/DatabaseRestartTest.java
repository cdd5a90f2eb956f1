package ai.patchwork.api.finetuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.TaskModelServices;
import ai.patchwork.testsupport.services.RestartablePostgres;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import ai.patchwork.trainer.fixture.ReverseCodeTask;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * PostgreSQL is restarted (stopped, then started on the same port and data directory) under an application (api and
 * worker roles, a process of its own) that is answering a steady stream of requests. Every request during the outage
 * is answered within 10 s, with 200 or with 503 and OpenAI's error envelope ({@code database_unavailable}); afterwards
 * the same process answers normally and its worker claims and finishes a new job, without a restart.
 */
class DatabaseRestartTest {
    private static final Duration HANG = Duration.ofSeconds(10);
    private static final List<String> READS = List.of("/v1/files", "/v1/fine_tuning/jobs", "/v1/models");
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Answer(String path, int status, long millis, String body) {}

    @ParameterizedTest(name = "run {0}")
    @MethodSource("ai.patchwork.testsupport.faults.FaultRepeats#runs")
    void requestsDuringARestartFailCleanlyAndTheServiceRecoversWithoutARestart(int run) throws Exception {
        try (RestartablePostgres pg = RestartablePostgres.create()) {
            int port = freePort();
            try (WorkerProcess app = WorkerProcess.start(
                    "worker-db-restart",
                    Map.of(
                            "patchwork.roles",
                            "api,worker",
                            "server.port",
                            Integer.toString(port),
                            "spring.datasource.url",
                            pg.jdbcUrl(),
                            "spring.datasource.username",
                            pg.username(),
                            "spring.datasource.password",
                            pg.password(),
                            "patchwork.s3.bucket",
                            "db-restart-test",
                            "patchwork.auth.bootstrap-project-key",
                            PatchworkTestServices.PROJECT_KEY,
                            "patchwork.auth.bootstrap-admin-key",
                            PatchworkTestServices.ADMIN_KEY))) {
                awaitUp(app, port);

                // given clients reading steadily
                Queue<Answer> answers = new ConcurrentLinkedQueue<>();
                AtomicBoolean load = new AtomicBoolean(true);
                ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
                for (int c = 0; c < 4; c++) {
                    String path = READS.get(c % READS.size());
                    clients.submit(() -> {
                        while (load.get()) answers.add(get(port, path));
                        return null;
                    });
                }

                // when PostgreSQL stops for a few seconds and starts again on the same port and data
                Thread.sleep(500);
                pg.stop();
                Thread.sleep(4_000);
                pg.start();
                Thread.sleep(1_000);
                load.set(false);
                clients.shutdown();
                assertTrue(clients.awaitTermination(30, TimeUnit.SECONDS), "a client hung");

                // then every answer came in time, and was a success or a clean 503
                long unavailable = 0;
                long slowest = 0;
                for (Answer a : answers) {
                    slowest = Math.max(slowest, a.millis());
                    assertTrue(a.millis() < HANG.toMillis(), a + " took longer than " + HANG);
                    if (a.status() == 200) continue;
                    assertEquals(503, a.status(), a.toString());
                    JsonNode error = JsonMapper.shared().readTree(a.body()).path("error");
                    assertEquals("database_unavailable", error.path("code").asString(), a.toString());
                    assertEquals("server_error", error.path("type").asString(), a.toString());
                    assertTrue(error.path("message").asString().contains("database"), a.toString());
                    unavailable++;
                }
                assertTrue(unavailable > 0, "no request saw the outage: " + answers.size() + " answers");
                System.out.printf(
                        "database restart: %d answers, %d × 503 database_unavailable, slowest %d ms%n",
                        answers.size(), unavailable, slowest);

                // and the same process answers normally and trains a new job to the end
                for (String path : READS) {
                    Answer a = get(port, path);
                    assertEquals(200, a.status(), a.toString());
                }
                FineTuningClient client = new FineTuningClient(port);
                String training = client.trainingFile(ReverseCodeTask.jsonl(
                        new ReverseCodeTask(42, 80).trainingCodes().subList(0, 16)));
                ApiClient.Response created = client.createJob("""
              {"model": "%s", "training_file": "%s", "suffix": "after-restart", "seed": 3,
               "method": {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 1, "batch_size": 8}}}}""".formatted(TaskModelServices.BASE, training));
                assertEquals(200, created.status(), created.text());
                String id = created.json().path("id").asString();
                JsonNode done =
                        client.awaitStatus(id, Set.of("succeeded", "failed", "cancelled"), Duration.ofSeconds(300));
                if (!"succeeded".equals(done.path("status").asString()))
                    fail(app.diagnose("the job after the restart ended " + done));
            }
        }
    }

    private static Answer get(int port, String path) {
        long start = System.nanoTime();
        try {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .header("Authorization", "Bearer " + PatchworkTestServices.PROJECT_KEY)
                            .timeout(HANG.plusSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(path, r.statusCode(), (System.nanoTime() - start) / 1_000_000, r.body());
        } catch (IOException e) {
            return new Answer(path, -1, (System.nanoTime() - start) / 1_000_000, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(path, -1, 0, "interrupted");
        }
    }

    private static void awaitUp(WorkerProcess app, int port) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(400).toNanos();
        while (System.nanoTime() < deadline) {
            if (!app.alive()) fail("the application exited:\n" + app.logTail());
            if (get(port, "/v1/models").status() == 200) return;
            Thread.sleep(250);
        }
        fail(app.diagnose("the application did not answer /v1/models within 400 s"));
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
