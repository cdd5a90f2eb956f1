package ai.patchwork.api.finetuning;

import ai.patchwork.api.TaskModelServices;
import ai.patchwork.testsupport.fixtures.TinyLlama;
import ai.patchwork.testsupport.services.TestPostgres;
import ai.patchwork.testsupport.services.TestS3;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The application with only the worker role, in a JVM of its own on the test's database and S3 server: a worker
 * process that a test can kill like a crashed machine ({@link #kill()} is SIGKILL: no shutdown hook runs, the lease
 * is simply no longer renewed) or freeze and thaw ({@link #pause()}, {@link #unpause()}).
 */
final class WorkerProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final long started = System.nanoTime();

    private WorkerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static WorkerProcess start(String workerId) {
        return start(workerId, TestS3.shared().endpoint());
    }

    /** A worker process that reaches the test's S3 server through {@code s3Endpoint} (e.g. an {@link S3Gate}). */
    static WorkerProcess start(String workerId, String s3Endpoint) {
        return start(workerId, Map.of("patchwork.s3.endpoint", s3Endpoint));
    }

    /**
     * The application with the settings of a worker process, {@code overrides} replacing or adding properties (e.g.
     * {@code patchwork.roles} and a database of the test's own).
     */
    static WorkerProcess start(String workerId, Map<String, String> overrides) {
        TestPostgres pg = TestPostgres.shared();
        TestS3 s3 = TestS3.shared();
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("patchwork.roles", "worker");
        properties.put("server.port", "0");
        properties.put("spring.datasource.url", pg.jdbcUrl());
        properties.put("spring.datasource.username", pg.username());
        properties.put("spring.datasource.password", pg.password());
        properties.put("patchwork.s3.endpoint", s3.endpoint());
        properties.put("patchwork.s3.access-key", s3.accessKey());
        properties.put("patchwork.s3.secret-key", s3.secretKey());
        properties.put("patchwork.s3.region", s3.region());
        properties.put("patchwork.s3.bucket", PatchworkTestServices.BUCKET);
        // every base model the test application has, so that registering them marks none inactive
        properties.put(
                "patchwork.base-models." + PatchworkTestServices.BASE_MODEL + ".path",
                TinyLlama.model().toString());
        properties.put(
                "patchwork.base-models." + TaskModelServices.BASE + ".path",
                TaskModelServices.folder().toString());
        properties.put("patchwork.serving.packed-cache-dir", "");
        properties.put("patchwork.fine-tuning.worker.id", workerId);
        properties.put("patchwork.fine-tuning.worker.lease", "3s");
        properties.put("patchwork.fine-tuning.worker.heartbeat", "1s");
        properties.put("patchwork.fine-tuning.worker.poll", "200ms");
        properties.put("logging.level.org.springframework.batch.core.step.AbstractStep", "OFF");
        properties.putAll(overrides);
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(
                java,
                "-Xmx768m",
                "-XX:+UseSerialGC",
                "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                classpath,
                "ai.patchwork.api.PatchworkApplication"));
        properties.forEach((k, v) -> command.add("--" + k + "=" + v));
        try {
            Path log = Files.createTempFile("worker-" + workerId + "-", ".log");
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            return new WorkerProcess(p, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Kills the process with SIGKILL and waits for it to be gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** Freezes the process (SIGSTOP), like a long GC pause or a partitioned machine: it keeps its state, renews none. */
    void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** Lets a {@link #pause() paused} process run on (SIGCONT) from where it was. */
    void unpause() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                .inheritIO()
                .start();
        if (kill.waitFor() != 0) throw new IOException("kill -" + name + " failed");
    }

    /**
     * Waits until the application in the process has started (its worker claims jobs from then on). The start is the
     * part of a fault test that a busy machine stretches most: about 8 s on a quiet 2-core machine, up to about 190 s
     * on one shared with several test JVMs, so waits for what the worker does afterwards begin here, not at launch.
     */
    void awaitStarted(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!logged("Started PatchworkApplication")) {
            if (!process.isAlive()) throw new AssertionError("the worker process exited:\n" + logTail());
            if (System.nanoTime() > deadline)
                throw new AssertionError(diagnose("the worker process did not start within " + timeout));
            Thread.sleep(200);
        }
    }

    /**
     * Waits until the process has started, then until job {@code id} reports a training step of at least {@code step}
     * within {@code timeout} (counted from the start, which a busy machine stretches most); returns the step seen.
     */
    int awaitProgress(FineTuningClient client, String id, int step, Duration timeout) throws InterruptedException {
        awaitStarted(Duration.ofSeconds(600));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new AssertionError("the worker process exited:\n" + logTail());
            int seen = client.progress(id).stream()
                    .mapToInt(e -> e.path("data").path("step").asInt())
                    .max()
                    .orElse(0);
            if (seen >= step) return seen;
            Thread.sleep(50);
        }
        throw new AssertionError(
                diagnose("the worker process did not reach step " + step + "; events " + client.messages(id)));
    }

    /** Whether the process's output has a line containing {@code text}. */
    boolean logged(String text) {
        try {
            return Files.readAllLines(log).stream().anyMatch(l -> l.contains(text));
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops the process with SIGTERM, as an orchestrator or Ctrl-C would, and waits up to 60 s for it to exit. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS))
            throw new AssertionError(diagnose("the worker did not stop within 60 s of SIGTERM"));
        return process.exitValue();
    }

    /**
     * What a test that waited in vain for this process reports: {@code what}, the end of the process's output, and
     * where the thread dumps of the process and of the test's JVM went (also printed to the test's output).
     */
    String diagnose(String what) {
        String dumps = process.isAlive() ? ThreadDumps.take(what, process.pid()) : "the process exited";
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        return what + " (worker process " + process.pid() + ", started " + seconds + " s ago; its log " + log + ")\n"
                + logTail() + "\n" + dumps;
    }

    /** The end of the process's output, for failure messages. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(
                    File.separator.equals("/") ? "\n" : "\r\n",
                    lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            try {
                unpause(); // a paused JVM does not die of SIGKILL's cleanup until it runs
            } catch (IOException e) {
                // it is killed below anyway
            }
            kill();
        }
        try {
            Files.deleteIfExists(log); // a failure's message already carries its tail
        } catch (IOException e) {
            // a temporary file the system cleans up in the end
        }
    }
}
