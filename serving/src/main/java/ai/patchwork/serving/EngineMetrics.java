package ai.patchwork.serving;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The engine's meters. Counters carry an {@code adapter} tag (the adapter id, or {@code base}) because usage is
 * billed per adapter; latency timers do not, to keep the series count independent of the number of adapters.
 */
final class EngineMetrics {

    static final String BASE = "base";

    private final MeterRegistry registry;
    private final Map<String, AdapterMeters> perAdapter = new ConcurrentHashMap<>();
    private final Timer queueTime;
    private final Timer timeToFirstToken;
    private final Timer interToken;
    private final DistributionSummary prefillBatch;
    private final DistributionSummary decodeBatch;
    private final Timer prefillTime;
    private final Timer decodeTime;
    private final Map<FinishReason, Counter> finished = new ConcurrentHashMap<>();
    private final Counter failed;
    private final Counter prefillTokens;
    private final Counter prefixQueries;
    private final Counter prefixHits;
    private final Counter prefixRequests;
    private final Counter prefixHitRequests;
    private volatile double serviceSeconds = 1; // EWMA of admission-to-finish time, for Retry-After

    /** A request's per-adapter counters, resolved once at submit. */
    record AdapterMeters(Counter requests, Counter promptTokens, Counter completionTokens) {}

    EngineMetrics(MeterRegistry registry) {
        this.registry = registry;
        queueTime = latency(registry, "patchwork.queue.time", "submit to admission");
        timeToFirstToken = latency(registry, "patchwork.time.to.first.token", "submit to first token");
        interToken = latency(registry, "patchwork.inter.token.latency", "between two tokens of a sequence");
        prefillBatch = DistributionSummary.builder("patchwork.batch.size")
                .tag("phase", "prefill")
                .description("sequences per forward pass")
                .register(registry);
        decodeBatch = DistributionSummary.builder("patchwork.batch.size")
                .tag("phase", "decode")
                .register(registry);
        prefillTime = Timer.builder("patchwork.step.time")
                .tag("phase", "prefill")
                .description("one forward pass")
                .register(registry);
        decodeTime = Timer.builder("patchwork.step.time").tag("phase", "decode").register(registry);
        failed = counter(registry, "patchwork.requests.finished", null, "reason", "error");
        prefillTokens = counter(
                registry,
                "patchwork.prefill.tokens",
                "prompt tokens computed by prefill passes (the choices of an n > 1 request count once)");
        prefixQueries = Counter.builder("patchwork.prefix.cache.queries")
                .description("prompt tokens looked up in the prefix cache")
                .baseUnit("tokens")
                .register(registry);
        prefixHits = Counter.builder("patchwork.prefix.cache.hits")
                .description("prompt tokens restored from the prefix cache instead of prefilled (cached tokens)")
                .baseUnit("tokens")
                .register(registry);
        prefixRequests = Counter.builder("patchwork.prefix.cache.requests")
                .description("requests looked up in the prefix cache")
                .register(registry);
        prefixHitRequests = Counter.builder("patchwork.prefix.cache.requests.hit")
                .description("requests that restored at least one block from the prefix cache")
                .register(registry);
        Gauge.builder("patchwork.prefix.cache.hit.rate", this, m -> m.prefixHitRate())
                .description("cached tokens / prompt tokens looked up, since start")
                .register(registry);
    }

    /** A timer of a latency, with its median and 95th percentile published. */
    static Timer latency(MeterRegistry registry, String name, String description) {
        return Timer.builder(name)
                .description(description)
                .publishPercentiles(0.5, 0.95)
                .register(registry);
    }

    /** A prompt of {@code promptTokens} looked up in the prefix cache, {@code cached} of them restored. */
    void prefixLookup(int promptTokens, int cached) {
        prefixQueries.increment(promptTokens);
        prefixHits.increment(cached);
        prefixRequests.increment();
        if (cached > 0) prefixHitRequests.increment();
    }

    private double prefixHitRate() {
        double queries = prefixQueries.count();
        return queries == 0 ? 0 : prefixHits.count() / queries;
    }

    /** The prefix cache's blocks in use and in all. */
    void prefixGauges(PrefixCache cache) {
        Gauge.builder("patchwork.prefix.cache.blocks.used", cache, PrefixCache::used)
                .strongReference(true)
                .description("KV blocks of the prefix cache holding a prompt prefix")
                .register(registry);
        Gauge.builder("patchwork.prefix.cache.blocks", cache, PrefixCache::capacity)
                .strongReference(true)
                .description("KV blocks in the prefix cache's pool")
                .register(registry);
    }

    /**
     * @param description what it counts, or null where another counter of the name says it
     * @param tags keys and values, alternately
     */
    static Counter counter(MeterRegistry registry, String name, String description, String... tags) {
        return Counter.builder(name).tags(tags).description(description).register(registry);
    }

    /** Gauges read from the engine's published state; held strongly (Micrometer keeps only weak references). */
    void gauges(Supplier<EngineStats> stats) {
        Gauge.builder("patchwork.queue.size", stats, s -> s.get().waiting())
                .strongReference(true)
                .register(registry);
        Gauge.builder("patchwork.sequences.running", stats, s -> s.get().running())
                .strongReference(true)
                .register(registry);
        Gauge.builder("patchwork.kv.slots.used", stats, s -> s.get().kvSlotsUsed())
                .strongReference(true)
                .register(registry);
        Gauge.builder("patchwork.kv.usage", stats, s -> s.get().kvUsage())
                .strongReference(true)
                .description("fraction of KV cache positions holding live tokens")
                .register(registry);
    }

    AdapterMeters adapter(String adapterId) {
        String tag = adapterId == null ? BASE : adapterId;
        return perAdapter.computeIfAbsent(
                tag,
                a -> new AdapterMeters(
                        counter(registry, "patchwork.requests", "requests submitted", "adapter", a),
                        counter(registry, "patchwork.tokens", null, "adapter", a, "type", "prompt"),
                        counter(registry, "patchwork.tokens", null, "adapter", a, "type", "completion")));
    }

    void queued(long nanos) {
        queueTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    void firstToken(long nanos) {
        timeToFirstToken.record(nanos, TimeUnit.NANOSECONDS);
    }

    void nextToken(long nanos) {
        interToken.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Prompt tokens a prefill pass computed. */
    void prefilled(int tokens) {
        prefillTokens.increment(tokens);
    }

    /** A forward pass of {@code size} sequences that took {@code nanos}. */
    void step(boolean prefill, int size, long nanos) {
        (prefill ? prefillBatch : decodeBatch).record(size);
        (prefill ? prefillTime : decodeTime).record(nanos, TimeUnit.NANOSECONDS);
    }

    void finished(FinishReason reason, long serviceNanos) {
        finished.computeIfAbsent(
                        reason, r -> counter(registry, "patchwork.requests.finished", null, "reason", r.openAiName()))
                .increment();
        if (serviceNanos > 0) serviceSeconds = 0.9 * serviceSeconds + 0.1 * serviceNanos / 1e9;
    }

    void failed() {
        failed.increment();
    }

    /** When a queue place is likely to free up: recent time per request × requests ahead ÷ batch size, 1 s to 60 s. */
    Duration retryAfter(int queued, int batchSize) {
        double seconds = serviceSeconds * Math.max(1, queued) / batchSize;
        return Duration.ofSeconds(Math.max(1, Math.min(60, (long) Math.ceil(seconds))));
    }
}
