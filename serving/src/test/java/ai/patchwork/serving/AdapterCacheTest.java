package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.LoraSlots;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adapter tiers on their own. Loads run on a same-thread executor here, so every step is deterministic; that
 * loads stay off the engine loop is tested through the engine ({@link AdapterLoadingTest}).
 */
class AdapterCacheTest {

    @TempDir
    static Path root;

    static ModelConfig base;
    static NDManager manager;
    static long adapterBytes;

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final Map<String, AtomicInteger> loads = new ConcurrentHashMap<>();

    @BeforeAll
    static void adapters() {
        base = ModelConfig.load(Fixtures.model());
        manager = NDManager.newBaseManager();
        for (String id : new String[] {"a", "b", "c", "d"}) TinyWorld.adapter(base, root, id, 4, id.hashCode());
        TinyWorld.adapter(base, root, "wide", 8, 5);
        adapterBytes = AdapterWeights.load("a", root.resolve("a"), base).bytes();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    AdapterCache cache(int slots, double budgetInAdapters) {
        AdapterSource counting = (id, config) -> {
            loads.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            return new FolderAdapterSource(root).load(id, config);
        };
        LoraSlots lora = new LoraSlots(base, slots, 4, manager);
        return new AdapterCache(
                counting, base, lora, (long) (budgetInAdapters * adapterBytes), Runnable::run, () -> {}, registry);
    }

    int loads(String id) {
        return loads.getOrDefault(id, new AtomicInteger()).get();
    }

    double count(String name, String... tags) {
        return registry.get(name).tags(tags).counter().count();
    }

    @Test
    void hostTierEvictsTheLeastRecentlyUsedWithinItsByteBound() {
        AdapterCache cache = cache(4, 2.5);
        cache.prefetch("a").join();
        cache.prefetch("b").join();
        cache.prefetch("a").join(); // a is now more recent than b
        cache.prefetch("c").join();
        assertFalse(cache.isHostResident("b"));
        assertTrue(cache.isHostResident("a") && cache.isHostResident("c"));
        assertEquals(Set.of("a", "c"), cache.residentAdapterIds());
        assertTrue(cache.stats().hostBytes() <= 2.5 * adapterBytes);
        assertEquals(1, count("patchwork.adapter.evictions", "tier", "host"));
        cache.prefetch("b").join();
        assertEquals(2, loads("b"), "an evicted adapter is loaded again");
        assertEquals(1, loads("a"));
    }

    @Test
    void aWarmUpConvertsAnAdapterAndKeepsNothing() {
        AdapterCache cache = cache(4, 2.5);
        cache.warmUp(AdapterWeights.load("a", root.resolve("a"), base));
        assertEquals(Set.of(), cache.residentAdapterIds());
        assertEquals(0, cache.stats().hostBytes());
        assertEquals(0, cache.stats().deviceSlotsUsed());
        assertEquals(0, count("patchwork.adapter.loads", "result", "success"));
        cache.prefetch("a").join();
        assertEquals(1, loads("a"), "a warm-up is not a load: the first request loads from the source");
    }

    @Test
    void anAdapterInUseIsNeverEvicted() {
        AdapterCache cache = cache(4, 1.5);
        Acquire a = cache.tryAcquire("a", null);
        assertEquals(Acquire.Status.READY, a.status());
        for (String id : new String[] {"b", "c", "d"}) cache.prefetch(id).join();
        assertTrue(cache.isHostResident("a") && cache.isDeviceResident("a"), "a is running");
        assertFalse(cache.isHostResident("b") || cache.isHostResident("c"));
        cache.release(a.lease());
        cache.prefetch("b").join();
        assertFalse(cache.isHostResident("a"), "idle again, a goes first");
    }

    @Test
    void queuedRequestsKeepTheirAdapterInMemory() {
        AdapterCache cache = cache(4, 1.5);
        cache.request("a").join();
        cache.prefetch("b").join(); // over the bound: a is wanted by a queued request, so b goes
        assertTrue(cache.isHostResident("a"));
        assertFalse(cache.isHostResident("b"));
        cache.withdraw("a");
        cache.prefetch("c").join(); // a is idle and least recent now
        assertFalse(cache.isHostResident("a"));
        assertTrue(cache.isHostResident("c"));
        assertEquals(1, count("patchwork.adapter.cache.requests", "tier", "host", "result", "miss"));
    }

    @Test
    void deviceSlotsAreReusedLeastRecentlyUsedFirstButNeverWhileRunning() {
        AdapterCache cache = cache(2, 10);
        Acquire a = cache.tryAcquire("a", null);
        Acquire b = cache.tryAcquire("b", null);
        assertNotEquals(a.lease().slot(), b.lease().slot());
        assertEquals(Acquire.NO_SLOT, cache.tryAcquire("c", null), "both slots are held by running sequences");
        cache.release(a.lease());
        Acquire c = cache.tryAcquire("c", null);
        assertEquals(a.lease().slot(), c.lease().slot());
        assertFalse(cache.isDeviceResident("a"));
        assertTrue(cache.isHostResident("a"), "evicted from the device only");
        assertEquals(1, count("patchwork.adapter.evictions", "tier", "device"));
        Acquire again = cache.tryAcquire("b", null);
        assertEquals(b.lease().slot(), again.lease().slot(), "still resident: a device hit");
        assertEquals(1, count("patchwork.adapter.cache.requests", "tier", "device", "result", "hit"));
    }

    @Test
    void invalidationLoadsTheNewVersionWhileRunningSequencesKeepTheOld() {
        AdapterCache cache = cache(3, 10);
        Acquire old = cache.tryAcquire("a", null);
        cache.invalidate("a");
        assertFalse(cache.isHostResident("a"));
        assertEquals(Set.of(), cache.residentAdapterIds(), "a retired version is not reported as resident");
        Acquire fresh = cache.tryAcquire("a", null);
        assertEquals(Acquire.Status.READY, fresh.status());
        assertNotEquals(old.lease().slot(), fresh.lease().slot(), "the old version's slot is still in use");
        assertEquals(2, loads("a"));
        assertEquals(2, cache.stats().deviceSlotsUsed());
        cache.release(old.lease());
        assertEquals(1, cache.stats().deviceSlotsUsed(), "the old version's slot is freed when its last sequence ends");
    }

    @Test
    void aRankAboveTheSlotsMaximumIsAClearError() {
        AdapterCache cache = cache(2, 10);
        CompletionException e = assertThrows(
                CompletionException.class, () -> cache.prefetch("wide").join());
        assertInstanceOf(AdapterLoadException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("rank 8"), e.getCause().getMessage());
        assertTrue(
                e.getCause().getMessage().contains("maximum rank 4"),
                e.getCause().getMessage());
        Acquire a = cache.tryAcquire("wide", null);
        assertEquals(Acquire.Status.FAILED, a.status());
        assertInstanceOf(AdapterLoadException.class, a.error());
        assertEquals(2, loads("wide"), "a failed load is not cached: the next request tries again");
        assertEquals(2, count("patchwork.adapter.loads", "result", "failure"));
    }

    @Test
    void anUnknownAdapterFailsItsRequests() {
        AdapterCache cache = cache(2, 10);
        var load = cache.request("nope");
        Acquire a = cache.tryAcquire("nope", load);
        assertEquals(Acquire.Status.FAILED, a.status());
        assertInstanceOf(AdapterNotFoundException.class, a.error());
    }

    @Test
    void pinnedAdaptersStayAndOneSlotStaysUnpinned() {
        AdapterCache cache = cache(2, 1.5);
        cache.pin("a").join();
        cache.prefetch("b").join();
        cache.prefetch("c").join();
        assertTrue(cache.isHostResident("a"));
        assertThrows(IllegalStateException.class, () -> cache.pin("b"));
        cache.unpin("a");
        cache.prefetch("d").join();
        assertFalse(cache.isHostResident("a"));
    }
}
