package ai.patchwork.bench.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code bench model} on a tiny workload: the JSON it prints has every cell, the ratio and the sweep. */
class ModelBenchTest {

    @Test
    void printsEveryCellTheRatioAndTheDistinctAdapterSweep() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        int status;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            status = new CommandLine(new ModelBench())
                    .execute(
                            "--models",
                            "3.4M",
                            "--runtimes",
                            "vector,vector-exact",
                            "--adapters",
                            "6",
                            "--batches",
                            "32",
                            "--prompt",
                            "4",
                            "--decode",
                            "2",
                            "--repeats",
                            "1",
                            "--ratio-repeats",
                            "3",
                            "--distinct-sweep",
                            "2,6,64",
                            "--step-threads",
                            "1,2");
        } finally {
            System.setOut(stdout);
        }
        assertEquals(0, status);
        JsonNode model = JsonMapper.shared()
                .readTree(bytes.toString(StandardCharsets.UTF_8))
                .path("models")
                .path(0);
        assertEquals(3410176, model.path("parameters").asLong());
        // none, one, different per sequence; 1 and 2 threads; adapters in 24 bits and exact
        assertEquals(12, model.path("results").size(), model.toString());
        for (JsonNode cell : model.path("results"))
            assertTrue(cell.path("decode_tokens_per_s").asLong() > 0, cell.toString());
        assertEquals(
                "vector-2-threads",
                model.path("results").path(5).path("runtime").asString());
        assertEquals(
                "vector-exact-2-threads",
                model.path("results").path(11).path("runtime").asString());
        for (String runtime : new String[] {"vector", "vector-2-threads", "vector-exact", "vector-exact-2-threads"}) {
            assertTrue(
                    model.path("mixed_vs_none_decode_at_batch_32").path(runtime).asDouble() > 0, runtime);
        }
        JsonNode pairs = model.path("mixed_vs_none_decode_at_batch_32_pairs").path("vector");
        assertEquals(3, pairs.size(), "one ratio per interleaved pair of runs");
        assertEquals(
                pairs.path(1).asDouble(),
                model.path("mixed_vs_none_decode_at_batch_32").path("vector").asDouble());
        JsonNode reads = model.path("adapter_reads_at_batch_32");
        assertTrue(reads.path("read_gb_per_s").asDouble() > 0, reads.toString());
        double step = reads.path("none_step_ms_one_thread").asDouble();
        long i16 = 4 * 2 * 38912; // per adapter: 4 layers of 38,912 values, 2 bytes each (the scales are not counted)
        for (String runtime : new String[] {"vector", "vector-exact"}) {
            JsonNode storage = reads.path(runtime);
            double mb = Math.round(6 * (runtime.equals("vector") ? i16 : 622592) / 1e5) / 10.0;
            assertEquals(mb, storage.path("adapter_mb_per_step").asDouble(), reads.toString());
            double read = storage.path("read_ms_per_step").asDouble();
            assertEquals(
                    step / (step + read),
                    storage.path("mixed_vs_none_bound_one_thread").asDouble(),
                    2e-3,
                    reads.toString());
        }
        JsonNode sweep = model.path("distinct_adapters_sweep_at_batch_32");
        assertEquals(3, sweep.size());
        int[] distinct = {2, 6, 6}; // at most the pool of 6
        for (int i = 0; i < 3; i++) {
            JsonNode row = sweep.path(i);
            assertEquals(distinct[i], row.path("distinct_adapters").asInt(), row.toString());
            assertEquals(
                    Math.round(distinct[i] * i16 / 1e5) / 10.0,
                    row.path("adapter_mb_read_per_step").asDouble());
            assertTrue(row.path("mixed_vs_none").asDouble() > 0, row.toString());
        }
    }
}
