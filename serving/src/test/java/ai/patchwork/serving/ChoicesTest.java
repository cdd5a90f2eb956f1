package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code n > 1}: the choices cost one prefill (the prompt tokens computed equal one request's) and each choice equals
 * a request of its own with seed {@code seed + i}, so the copied KV slots hold the prompt's keys and values.
 */
class ChoicesTest {

    private static InferenceEngine start(EngineRuntime runtime, SimpleMeterRegistry registry) {
        EngineConfig config = EngineConfig.builder(Fixtures.model())
                .optMaxBatchSize(6)
                .optAdapterSlots(2)
                .optPrefillChunk(4)
                .optIntraOpThreads(1)
                .optRuntime(runtime)
                .build();
        return InferenceEngine.start(config, new FolderAdapterSource(Fixtures.adapters()), registry);
    }

    private static double prefilled(SimpleMeterRegistry registry) {
        return registry.get("patchwork.prefill.tokens").counter().count();
    }

    @ParameterizedTest
    @EnumSource(names = {"DJL", "VECTOR"})
    void fourChoicesCostOnePrefillAndEachEqualsItsOwnSeed(EngineRuntime runtime) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (InferenceEngine engine = start(runtime, registry)) {
            int[] prompt = TinyWorld.prompt(11, 3);
            EngineRequest request = new EngineRequest(prompt, "all-r8", TinyWorld.sampled(10, 100), true, 2);

            double before = prefilled(registry);
            List<GenerationHandle> handles = engine.submit(request, Collections.nCopies(4, GenerationListener.NONE));
            List<Completion> choices = new ArrayList<>();
            for (GenerationHandle h : handles) choices.add(h.completion().get(60, TimeUnit.SECONDS));
            assertEquals(prompt.length, prefilled(registry) - before, "the four choices computed the prompt once");

            for (int i = 0; i < 4; i++) {
                before = prefilled(registry);
                EngineRequest alone = new EngineRequest(prompt, "all-r8", TinyWorld.sampled(10, 100 + i), true, 2);
                Completion expected = engine.submit(alone).completion().get(60, TimeUnit.SECONDS);
                assertEquals(prompt.length, prefilled(registry) - before);
                assertArrayEquals(expected.tokenIds(), choices.get(i).tokenIds(), "choice " + i);
                for (int t = 0; t < 10; t++) { // a batch of four and a batch of one round differently
                    assertEquals(
                            expected.logprobs().get(t).logprob(),
                            choices.get(i).logprobs().get(t).logprob(),
                            1e-4);
                }
                assertEquals(new Usage(prompt.length, 10), choices.get(i).usage());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"DJL", "VECTOR"})
    void cancellingOneChoiceCancelsThemAllAndFreesTheirSlots(EngineRuntime runtime) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (InferenceEngine engine = start(runtime, registry)) {
            int[] prompt = TinyWorld.prompt(9, 4);
            List<GenerationHandle> handles = engine.submit(
                    TinyWorld.greedy(prompt, null, 100_000), Collections.nCopies(3, GenerationListener.NONE));
            handles.get(1).cancel();
            for (GenerationHandle h : handles) {
                assertEquals(
                        FinishReason.CANCELLED,
                        h.completion().get(60, TimeUnit.SECONDS).finishReason());
            }
            // six slots are free again: a request of six choices runs
            List<GenerationHandle> six =
                    engine.submit(TinyWorld.greedy(prompt, null, 3), Collections.nCopies(6, GenerationListener.NONE));
            for (GenerationHandle h : six)
                assertEquals(3, h.completion().get(60, TimeUnit.SECONDS).tokenIds().length);
            assertThrows(
                    IllegalArgumentException.class,
                    () -> engine.submit(
                            TinyWorld.greedy(prompt, null, 3), Collections.nCopies(7, GenerationListener.NONE)));
        }
    }
}
