package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.sample.SamplingParams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An engine begun ahead ({@link EngineStartup#begin}) serves what one started at once serves, once finished; it is
 * finished once, only with the settings it began with (preloaded adapters aside), and closing it unfinished frees it.
 */
class EngineStartupTest {

    private static final int[] PROMPT = {1, 5, 9, 13, 17};

    private static EngineConfig config(List<String> preload) {
        return EngineConfig.builder(Fixtures.model())
                .optMaxBatchSize(2)
                .optMaxSequenceLength(64)
                .optAdapterSlots(4)
                .optStepThreads(1)
                .optPreload(preload)
                .build();
    }

    private static int[] greedy(InferenceEngine engine, String adapter) throws Exception {
        return engine.submit(EngineRequest.of(PROMPT, adapter, SamplingParams.greedy(6)))
                .completion()
                .get(60, TimeUnit.SECONDS)
                .tokenIds();
    }

    @Test
    void aBegunEngineFinishesWithItsPreloadsAndGeneratesAsOneStartedAtOnce() throws Exception {
        int[] expected;
        try (InferenceEngine direct = InferenceEngine.start(
                config(List.of()), new FolderAdapterSource(Fixtures.adapters()), new SimpleMeterRegistry())) {
            expected = greedy(direct, "all-r8");
        }
        EngineStartup startup = EngineStartup.begin(config(List.of()));
        EngineConfig withPreload = config(List.of("all-r8"));
        assertTrue(startup.startsAs(withPreload), "preloaded adapters are not part of what was begun");
        assertFalse(startup.startsAs(differentBatch()));
        assertThrows(
                IllegalArgumentException.class,
                () -> startup.finish(
                        differentBatch(), new FolderAdapterSource(Fixtures.adapters()), new SimpleMeterRegistry()));
        try (InferenceEngine engine =
                startup.finish(withPreload, new FolderAdapterSource(Fixtures.adapters()), new SimpleMeterRegistry())) {
            assertEquals(List.of("all-r8"), engine.config().preload());
            assertTrue(engine.adapters().residentAdapterIds().contains("all-r8"), "preloaded before finish returned");
            assertArrayEquals(expected, greedy(engine, "all-r8"));
            assertThrows(
                    IllegalStateException.class,
                    () -> startup.finish(
                            withPreload, new FolderAdapterSource(Fixtures.adapters()), new SimpleMeterRegistry()));
            startup.close(); // finished: the engine owns the model, which stays
            assertArrayEquals(expected, greedy(engine, "all-r8"));
        }
    }

    @Test
    void closingAnUnfinishedStartFreesItAndAnotherStartsAfter() throws Exception {
        EngineStartup startup = EngineStartup.begin(config(List.of()));
        startup.close(); // waits for the load and the warm-up, then frees them
        assertThrows(
                IllegalStateException.class,
                () -> startup.finish(
                        config(List.of()), new FolderAdapterSource(Fixtures.adapters()), new SimpleMeterRegistry()));
        try (InferenceEngine engine = EngineStartup.begin(config(List.of()))
                .finish(config(List.of()), new FolderAdapterSource(Fixtures.adapters()), new SimpleMeterRegistry())) {
            assertEquals(6, greedy(engine, null).length);
        }
    }

    @Test
    void settingsTheCheckpointCannotTakeFailTheBeginning() {
        EngineConfig tooLong = EngineConfig.builder(Fixtures.model())
                .optMaxSequenceLength(1 << 20)
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EngineStartup.begin(tooLong));
        assertTrue(e.getMessage().contains("exceeds the model's max_position_embeddings"), e.getMessage());
    }

    private static EngineConfig differentBatch() {
        return EngineConfig.builder(Fixtures.model())
                .optMaxBatchSize(3)
                .optMaxSequenceLength(64)
                .optAdapterSlots(4)
                .optStepThreads(1)
                .build();
    }
}
