package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.lora.AdapterWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With more requests than batch slots, and more adapters than LoRA slots, every request finishes, in arrival order,
 * and none waits for more than the requests ahead of it take. Waits are measured in engine steps, not wall time, so
 * the test does not depend on the machine's speed.
 */
class FairnessTest {

    static Reference reference;

    @BeforeAll
    static void load() {
        reference = new Reference(Fixtures.model());
    }

    @AfterAll
    static void close() {
        reference.close();
    }

    @Test
    void aRareAdapterIsNotStarvedByAHotOne() throws Exception {
        // given: 2 KV slots and a single LoRA slot; 6 requests for a hot adapter, one for a rare one, 6 more hot ones
        List<String> adapters = new ArrayList<>();
        for (int i = 0; i < 6; i++) adapters.add("all-r8");
        adapters.add("qv-r4-rslora");
        for (int i = 0; i < 6; i++) adapters.add(i % 2 == 0 ? "all-r8" : null);
        try (Engines.Traced t = Engines.fixture(b -> b.optMaxBatchSize(2).optAdapterSlots(1))) {
            List<GenerationHandle> handles = run(t, adapters, 12);
            // then: the rare adapter ran before any request that arrived after it started
            long rare = handles.get(6).id();
            long rareStart = firstStep(t, rare);
            for (GenerationHandle h : handles.subList(7, handles.size())) {
                assertTrue(firstStep(t, h.id()) > rareStart, "request " + h.id() + " overtook the rare adapter");
            }
        }
    }

    @Test
    void everyRequestStartsInArrivalOrderAndWaitsOnlyForTheOnesAhead() throws Exception {
        List<String> adapters = new ArrayList<>();
        String[] cycle = {null, "all-r8", "qv-r4-rslora"};
        for (int i = 0; i < 12; i++) adapters.add(cycle[i % 3]);
        try (Engines.Traced t = Engines.fixture(b -> b.optMaxBatchSize(3).optAdapterSlots(2))) {
            List<GenerationHandle> handles = run(t, adapters, 10);
            long previousStart = 0;
            for (int i = 0; i < handles.size(); i++) {
                long start = firstStep(t, handles.get(i).id());
                assertTrue(start >= previousStart, "request " + i + " started before an earlier one");
                previousStart = start;
                // it starts at most a couple of steps after the last of the requests ahead of it has finished
                long aheadDone = 0;
                for (GenerationHandle h : handles.subList(0, i)) aheadDone = Math.max(aheadDone, lastStep(t, h.id()));
                assertTrue(
                        start <= aheadDone + 2,
                        "request " + i + " started at step " + start + ", the ones ahead were done at " + aheadDone);
            }
        }
    }

    /**
     * Submits one greedy request per adapter, all at once, and checks every output against the reference. Adapters are
     * loaded into host memory first: a request whose adapter is still loading is deliberately passed over (see
     * {@link SchedulerTest}), which would make the order depend on load times.
     */
    private static List<GenerationHandle> run(Engines.Traced t, List<String> adapters, int tokens) throws Exception {
        int[] prompt = {72, 101, 108, 108, 111};
        t.engine.adapters().prefetch("all-r8").join();
        t.engine.adapters().prefetch("qv-r4-rslora").join();
        List<GenerationHandle> handles = new ArrayList<>();
        for (String a : adapters) handles.add(t.engine.submit(TinyWorld.greedy(prompt, a, tokens)));
        for (int i = 0; i < handles.size(); i++) {
            String a = adapters.get(i);
            AdapterWeights w =
                    a == null ? null : reference.adapter(Fixtures.adapters().resolve(a));
            assertArrayEquals(
                    reference.greedy(prompt, w, tokens),
                    handles.get(i).completion().get(30, TimeUnit.SECONDS).tokenIds());
        }
        return handles;
    }

    private static long firstStep(Engines.Traced t, long id) {
        return t.stepsOf(id).getFirst().step();
    }

    private static long lastStep(Engines.Traced t, long id) {
        return t.stepsOf(id).getLast().step();
    }
}
