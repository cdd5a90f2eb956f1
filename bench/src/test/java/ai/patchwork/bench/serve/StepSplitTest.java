package ai.patchwork.bench.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** A cell's split of its wall time, from two scrapes of the server's step timers and prefill counters. */
class StepSplitTest {

    private static String scrape(double decodeCount, double decodeSum, double prefillSum, double tokens, double hits) {
        return """
                # HELP patchwork_step_time_seconds one forward pass
                patchwork_step_time_seconds_count{phase="decode"} %s
                patchwork_step_time_seconds_sum{phase="decode"} %s
                patchwork_step_time_seconds_count{phase="prefill"} %s
                patchwork_step_time_seconds_sum{phase="prefill"} %s
                patchwork_prefill_tokens_total %s
                patchwork_prefix_cache_hits_tokens_total %s
                """.formatted(decodeCount, decodeSum, decodeCount / 31, prefillSum, tokens, hits);
    }

    @Test
    void theDifferenceOfTwoScrapesSplitsTheWallTimePerToken() {
        StepSplit before = StepSplit.of(Prometheus.parse(scrape(62, 2.0, 0.1, 40, 16)));
        StepSplit after = StepSplit.of(Prometheus.parse(scrape(124, 4.48, 0.22, 70, 32)));
        StepSplit cell = after.since(before);
        assertEquals(62, cell.decodeSteps(), 1e-9);
        assertEquals(2, cell.prefillSteps(), 1e-9);
        ObjectNode json = JsonMapper.shared().createObjectNode();
        cell.write(json, 64, 2_700_000_000L); // 2.48 s of decode, 0.12 s of prefill, 2.7 s of wall
        ObjectNode s = (ObjectNode) json.get("server_steps");
        assertEquals(62, s.get("decode_steps").asLong());
        assertEquals(40.0, s.get("decode_step_ms").asDouble(), 1e-9);
        assertEquals(60.0, s.get("prefill_step_ms").asDouble(), 1e-9);
        assertEquals(30, s.get("prefill_tokens").asLong());
        assertEquals(16, s.get("cached_prompt_tokens").asLong());
        assertEquals(40.6, s.get("forward_ms_per_token").asDouble(), 1e-9);
        assertEquals(1.6, s.get("other_ms_per_token").asDouble(), 1e-9);
    }
}
