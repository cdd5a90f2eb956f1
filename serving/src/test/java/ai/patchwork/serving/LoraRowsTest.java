package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.lora.AdapterWeights;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Decode steps with different adapters read the LoRA rows aligned with the KV slots (a view, never a gather); a row
 * is rewritten when its KV slot changes hands, including back to the base model (zeros).
 */
class LoraRowsTest {

    static final int[] PROMPT = {72, 101, 108, 108, 111};
    static Reference reference;
    static AdapterWeights allR8;
    static AdapterWeights qv;

    @BeforeAll
    static void load() {
        reference = new Reference(Fixtures.model());
        allR8 = reference.adapter(Fixtures.adapters().resolve("all-r8"));
        qv = reference.adapter(Fixtures.adapters().resolve("qv-r4-rslora"));
    }

    @AfterAll
    static void close() {
        reference.close();
    }

    @Test
    void aKvSlotHandedFromAnAdapterToTheBaseModelDecodesTheBaseModel() throws Exception {
        try (Engines.Traced t = Engines.fixture(b -> b.optMaxBatchSize(2).optRuntime(EngineRuntime.DJL))) {
            // given: both KV slots used by adapters first
            GenerationHandle a = t.engine.submit(TinyWorld.greedy(PROMPT, "all-r8", 6));
            GenerationHandle b = t.engine.submit(TinyWorld.greedy(PROMPT, "qv-r4-rslora", 6));
            a.completion().get(10, TimeUnit.SECONDS);
            b.completion().get(10, TimeUnit.SECONDS);
            // when: the base model and an adapter take the slots over, in the other order
            GenerationHandle base = t.engine.submit(TinyWorld.greedy(PROMPT, null, 20));
            GenerationHandle adapter = t.engine.submit(TinyWorld.greedy(PROMPT, "all-r8", 20));
            // then
            assertArrayEquals(
                    reference.greedy(PROMPT, null, 20),
                    base.completion().get(10, TimeUnit.SECONDS).tokenIds());
            assertArrayEquals(
                    reference.greedy(PROMPT, allR8, 20),
                    adapter.completion().get(10, TimeUnit.SECONDS).tokenIds());
            List<StepTrace> mixed = t.stepsOf(base.id()).stream()
                    .filter(s -> !s.prefill() && s.requestIds().length == 2)
                    .toList();
            assertTrue(!mixed.isEmpty(), "the two shared decode steps");
            for (StepTrace s : mixed)
                assertEquals(ModelRunner.LoraPath.ROWS, s.loraPath(), "base + adapter: aligned rows");
        }
    }

    @Test
    void decodeStepsPickNoneSharedOrRowsAndRowsStayConsecutive() throws Exception {
        try (Engines.Traced t = Engines.fixture(b -> b.optMaxBatchSize(4).optRuntime(EngineRuntime.DJL))) {
            List<GenerationHandle> handles = List.of(
                    t.engine.submit(TinyWorld.greedy(PROMPT, "all-r8", 12)),
                    t.engine.submit(TinyWorld.greedy(PROMPT, "all-r8", 16)),
                    t.engine.submit(TinyWorld.greedy(PROMPT, "qv-r4-rslora", 24)),
                    t.engine.submit(TinyWorld.greedy(PROMPT, null, 30)));
            int[][] expected = {
                reference.greedy(PROMPT, allR8, 12),
                reference.greedy(PROMPT, allR8, 16),
                reference.greedy(PROMPT, qv, 24),
                reference.greedy(PROMPT, null, 30)
            };
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(
                        expected[i],
                        handles.get(i).completion().get(10, TimeUnit.SECONDS).tokenIds(),
                        "request " + i);
            }
            for (StepTrace s : t.steps) {
                if (s.prefill()) continue;
                long distinct = Arrays.stream(s.loraSlots()).distinct().count();
                ModelRunner.LoraPath want = distinct > 1
                        ? ModelRunner.LoraPath.ROWS
                        : s.loraSlots()[0] == 0 ? ModelRunner.LoraPath.NONE : ModelRunner.LoraPath.SHARED;
                assertEquals(want, s.loraPath(), "step " + s.step() + " " + Arrays.toString(s.loraSlots()));
            }
            assertTrue(t.steps.stream().anyMatch(s -> s.loraPath() == ModelRunner.LoraPath.ROWS));
            assertTrue(
                    t.steps.stream().anyMatch(s -> s.loraPath() == ModelRunner.LoraPath.NONE),
                    "the base request alone");
        }
    }
}
