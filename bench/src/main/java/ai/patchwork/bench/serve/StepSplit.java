package ai.patchwork.bench.serve;

import tools.jackson.databind.node.ObjectNode;

/**
 * Where a cell's wall time went on the server, from its own step timers ({@code patchwork_step_time} by phase) and
 * prefill counters, scraped from {@code /actuator/prometheus} before and after the cell: the forward passes of prefill
 * and decode, and the rest (HTTP, tokenizing, sampling, streaming, the gaps between requests and steps), per
 * completion token. The rest is what a faster forward pass does not shorten.
 */
record StepSplit(
        double decodeSteps,
        double decodeSeconds,
        double prefillSteps,
        double prefillSeconds,
        double prefillTokens,
        double cachedTokens) {

    StepSplit {
        if (decodeSteps < 0 || prefillSteps < 0 || decodeSeconds < 0 || prefillSeconds < 0)
            throw new IllegalArgumentException("step counts and times are never negative");
    }

    /** The server's totals so far. */
    static StepSplit scrape(int port, String adminKey) {
        return of(Prometheus.scrape(port, adminKey));
    }

    /** The totals in a scrape. */
    static StepSplit of(Prometheus p) {
        return new StepSplit(
                p.sum("patchwork_step_time_seconds_count", "phase=\"decode\"").orElse(0),
                p.sum("patchwork_step_time_seconds_sum", "phase=\"decode\"").orElse(0),
                p.sum("patchwork_step_time_seconds_count", "phase=\"prefill\"").orElse(0),
                p.sum("patchwork_step_time_seconds_sum", "phase=\"prefill\"").orElse(0),
                p.sum("patchwork_prefill_tokens_total", "").orElse(0),
                p.sum("patchwork_prefix_cache_hits_tokens_total", "").orElse(0));
    }

    /** What happened between {@code before} and this scrape. */
    StepSplit since(StepSplit before) {
        return new StepSplit(
                decodeSteps - before.decodeSteps,
                decodeSeconds - before.decodeSeconds,
                prefillSteps - before.prefillSteps,
                prefillSeconds - before.prefillSeconds,
                prefillTokens - before.prefillTokens,
                cachedTokens - before.cachedTokens);
    }

    /** Writes the split of a cell of {@code tokens} completion tokens over {@code wallNanos} into {@code cell}. */
    void write(ObjectNode cell, long tokens, long wallNanos) {
        double wallMs = wallNanos / 1e6;
        double forwardMs = 1000 * (decodeSeconds + prefillSeconds);
        ObjectNode s = cell.putObject("server_steps");
        s.put("decode_steps", (long) decodeSteps);
        s.put("decode_step_ms", Stats.round(decodeSteps == 0 ? 0 : 1000 * decodeSeconds / decodeSteps));
        s.put("prefill_steps", (long) prefillSteps);
        s.put("prefill_step_ms", Stats.round(prefillSteps == 0 ? 0 : 1000 * prefillSeconds / prefillSteps));
        s.put("prefill_tokens", (long) prefillTokens);
        s.put("cached_prompt_tokens", (long) cachedTokens);
        s.put("forward_ms_per_token", Stats.round(tokens == 0 ? 0 : forwardMs / tokens));
        s.put("other_ms_per_token", Stats.round(tokens == 0 ? 0 : (wallMs - forwardMs) / tokens));
    }
}
