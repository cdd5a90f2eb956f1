package ai.patchwork.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.inference.HostileRequests;
import ai.patchwork.testsupport.fixtures.TinyLlama;
import ai.patchwork.testsupport.spring.PatchworkTestServices;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attack suite ({@link HostileRequests}) against {@code ./patchwork up} in a process of its own: the launcher's
 * main in a child JVM with embedded PostgreSQL and S3, a temporary data folder and a random port, serving tiny-llama.
 * No request may get a 5xx or take 10 s; the child's peak resident memory (the kernel's high-water mark) and the disk
 * its data and temporary folders take stay bounded throughout; a normal request is answered afterwards.
 */
class LiveAttackSuiteTest {
    private static final long MAX_RSS = 3L << 30;
    private static final long MAX_DISK = 1L << 30;
    private static final Pattern READY = Pattern.compile("patchwork: ready at http://localhost:(\\d+)/");

    @TempDir
    Path dir;

    @Test
    void hostileRequestsAgainstALiveServerGetNoServerErrorNoHangAndBoundedMemoryAndDisk() throws Exception {
        Path data = dir.resolve("data");
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path log = dir.resolve("patchwork-up.log");
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        long started = System.nanoTime();
        Process up = new ProcessBuilder(List.of(
                        java,
                        "-Xmx1g",
                        "-Djava.io.tmpdir=" + tmp,
                        "-Dai.djl.offline=true",
                        "--enable-native-access=ALL-UNNAMED",
                        "--add-modules",
                        "jdk.incubator.vector",
                        "-cp",
                        classpath,
                        PatchworkUp.class.getName(),
                        "--server.port=0",
                        "--patchwork.data-dir=" + data,
                        "--patchwork.base-models." + HostileRequests.MODEL + ".path=" + TinyLlama.model(),
                        "--patchwork.auth.bootstrap-project-key=" + PatchworkTestServices.PROJECT_KEY,
                        "--patchwork.auth.bootstrap-admin-key=" + PatchworkTestServices.ADMIN_KEY,
                        "--patchwork.serving.max-batch-size=8",
                        "--patchwork.serving.adapter-slots=4"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            int port = awaitReady(up, log);
            long readyMillis = (System.nanoTime() - started) / 1_000_000;
            long attacking = System.nanoTime();
            HostileRequests hostile = new HostileRequests(port);
            List<HostileRequests.Attack> attacks = hostile.attacks();
            long[] peakDisk = {diskUse(data) + diskUse(tmp)};
            long[] peakRss = {rss(up.pid(), "VmRSS:")};
            HostileRequests.Outcome outcome = hostile.run(attacks, () -> {
                peakDisk[0] = Math.max(peakDisk[0], diskUse(data) + diskUse(tmp));
                peakRss[0] = Math.max(peakRss[0], rss(up.pid(), "VmRSS:"));
            });
            ApiClient.Response ok = hostile.normalRequest();
            long highWater = rss(up.pid(), "VmHWM:");
            System.out.printf(
                    "live attack suite: ready in %d ms, %d requests in %d ms (slowest %d ms), child peak RSS %d MiB"
                            + " (sampled %d MiB), peak disk of data and temp folders %d MiB%n",
                    readyMillis,
                    outcome.requests(),
                    (System.nanoTime() - attacking) / 1_000_000,
                    outcome.slowestMillis(),
                    highWater >> 20,
                    peakRss[0] >> 20,
                    peakDisk[0] >> 20);
            assertTrue(outcome.requests() >= 60, "only " + outcome.requests() + " attacks");
            assertTrue(outcome.failures().isEmpty(), outcome.failures() + "\n" + tail(log));
            assertEquals(200, ok.status(), ok.text());
            assertTrue(highWater < MAX_RSS, "peak RSS " + (highWater >> 20) + " MiB");
            assertTrue(peakDisk[0] < MAX_DISK, "peak disk " + (peakDisk[0] >> 20) + " MiB");
        } finally {
            up.destroy(); // SIGTERM: the launcher closes the application, then PostgreSQL and S3
            if (!up.waitFor(60, TimeUnit.SECONDS)) {
                up.destroyForcibly();
                up.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** The port the launcher reports once the application is ready. */
    private static int awaitReady(Process up, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (System.nanoTime() < deadline) {
            if (!up.isAlive()) throw new AssertionError("./patchwork up exited:\n" + tail(log));
            if (Files.exists(log)) {
                Matcher m = READY.matcher(Files.readString(log));
                if (m.find()) return Integer.parseInt(m.group(1));
            }
            Thread.sleep(200);
        }
        throw new AssertionError("./patchwork up was not ready in 300 s:\n" + tail(log));
    }

    /** A line of the child's {@code /proc/<pid>/status} in bytes ({@code VmRSS:} now, {@code VmHWM:} its peak). */
    private static long rss(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field)) return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
            }
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The bytes of the regular files under {@code root}, files that vanish meanwhile not counted. */
    private static long diskUse(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.mapToLong(p -> {
                        try {
                            return Files.isRegularFile(p) ? Files.size(p) : 0;
                        } catch (IOException e) {
                            return 0;
                        }
                    })
                    .sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
