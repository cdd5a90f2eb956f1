package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Filler rows keep the KV cache a view without changing any real sequence's tokens. */
class DecodeRowsTest {

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
    void fewHolesAreFilledManyAreGathered() {
        SchedulerTest fake = new SchedulerTest();
        Sequence[] bySlot = new Sequence[8];
        List<Sequence> decoding = new ArrayList<>();
        for (int slot : new int[] {0, 2, 3}) {
            Sequence s = fake.seq(2, null);
            s.kvSlot = slot;
            s.advancePrefill(2);
            s.state = Sequence.State.DECODE;
            s.accept(new float[] {0, 1}, 0); // one token sampled: id 1
            bySlot[slot] = s;
            decoding.add(s);
        }
        assertArrayEquals(
                new int[] {0, 2, 3},
                DecodeRows.plan(bySlot, decoding, false).kvSlots(),
                "a runner that reads any KV slots in place (the CPU runtime) gets no fillers");
        DecodeRows filled = DecodeRows.plan(bySlot, decoding, true);
        assertArrayEquals(new int[] {0, 1, 2, 3}, filled.kvSlots());
        assertNull(filled.sequences()[1]);
        assertArrayEquals(new int[] {0, 0, 0, 0}, filled.loraSlots(), "all real rows use the base model");
        Sequence far = fake.seq(2, null);
        far.kvSlot = 7;
        far.advancePrefill(2);
        far.state = Sequence.State.DECODE;
        far.accept(new float[] {0, 1}, 0);
        bySlot[7] = far;
        decoding.add(far);
        DecodeRows gathered = DecodeRows.plan(bySlot, decoding, true);
        assertArrayEquals(new int[] {0, 2, 3, 7}, gathered.kvSlots(), "4 holes for 4 rows: gather instead");
    }

    @Test
    void sequencesAroundFillersMatchTheReference() throws Exception {
        // given: 4 KV slots; slot 0 frees early and is refilled by a long prompt prefilled in 4-token chunks while the
        // others decode, so decode steps run a filler row for slot 0
        int[] shortPrompt = {72, 101, 108};
        int[] longPrompt = TinyWorld.prompt(60, 9);
        String[] adapters = {null, "all-r8", "qv-r4-rslora", "all-r8"};
        int[] lengths = {2, 40, 40, 40};
        try (Engines.Traced t = Engines.fixture(b ->
                b.optMaxBatchSize(4).optPrefillChunk(4).optMaxPrefillTokens(4).optRuntime(EngineRuntime.DJL))) {
            t.engine.adapters().prefetch("all-r8").join();
            t.engine.adapters().prefetch("qv-r4-rslora").join();
            List<GenerationHandle> handles = new ArrayList<>();
            for (int i = 0; i < 4; i++)
                handles.add(t.engine.submit(TinyWorld.greedy(shortPrompt, adapters[i], lengths[i])));
            handles.get(0).completion().get(10, TimeUnit.SECONDS);
            GenerationHandle late = t.engine.submit(TinyWorld.greedy(longPrompt, "qv-r4-rslora", 12));
            // then
            for (int i = 0; i < 4; i++) {
                int[] expected = reference.greedy(
                        shortPrompt,
                        adapters[i] == null
                                ? null
                                : reference.adapter(Fixtures.adapters().resolve(adapters[i])),
                        lengths[i]);
                assertArrayEquals(
                        expected,
                        handles.get(i).completion().get(10, TimeUnit.SECONDS).tokenIds(),
                        "request " + i);
            }
            assertArrayEquals(
                    reference.greedy(
                            longPrompt, reference.adapter(Fixtures.adapters().resolve("qv-r4-rslora")), 12),
                    late.completion().get(10, TimeUnit.SECONDS).tokenIds());
            assertEquals(
                    true,
                    t.steps.stream().anyMatch(s -> !s.prefill() && s.rows() > s.requestIds().length),
                    "some decode step ran filler rows");
        }
    }
}
