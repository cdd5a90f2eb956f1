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

/**
 * {@code bench serve --model-shape}: a separate server process, every cell of the JSON (the adapters' upload and cold
 * load, a fine-tuning job next to serving), the cache reused.
 */
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
                        "base,same,distinct," + SizedServeBench.NO_KEY_CHECK + "," + SizedServeBench.SFT,
                        "--sft-steps",
                        "11",
                        "--sft-words",
                        "6");
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
        JsonNode upload = out.path("upload");
        assertEquals(3, upload.path("adapters").asInt(), upload.toString());
        assertTrue(upload.path("ms").path("max").asDouble()
                >= upload.path("ms").path("p50").asDouble());
        assertTrue(upload.path("ms").path("p50").asDouble() > 0, upload.toString());
        // the server's own timer of the same uploads (Spring's request timer), the start-up warm-up not among them,
        // nor the client's warm-up uploads, which went to a sink in the benchmark's process
        assertEquals(2, upload.path("client_warm_ups").asInt(), upload.toString());
        JsonNode server = upload.path("server_ms");
        assertEquals(3, server.path("count").asInt(), upload.toString());
        assertTrue(server.path("mean").asDouble() > 0, upload.toString());
        assertTrue(server.path("max").asDouble() >= server.path("mean").asDouble(), upload.toString());
        double first = upload.path("ms").path("first").asDouble();
        assertTrue(first > 0 && first <= upload.path("ms").path("max").asDouble(), upload.toString());
        // every adapter was loaded once from the registry, timed by the server, and is resident in both tiers
        JsonNode cold = out.path("cold_load");
        assertEquals(3, cold.path("server_load_ms").path("count").asInt(), cold.toString());
        assertTrue(cold.path("server_load_ms").path("p95").asDouble() > 0, cold.toString());
        assertTrue(cold.path("first_request_ttft_ms").path("p50").asDouble() > 0, cold.toString());
        JsonNode resident = cold.path("resident");
        assertEquals(3, resident.path("adapters_in_host_memory").asInt(), resident.toString());
        assertEquals(3, resident.path("device_slots_used").asInt(), resident.toString());
        long int16 = resident.path("int16_bytes").asLong();
        assertEquals(3 * 2 * AdapterCosts.parameters(adapterFile(out)), int16, resident.toString());
        // the slots share the host tier's int16 copies: the adapters cost their int16 bytes (and scales), once
        long held = resident.path("host_tier_bytes").asLong()
                + resident.path("device_tier_bytes").asLong();
        assertTrue(held >= int16 && held <= int16 * 1.05, resident.toString());
        JsonNode results = out.path("results");
        assertEquals(9, results.size(), results.toString());
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
        // the job trained by the worker role in the same process, then served
        assertTrue(out.path("server").path("args").toString().contains("api,serving,worker"), out.toString());
        JsonNode sft = results.path(8);
        assertEquals("sft", sft.path("mode").asString(), sft.toString());
        assertEquals("succeeded", sft.path("status").asString(), sft.toString());
        // 11 steps: two epochs of the ten examples at batch size 1, the second cut by max_steps
        assertEquals(2, sft.path("n_epochs").asInt(), sft.toString());
        assertTrue(sft.path("trained_tokens").asLong() >= 11 * 6, sft.toString());
        assertTrue(sft.path("step_seconds").asDouble() > 0, sft.toString());
        assertTrue(sft.path("trained_tokens_per_s").asDouble() > 0, sft.toString());
        assertTrue(sft.path("peak_rss_after_job_mb").asLong()
                >= sft.path("peak_rss_before_job_mb").asLong());
        JsonNode request = sft.path("adapter_request");
        assertEquals(200, request.path("status").asInt(), sft.toString());
        assertEquals(8, request.path("completion_tokens").asInt(), sft.toString());
        Path log = Path.of(out.path("server").path("log").asString());
        assertTrue(Files.size(log) > 0, "the server's log is kept");
        assertTrue(Files.notExists(log.resolveSibling("data")), "its database and object store are not");
        // F32 weights of the 3.4M-parameter model, plus the file's header
        assertTrue(
                out.path("model").path("checkpoint_bytes").asLong() > 3410176L * 4,
                out.path("model").toString());
    }

    /** The first adapter's weights file, next to the model in the cache. */
    private Path adapterFile(JsonNode out) throws Exception {
        try (var dirs =
                Files.list(Path.of(out.path("model").path("path").asString()).resolveSibling("adapters-r8"))) {
            return dirs.sorted().findFirst().orElseThrow().resolve("adapter_model.safetensors");
        }
    }

    @Test
    void theTrainingFileHasOneConversationPerLine() {
        List<String> lines = SftAtSize.trainingFile(5).lines().toList();
        assertEquals(SftAtSize.EXAMPLES, lines.size());
        for (String line : lines) {
            JsonNode messages = JsonMapper.shared().readTree(line).path("messages");
            assertEquals("assistant", messages.path(1).path("role").asString());
            assertEquals(5, messages.path(1).path("content").asString().split(" ").length, line);
        }
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
