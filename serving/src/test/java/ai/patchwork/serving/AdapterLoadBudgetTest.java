package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.LoraSlots;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loads in flight count against the host budget: a source that knows an adapter's size before reading its weights
 * reserves it, which evicts idle adapters at once, makes a second load wait for room, and refuses an adapter larger
 * than the whole budget unread.
 */
class AdapterLoadBudgetTest {

    @TempDir
    static Path root;

    static ModelConfig base;
    static NDManager manager;
    static long adapterBytes;

    @BeforeAll
    static void adapters() {
        base = ModelConfig.load(Fixtures.model());
        manager = NDManager.newBaseManager();
        for (String id : new String[] {"a", "b", "c"}) TinyWorld.adapter(base, root, id, 4, id.hashCode());
        adapterBytes = AdapterWeights.load("a", root.resolve("a"), base).bytes();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** Reserves {@code reserve} bytes, runs {@code whileReserved}, then reads the weights from the folder. */
    private static AdapterSource reserving(long reserve, Set<String> read, Hook whileReserved) {
        return new AdapterSource() {
            @Override
            public AdapterWeights load(String id, ModelConfig config) {
                throw new AssertionError("the cache loads within a budget");
            }

            @Override
            public AdapterWeights load(String id, ModelConfig config, LoadBudget budget) throws Exception {
                budget.reserve(reserve);
                whileReserved.run(id);
                read.add(id);
                return new FolderAdapterSource(root).load(id, config);
            }
        };
    }

    @FunctionalInterface
    interface Hook {
        void run(String id) throws Exception;
    }

    private static AdapterCache cache(AdapterSource source, long budget, Executor loader) {
        return new AdapterCache(
                source, base, new LoraSlots(base, 4, 4, manager), budget, loader, () -> {}, new SimpleMeterRegistry());
    }

    @Test
    void anAdapterLargerThanTheWholeBudgetIsRefusedBeforeItsWeightsAreRead() {
        Set<String> read = ConcurrentHashMap.newKeySet();
        AdapterCache cache = cache(reserving(3 * adapterBytes, read, id -> {}), 2 * adapterBytes, Runnable::run);
        CompletionException e = assertThrows(
                CompletionException.class, () -> cache.prefetch("a").join());
        AdapterLoadException load = assertInstanceOf(AdapterLoadException.class, e.getCause());
        assertTrue(load.getMessage().contains("more than the adapter cache's whole budget"), load.getMessage());
        assertEquals(Set.of(), read, "no weights read");
    }

    @Test
    void aReservationEvictsIdleAdaptersBeforeTheWeightsArrive() {
        boolean[] residentDuringLoad = {true};
        AdapterCache[] holder = new AdapterCache[1];
        Set<String> read = ConcurrentHashMap.newKeySet();
        AdapterCache cache = cache(
                reserving(adapterBytes, read, id -> {
                    if (id.equals("b")) residentDuringLoad[0] = holder[0].isHostResident("a");
                }),
                (long) (1.5 * adapterBytes),
                Runnable::run);
        holder[0] = cache;
        cache.prefetch("a").join();
        cache.prefetch("b").join();
        assertFalse(residentDuringLoad[0], "a, idle, made room for b's reservation while b was still loading");
        assertTrue(cache.isHostResident("b"));
        assertTrue(cache.stats().hostBytes() <= 1.5 * adapterBytes);
    }

    @Test
    void aLoadWaitsWhileOtherLoadsInFlightHoldTheRoomItNeeds() throws Exception {
        ExecutorService loaders = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch aReserved = new CountDownLatch(1);
            CountDownLatch releaseA = new CountDownLatch(1);
            CountDownLatch bReserved = new CountDownLatch(1);
            Set<String> read = ConcurrentHashMap.newKeySet();
            AdapterCache cache = cache(
                    reserving(adapterBytes, read, id -> {
                        if (id.equals("a")) {
                            aReserved.countDown();
                            assertTrue(releaseA.await(10, TimeUnit.SECONDS));
                        } else {
                            bReserved.countDown();
                        }
                    }),
                    (long) (1.5 * adapterBytes),
                    loaders);
            CompletableFuture<Void> a = cache.prefetch("a");
            assertTrue(aReserved.await(10, TimeUnit.SECONDS));
            CompletableFuture<Void> b = cache.prefetch("b");
            // a's load holds its reservation: b's does not fit beside it and waits
            assertFalse(bReserved.await(300, TimeUnit.MILLISECONDS), "b waits for room");
            releaseA.countDown();
            a.get(10, TimeUnit.SECONDS);
            b.get(10, TimeUnit.SECONDS); // a, now idle, is evicted for b
            assertTrue(cache.isHostResident("b"));
            assertFalse(cache.isHostResident("a"));
        } finally {
            loaders.shutdownNow();
        }
    }
}
