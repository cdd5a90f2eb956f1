package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Every meter the API's /actuator/prometheus will expose. */
class MetricsTest {

    @Test
    void requestsTokensLatenciesBatchesKvAndAdapterCacheAreMetered() throws Exception {
        try (Engines.Traced t = Engines.fixture(b -> b.optMaxBatchSize(4))) {
            int[] prompt = {72, 101, 108, 108, 111};
            List<GenerationHandle> handles = new ArrayList<>();
            for (String a : new String[] {null, "all-r8", "all-r8", "qv-r4-rslora", "all-r8"}) {
                handles.add(t.engine.submit(TinyWorld.greedy(prompt, a, 8)));
            }
            for (GenerationHandle h : handles) h.completion().get(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (t.engine.stats().running() > 0 && System.nanoTime() < deadline)
                Thread.sleep(5); // gauges: after the step
            MeterRegistry r = t.registry;
            assertEquals(
                    3,
                    r.get("patchwork.requests")
                            .tag("adapter", "all-r8")
                            .counter()
                            .count());
            assertEquals(
                    1,
                    r.get("patchwork.requests").tag("adapter", "base").counter().count());
            assertEquals(
                    15,
                    r.get("patchwork.tokens")
                            .tags("adapter", "all-r8", "type", "prompt")
                            .counter()
                            .count());
            assertEquals(
                    24,
                    r.get("patchwork.tokens")
                            .tags("adapter", "all-r8", "type", "completion")
                            .counter()
                            .count());
            assertEquals(5, r.get("patchwork.time.to.first.token").timer().count());
            assertEquals(5 * 7, r.get("patchwork.inter.token.latency").timer().count());
            assertEquals(5, r.get("patchwork.queue.time").timer().count());
            assertTrue(r.get("patchwork.batch.size")
                            .tag("phase", "decode")
                            .summary()
                            .max()
                    >= 2);
            assertTrue(r.get("patchwork.batch.size")
                            .tag("phase", "prefill")
                            .summary()
                            .count()
                    >= 1);
            for (String phase : new String[] {"prefill", "decode"}) { // one forward pass timed per batch
                assertEquals(
                        r.get("patchwork.batch.size")
                                .tag("phase", phase)
                                .summary()
                                .count(),
                        r.get("patchwork.step.time").tag("phase", phase).timer().count(),
                        phase);
                assertTrue(
                        r.get("patchwork.step.time").tag("phase", phase).timer().totalTime(TimeUnit.NANOSECONDS) > 0,
                        phase);
            }
            assertEquals(0.0, r.get("patchwork.kv.usage").gauge().value());
            assertEquals(0.0, r.get("patchwork.kv.slots.used").gauge().value());
            assertEquals(0.0, r.get("patchwork.queue.size").gauge().value());
            assertEquals(
                    2,
                    r.get("patchwork.adapter.loads")
                            .tag("result", "success")
                            .counter()
                            .count());
            assertEquals(2, r.get("patchwork.adapter.load.time").timer().count());
            // a request arriving while its adapter loads is a miss too: only two loads, however many misses
            assertEquals(
                    4,
                    r.get("patchwork.adapter.cache.requests").tag("tier", "host").counters().stream()
                            .mapToDouble(c -> c.count())
                            .sum());
            assertTrue(r.get("patchwork.adapter.cache.requests")
                            .tags("tier", "host", "result", "miss")
                            .counter()
                            .count()
                    >= 2);
            assertTrue(r.get("patchwork.adapter.cache.requests")
                            .tags("tier", "device", "result", "hit")
                            .counter()
                            .count()
                    >= 1);
            assertEquals(
                    0,
                    r.get("patchwork.adapter.evictions")
                            .tag("tier", "host")
                            .counter()
                            .count());
            assertEquals(
                    2.0, r.get("patchwork.adapter.device.slots.used").gauge().value());
            // on the CPU runtime a slot shares its adapter's host copy: the host tier counts the bytes, the slots none
            assertEquals(0.0, r.get("patchwork.adapter.device.bytes").gauge().value());
            assertTrue(r.get("patchwork.adapter.host.bytes").gauge().value() > 0);
            assertEquals(
                    5,
                    r.get("patchwork.requests.finished")
                            .tag("reason", "length")
                            .counter()
                            .count());
        }
    }
}
