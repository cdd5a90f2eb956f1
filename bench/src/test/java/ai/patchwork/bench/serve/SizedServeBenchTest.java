package ai.patchwork.bench.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code bench serve --model-shape}: a separate server process, every cell of the JSON, the cache reused. */
class SizedServeBenchTest {

    @TempDir
    Path cache;

    @Test
    void servesEveryModeAtEveryConcurrencyFromASeparateProcess() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SizedServeBench bench = new SizedServeBench();
        bench.stdout = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int status = new CommandLine(bench)
                .execute(
                        "--model-shape",
                        "3.4M",
                        "--cache-dir",
                        cache.toString(),
                        "--adapters",
                        "3",
                        "--requests",
                        "3",
                        "--max-tokens",
                        "4",
                        "--concurrency",
                        "1,2",
                        "--warmup",
                        "1",
                        "--modes",
                        "base,same,distinct," + SizedServeBench.NO_KEY_CHECK);
        assertEquals(0, status);
        JsonNode out = JsonMapper.shared().readTree(bytes.toString(StandardCharsets.UTF_8));
        JsonNode start = out.path("start");
        assertTrue(start.path("ready_seconds").asDouble() > 0, start.toString());
        assertTrue(start.path("rss_when_ready_mb").asLong() > 0, start.toString());
        assertTrue(start.path("peak_rss_when_ready_mb").asLong()
                >= start.path("rss_when_ready_mb").asLong());
        assertTrue(start.path("first_request_4_tokens_ms").asDouble() > 0, start.toString());
        assertTrue(out.path("end").path("peak_rss_mb").asLong()
                >= start.path("peak_rss_when_ready_mb").asLong());
        assertEquals(3, out.path("registration").path("adapters").asInt());
        JsonNode results = out.path("results");
        assertEquals(8, results.size(), results.toString());
        // the requests without a key (with the bypass header) are answered: the bypass is on the server's classpath
        List<String> modes = List.of("base", "same", "distinct", SizedServeBench.NO_KEY_CHECK);
        for (int i = 0; i < 8; i++) {
            JsonNode cell = results.path(i);
            assertEquals(modes.get(i % 4), cell.path("mode").asString());
            assertEquals(i < 4 ? 1 : 2, cell.path("concurrency").asInt());
            assertEquals(0, cell.path("errors").asInt(), cell.toString());
            assertEquals(12, cell.path("tokens").asInt(), cell.toString());
            assertTrue(cell.path("latency_ms").path("p95").asDouble()
                    >= cell.path("latency_ms").path("p50").asDouble());
        }
        Path log = Path.of(out.path("server").path("log").asString());
        assertTrue(Files.size(log) > 0, "the server's log is kept");
        assertTrue(Files.notExists(log.resolveSibling("data")), "its database and object store are not");
        // F32 weights of the 3.4M-parameter model, plus the file's header
        assertTrue(
                out.path("model").path("checkpoint_bytes").asLong() > 3410176L * 4,
                out.path("model").toString());
    }

    @Test
    void generatedFilesAreReusedAndAnInterruptedAdapterIsWrittenAgain() throws Exception {
        BenchCheckpoint first = BenchCheckpoint.generated("3.4M", cache, 2, 8);
        Path weights = first.model().resolve("model.safetensors");
        FileTime written = FileTime.fromMillis(1_000_000);
        Files.setLastModifiedTime(weights, written);
        Files.delete(first.adapters().get(1).resolve(BenchCheckpoint.COMPLETE)); // as if the run had stopped there
        Path adapter = first.adapters().get(1).resolve("adapter_model.safetensors");
        Files.setLastModifiedTime(adapter, written);

        BenchCheckpoint again = BenchCheckpoint.generated("3.4M", cache, 2, 8);
        assertEquals(first.model(), again.model());
        assertEquals(written, Files.getLastModifiedTime(weights), "the checkpoint is reused");
        assertNotEquals(written, Files.getLastModifiedTime(adapter), "the unfinished adapter is written again");
        assertTrue(Files.exists(again.adapters().get(1).resolve(BenchCheckpoint.COMPLETE)));
    }

    @Test
    void residentMemoryIsReadFromTheProcessStatus() {
        ServerProcess.Memory m = ServerProcess.Memory.parse(
                List.of("Name:\tjava", "VmHWM:\t  2048 kB", "VmRSS:\t    1024 kB", "Threads:\t12"));
        assertEquals(new ServerProcess.Memory(1024 * 1024, 2048 * 1024), m);
    }
}
