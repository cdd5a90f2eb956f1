package ai.patchwork.bench.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The text exposition format as Micrometer's Prometheus registry writes it. */
class PrometheusTest {

    private static final String TEXT = """
            # HELP patchwork_adapter_load_time_seconds source to host memory, per adapter
            # TYPE patchwork_adapter_load_time_seconds summary
            patchwork_adapter_load_time_seconds{base_model="m",quantile="0.5"} 0.042
            patchwork_adapter_load_time_seconds{base_model="m",quantile="0.95"} 0.071
            patchwork_adapter_load_time_seconds_count{base_model="m"} 16
            patchwork_adapter_load_time_seconds_sum{base_model="m"} 0.8
            patchwork_adapter_host_bytes{base_model="a"} 1.0E8
            patchwork_adapter_host_bytes{base_model="b"} 2.5E7
            process_uptime_seconds 12.5
            """;

    @Test
    void readsSamplesByNameAndLabel() {
        Prometheus p = Prometheus.parse(TEXT);
        assertEquals(
                0.071,
                p.max("patchwork_adapter_load_time_seconds", "quantile=\"0.95\"")
                        .orElseThrow());
        assertEquals(
                0.042,
                p.max("patchwork_adapter_load_time_seconds", "quantile=\"0.5\"").orElseThrow());
        assertEquals(16, p.sum("patchwork_adapter_load_time_seconds_count", "").orElseThrow());
        assertEquals(1.25e8, p.sum("patchwork_adapter_host_bytes", "").orElseThrow());
        assertEquals(12.5, p.sum("process_uptime_seconds", "").orElseThrow());
        assertTrue(p.sum("patchwork_missing", "").isEmpty());
    }
}
