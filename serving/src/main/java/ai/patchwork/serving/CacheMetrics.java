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
        String lookups = "patchwork.adapter.cache.requests";
        String lookupsHelp = "adapter lookups by tier and result";
        hostHit = EngineMetrics.counter(r, lookups, lookupsHelp, "tier", "host", "result", "hit");
        hostMiss = EngineMetrics.counter(r, lookups, lookupsHelp, "tier", "host", "result", "miss");
        deviceHit = EngineMetrics.counter(r, lookups, lookupsHelp, "tier", "device", "result", "hit");
        deviceMiss = EngineMetrics.counter(r, lookups, lookupsHelp, "tier", "device", "result", "miss");
        String loads = "patchwork.adapter.loads";
        loadOk = EngineMetrics.counter(r, loads, "adapter loads from the source", "result", "success");
        loadFailed = EngineMetrics.counter(r, loads, "adapter loads from the source", "result", "failure");
        loadTime = EngineMetrics.latency(r, "patchwork.adapter.load.time", "source to host memory, per adapter");
        hostEvictions = EngineMetrics.counter(r, "patchwork.adapter.evictions", null, "tier", "host");
        deviceEvictions = EngineMetrics.counter(r, "patchwork.adapter.evictions", null, "tier", "device");
        invalidations = EngineMetrics.counter(r, "patchwork.adapter.invalidations", null);
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
