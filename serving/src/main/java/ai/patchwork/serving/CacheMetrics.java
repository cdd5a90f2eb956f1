package ai.patchwork.serving;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The adapter cache's meters. Hits and misses are counted per tier: the host tier when a request arrives (was its
 * adapter already in memory?), the device tier when it is admitted (was it already in a slot?).
 */
final class CacheMetrics {

    private final Counter hostHit;
    private final Counter hostMiss;
    private final Counter deviceHit;
    private final Counter deviceMiss;
    private final Counter loadOk;
    private final Counter loadFailed;
    private final Timer loadTime;
    private final Counter hostEvictions;
    private final Counter deviceEvictions;
    private final Counter invalidations;

    CacheMetrics(MeterRegistry r) {
        hostHit = Counter.builder("patchwork.adapter.cache.requests")
                .tag("tier", "host")
                .tag("result", "hit")
                .description("adapter lookups by tier and result")
                .register(r);
        hostMiss = Counter.builder("patchwork.adapter.cache.requests")
                .tag("tier", "host")
                .tag("result", "miss")
                .register(r);
        deviceHit = Counter.builder("patchwork.adapter.cache.requests")
                .tag("tier", "device")
                .tag("result", "hit")
                .register(r);
        deviceMiss = Counter.builder("patchwork.adapter.cache.requests")
                .tag("tier", "device")
                .tag("result", "miss")
                .register(r);
        loadOk = Counter.builder("patchwork.adapter.loads")
                .tag("result", "success")
                .description("adapter loads from the source")
                .register(r);
        loadFailed = Counter.builder("patchwork.adapter.loads")
                .tag("result", "failure")
                .register(r);
        loadTime = Timer.builder("patchwork.adapter.load.time")
                .description("source to host memory, per adapter")
                .publishPercentiles(0.5, 0.95)
                .register(r);
        hostEvictions = Counter.builder("patchwork.adapter.evictions")
                .tag("tier", "host")
                .register(r);
        deviceEvictions = Counter.builder("patchwork.adapter.evictions")
                .tag("tier", "device")
                .register(r);
        invalidations = Counter.builder("patchwork.adapter.invalidations").register(r);
    }

    void host(boolean hit) {
        (hit ? hostHit : hostMiss).increment();
    }

    void device(boolean hit) {
        (hit ? deviceHit : deviceMiss).increment();
    }

    void loaded(boolean ok, long nanos) {
        (ok ? loadOk : loadFailed).increment();
        if (ok) loadTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    void hostEviction() {
        hostEvictions.increment();
    }

    void deviceEviction() {
        deviceEvictions.increment();
    }

    void invalidation() {
        invalidations.increment();
    }
}
