package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.vector.AdapterStorage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Greedy outputs through the engine equal the independent float64 reference of expected.json exactly, while the
 * requests share batches with each other (different adapters and none in one forward pass). This class runs the CPU
 * runtime with its default 16-bit adapter slots; {@link GoldenOutputsExactTest} the same cases with float32 slots and
 * {@link GoldenOutputsDjlTest} on the DJL forward.
 *
 * <p>The engine keeps no prompt prefixes: several cases share a prompt and an adapter, so with the prefix cache on,
 * whether a request found another's prefix depended on which reached the cache first, and its usage with it. Outputs
 * restored from the prefix cache are held to the same reference by {@link PrefixCacheTest}.
 */
class GoldenOutputsTest {

    record Case(String label, int[] prompt, String adapter, int[] expected) {}

    static InferenceEngine engine;
    static final List<StepTrace> traces = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        start(EngineRuntime.VECTOR);
    }

    static void start(EngineRuntime runtime) {
        start(runtime, AdapterStorage.INT16);
    }

    static void start(EngineRuntime runtime, AdapterStorage storage) {
        EngineConfig config = EngineConfig.builder(Fixtures.model())
                .optMaxBatchSize(6)
                .optAdapterSlots(4)
                .optPrefillChunk(4)
                .optIntraOpThreads(1)
                .optRuntime(runtime)
                .optAdapterStorage(storage)
                .optPrefixCaching(false)
                .build();
        engine = InferenceEngine.start(config, new FolderAdapterSource(Fixtures.adapters()), new SimpleMeterRegistry());
        assertEquals(runtime, engine.runtime());
        engine.observe(traces::add);
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        JsonNode expected = Fixtures.expected();
        for (JsonNode c : expected.get("single")) out.add(of("single", c, "greedy_16"));
        for (JsonNode c : expected.get("mixed_batch")) out.add(of("mixed_batch", c, "greedy_12"));
        return out;
    }

    private static Case of(String group, JsonNode c, String field) {
        String adapter = c.get("adapter").asString();
        return new Case(
                group + "/" + adapter,
                Fixtures.ints(c.get("prompt_ids")),
                adapter.equals("base") ? null : adapter,
                Fixtures.ints(c.get(field)));
    }

    @Test
    void everyCaseSubmittedAtOnceMatchesTheReference() {
        // given: 13 requests for a batch of 6, so some wait and join while others decode
        List<Case> cases = cases();
        traces.clear();
        // when
        List<GenerationHandle> handles = new ArrayList<>();
        for (Case c : cases) handles.add(engine.submit(TinyWorld.greedy(c.prompt(), c.adapter(), c.expected().length)));
        // then
        for (int i = 0; i < cases.size(); i++) {
            Completion done = handles.get(i).completion().join();
            assertArrayEquals(
                    cases.get(i).expected(), done.tokenIds(), cases.get(i).label());
            assertEquals(FinishReason.LENGTH, done.finishReason());
        }
        assertTrue(
                traces.stream().anyMatch(GoldenOutputsTest::mixesBaseAndTwoAdapters),
                "some forward pass should hold the base model and both adapters");
    }

    @Test
    void requestsArrivingWhileOthersDecodeMatchTheReference() throws InterruptedException {
        // given: half the cases already decoding
        List<Case> cases = cases();
        List<Recorder> recorders = new ArrayList<>();
        List<GenerationHandle> handles = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            if (i == cases.size() / 2) assertTrue(recorders.get(0).awaitFirst(), "first request started");
            Case c = cases.get(i);
            Recorder r = new Recorder();
            recorders.add(r);
            handles.add(engine.submit(TinyWorld.greedy(c.prompt(), c.adapter(), c.expected().length), r));
        }
        // then: the streamed ids and the completion both match
        for (int i = 0; i < cases.size(); i++) {
            Completion done = handles.get(i).completion().join();
            assertArrayEquals(
                    cases.get(i).expected(), done.tokenIds(), cases.get(i).label());
            assertArrayEquals(
                    cases.get(i).expected(),
                    recorders.get(i).tokenIds(),
                    cases.get(i).label() + " streamed");
            assertEquals(done.text(), recorders.get(i).text());
            assertEquals(new Usage(cases.get(i).prompt().length, cases.get(i).expected().length), done.usage());
        }
    }

    @Test
    void seededSamplingDoesNotDependOnTheBatch() {
        // given: one seeded sampled request alone, then the same among others
        int[] prompt = cases().get(0).prompt();
        EngineRequest sampled = new EngineRequest(prompt, "all-r8", TinyWorld.sampled(20, 42), true);
        int[] alone = engine.submit(sampled).completion().join().tokenIds();
        // when
        List<GenerationHandle> others = new ArrayList<>();
        for (Case c : cases().subList(0, 4)) others.add(engine.submit(TinyWorld.greedy(c.prompt(), c.adapter(), 16)));
        int[] batched = engine.submit(sampled).completion().join().tokenIds();
        others.forEach(h -> h.completion().join());
        // then
        assertArrayEquals(alone, batched);
    }

    private static boolean mixesBaseAndTwoAdapters(StepTrace t) {
        return !t.prefill()
                && Arrays.stream(t.loraSlots()).distinct().count() >= 3
                && Arrays.stream(t.loraSlots()).anyMatch(s -> s == 0);
    }
}
