package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.config.ModelConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Adapters through the engine: loads off the loop, invalidation at run time, failures, preloading. */
class AdapterLoadingTest {

    static Reference reference;
    static JsonNode allR8;

    @BeforeAll
    static void load() {
        reference = new Reference(Fixtures.model());
        for (JsonNode c : Fixtures.expected().get("single")) {
            if (c.get("adapter").asString().equals("all-r8")) allR8 = c;
        }
    }

    @AfterAll
    static void close() {
        reference.close();
    }

    @Test
    void aSlowAdapterLoadDoesNotStallOtherSequences() throws Exception {
        // given: a source whose load of all-r8 blocks until released
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch loading = new CountDownLatch(1);
        FolderAdapterSource folder = new FolderAdapterSource(Fixtures.adapters());
        AdapterSource slow = (id, base) -> {
            loading.countDown();
            if (!release.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("never released");
            return folder.load(id, base);
        };
        try (Engines.Traced t = Engines.start(Fixtures.model(), slow, b -> b.optMaxBatchSize(4))) {
            Recorder base = new Recorder();
            GenerationHandle baseRun = t.engine.submit(TinyWorld.greedy(new int[] {72, 101}, null, 60), base);
            assertTrue(base.awaitFirst());
            // when: a request for the cold adapter arrives and its load blocks
            Recorder cold = new Recorder();
            GenerationHandle coldRun =
                    t.engine.submit(TinyWorld.greedy(Fixtures.ints(allR8.get("prompt_ids")), "all-r8", 16), cold);
            assertTrue(loading.await(10, TimeUnit.SECONDS));
            // then: the base request decodes to the end while the load is still blocked
            assertEquals(60, baseRun.completion().get(20, TimeUnit.SECONDS).tokenIds().length);
            assertEquals(60, base.tokens());
            assertFalse(coldRun.isDone());
            assertEquals(0, cold.tokens());
            assertEquals(1, t.engine.adapters().stats().loading());
            release.countDown();
            assertArrayEquals(
                    Fixtures.ints(allR8.get("greedy_16")),
                    coldRun.completion().get(20, TimeUnit.SECONDS).tokenIds());
            assertTrue(t.registry.get("patchwork.adapter.load.time").timer().count() >= 1);
        }
    }

    @Test
    void anInvalidatedAdapterServesItsNewVersionWithoutRestart(@TempDir Path dir) throws Exception {
        ModelConfig config = reference.model.config();
        Path v1 = TinyWorld.adapter(config, dir.resolve("v1"), "x", 4, 1);
        Path v2 = TinyWorld.adapter(config, dir.resolve("v2"), "x", 8, 2);
        int[] prompt = {72, 101, 108, 108, 111};
        // The running sequence is long enough to outlast the load of version 2 (off the loop) with room to spare.
        int[] expectedV1 = reference.greedy(prompt, reference.adapter(v1), 200);
        int[] expectedV2 = reference.greedy(prompt, reference.adapter(v2), 30);
        assertFalse(Arrays.equals(Arrays.copyOf(expectedV1, 30), expectedV2));
        Path served = dir.resolve("served");
        TinyWorld.adapter(config, served, "x", 4, 1);
        try (Engines.Traced t =
                Engines.start(Fixtures.model(), new FolderAdapterSource(served), b -> b.optMaxBatchSize(4))) {
            // given: a sequence running on version 1, the loop held after its first step
            t.holdAfterNextStep();
            GenerationHandle old = t.engine.submit(TinyWorld.greedy(prompt, "x", 200));
            t.awaitHeld(); // its first token is sent after the held step, so check the trace instead
            assertFalse(t.stepsOf(old.id()).isEmpty(), "version 1's sequence ran its first step");
            // when: version 2 is published while it runs
            TinyWorld.adapter(config, served, "x", 8, 2);
            t.engine.adapters().invalidate("x");
            // version 2 reaches host memory while the loop is held, so the two requests share steps however slow the
            // load
            t.engine.adapters().prefetch("x").get(20, TimeUnit.SECONDS);
            GenerationHandle fresh = t.engine.submit(TinyWorld.greedy(prompt, "x", 30));
            t.resume();
            // then: the running sequence finishes on version 1, the new request gets version 2, in the same batches
            assertArrayEquals(
                    expectedV1, old.completion().get(20, TimeUnit.SECONDS).tokenIds());
            assertArrayEquals(
                    expectedV2, fresh.completion().get(20, TimeUnit.SECONDS).tokenIds());
            StepTrace shared = t.steps.stream()
                    .filter(s -> Engines.Traced.contains(s, old.id())
                            && Engines.Traced.contains(s, fresh.id())
                            && !s.prefill())
                    .findFirst()
                    .orElseThrow();
            assertNotEquals(shared.loraSlots()[0], shared.loraSlots()[1], "two versions, two slots, one forward pass");
            // The loop releases a finished sequence's adapter just after completing it: wait for that step to end.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (t.engine.adapters().stats().deviceSlotsUsed() != 1 && System.nanoTime() < deadline) Thread.sleep(5);
            assertEquals(1, t.engine.adapters().stats().deviceSlotsUsed(), "version 1's slot was freed");
        }
    }

    @Test
    void anAdapterThatCannotBeServedFailsOnlyItsRequests() throws Exception {
        try (Engines.Traced t = Engines.fixture(b -> b.optMaxLoraRank(4))) {
            Recorder missing = new Recorder();
            GenerationHandle unknown =
                    t.engine.submit(TinyWorld.greedy(new int[] {1, 2}, "no-such-adapter", 4), missing);
            GenerationHandle tooWide = t.engine.submit(TinyWorld.greedy(new int[] {1, 2}, "all-r8", 4));
            GenerationHandle fine = t.engine.submit(TinyWorld.greedy(new int[] {1, 2}, "qv-r4-rslora", 4));
            ExecutionException e = assertThrows(
                    ExecutionException.class, () -> unknown.completion().get(10, TimeUnit.SECONDS));
            assertInstanceOf(AdapterNotFoundException.class, e.getCause());
            assertInstanceOf(AdapterNotFoundException.class, missing.error);
            e = assertThrows(
                    ExecutionException.class, () -> tooWide.completion().get(10, TimeUnit.SECONDS));
            assertTrue(
                    e.getCause().getMessage().contains("rank 8"), e.getCause().getMessage());
            assertEquals(4, fine.completion().get(10, TimeUnit.SECONDS).tokenIds().length);
            assertEquals(
                    2,
                    t.registry
                            .get("patchwork.requests.finished")
                            .tag("reason", "error")
                            .counter()
                            .count());
        }
    }

    @Test
    void preloadedAdaptersAreOnTheDeviceBeforeTheFirstRequest() throws Exception {
        try (Engines.Traced t = Engines.fixture(b -> b.optAdapterSlots(2).optPreload(List.of("qv-r4-rslora")))) {
            assertTrue(t.engine.adapters().isDeviceResident("qv-r4-rslora"));
            t.engine
                    .submit(TinyWorld.greedy(new int[] {1, 2}, "qv-r4-rslora", 2))
                    .completion()
                    .get(10, TimeUnit.SECONDS);
            assertEquals(
                    1,
                    t.registry
                            .get("patchwork.adapter.cache.requests")
                            .tags("tier", "device", "result", "hit")
                            .counter()
                            .count());
            assertEquals(1, t.engine.adapters().stats().pinned());
        }
        assertThrows(AdapterNotFoundException.class, () -> Engines.fixture(b -> b.optPreload(List.of("nope"))));
    }
}
