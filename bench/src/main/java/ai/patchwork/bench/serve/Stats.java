package ai.patchwork.bench.serve;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToLongFunction;
import tools.jackson.databind.node.ObjectNode;

/** Nearest-rank percentiles of nanosecond samples, reported in milliseconds; medians and ratios of cells. */
final class Stats {
    private Stats() {}

    /** The p-th percentile (0 < p ≤ 100) in ms, or -1 without samples. */
    static <T> double percentileMs(List<T> items, ToLongFunction<T> nanos, double p) {
        long[] v = items.stream().mapToLong(nanos).filter(x -> x >= 0).sorted().toArray();
        if (v.length == 0) return -1;
        int rank = (int) Math.ceil(p / 100.0 * v.length);
        return round(v[Math.max(0, Math.min(v.length - 1, rank - 1))] / 1e6);
    }

    static <T> double maxMs(List<T> items, ToLongFunction<T> nanos) {
        return round(items.stream().mapToLong(nanos).max().orElse(-1) / 1e6);
    }

    /** A cell's request latency (p50, p95, max) and time to first token (p50, p95), in ms. */
    static void latencies(ObjectNode cell, List<LoadClient.Outcome> ok) {
        cell.putObject("latency_ms")
                .put("p50", percentileMs(ok, LoadClient.Outcome::total, 50))
                .put("p95", percentileMs(ok, LoadClient.Outcome::total, 95))
                .put("max", maxMs(ok, LoadClient.Outcome::total));
        cell.putObject("ttft_ms")
                .put("p50", percentileMs(ok, LoadClient.Outcome::firstChunk, 50))
                .put("p95", percentileMs(ok, LoadClient.Outcome::firstChunk, 95));
    }

    static double round(double x) {
        return Math.round(x * 10) / 10.0;
    }

    /** The median of a non-empty list (the mean of the middle two for an even count). */
    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** A ratio to three decimals. */
    static double ratio(double x) {
        return Math.round(1000 * x) / 1000.0;
    }

    static int[] prompt(int length) {
        int[] ids = new int[length];
        Arrays.setAll(ids, i -> 32 + (i * 37) % 200); // byte-range tokens, no special ids
        return ids;
    }
}
