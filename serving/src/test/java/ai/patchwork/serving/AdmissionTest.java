package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Admission control: a bounded queue, context limits, and the engine's life cycle. */
class AdmissionTest {

    static final int[] PROMPT = {72, 101, 108, 108, 111};

    @Test
    void aFullQueueFailsFastWithARetryHint() throws Exception {
        try (Engines.Traced t = Engines.fixture(b -> b.optMaxBatchSize(1).optMaxQueued(2))) {
            t.holdAfterNextStep(); // the loop holds after the running request's first step: the queue cannot drain
            t.engine.submit(TinyWorld.greedy(PROMPT, null, 240));
            t.awaitHeld();
            t.engine.submit(TinyWorld.greedy(PROMPT, null, 4));
            t.engine.submit(TinyWorld.greedy(PROMPT, "all-r8", 4));
            QueueFullException e =
                    assertThrows(QueueFullException.class, () -> t.engine.submit(TinyWorld.greedy(PROMPT, null, 4)));
            assertTrue(e.retryAfter().toSeconds() >= 1);
            assertEquals(
                    1, t.registry.get("patchwork.requests.rejected").counter().count());
            assertEquals(2, t.engine.stats().waiting());
        }
    }

    @Test
    void promptsMustLeaveRoomToGenerate() throws Exception {
        try (Engines.Traced t = Engines.fixture(b -> b.optMaxSequenceLength(64))) {
            assertEquals(64, t.engine.contextLength());
            PromptTooLongException e = assertThrows(
                    PromptTooLongException.class, () -> t.engine.submit(TinyWorld.greedy(new int[64], null, 1)));
            assertTrue(e.getMessage().contains("64"), e.getMessage());
            // max_tokens is cut at the context: 63 prompt tokens leave room for one
            Completion c = t.engine
                    .submit(TinyWorld.greedy(new int[63], null, 100))
                    .completion()
                    .get(10, TimeUnit.SECONDS);
            assertEquals(1, c.tokenIds().length);
            assertEquals(FinishReason.LENGTH, c.finishReason());
            assertThrows(
                    IllegalArgumentException.class, () -> t.engine.submit(TinyWorld.greedy(new int[] {512}, null, 1)));
            Completion none = t.engine
                    .submit(TinyWorld.greedy(PROMPT, null, 0))
                    .completion()
                    .get(1, TimeUnit.SECONDS);
            assertEquals(new Usage(5, 0), none.usage());
        }
    }

    @Test
    void closingFailsWhatIsQueuedOrRunning() throws Exception {
        Engines.Traced t = Engines.fixture(b -> b.optMaxBatchSize(1));
        t.holdAfterNextStep(); // the loop holds after the running request's first step, until close
        GenerationHandle running = t.engine.submit(TinyWorld.greedy(PROMPT, null, 240));
        t.awaitHeld();
        GenerationHandle queued = t.engine.submit(TinyWorld.greedy(PROMPT, null, 4));
        t.close();
        for (GenerationHandle h : List.of(running, queued)) {
            ExecutionException e =
                    assertThrows(ExecutionException.class, () -> h.completion().get(5, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, e.getCause());
        }
        assertThrows(IllegalStateException.class, () -> t.engine.submit(TinyWorld.greedy(PROMPT, null, 4)));
    }

    @Test
    void configIsValidatedWhenBuilt() {
        Path m = Path.of("model");
        assertThrows(
                IllegalArgumentException.class,
                () -> EngineConfig.builder(m).optMaxBatchSize(0).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> EngineConfig.builder(m)
                        .optPrefillChunk(64)
                        .optMaxPrefillTokens(32)
                        .build());
        assertThrows(
                IllegalArgumentException.class,
                () -> EngineConfig.builder(m)
                        .optAdapterSlots(2)
                        .optPreload(List.of("a", "b"))
                        .build());
        assertThrows(
                IllegalArgumentException.class, () -> EngineConfig.builder(null).build());
        assertEquals(1024, EngineConfig.builder(m).optPrefillChunk(1024).build().maxPrefillTokens());
        assertThrows(
                IllegalArgumentException.class,
                () -> Engines.fixture(b -> b.optMaxSequenceLength(10_000)),
                "longer than the model's positions");
    }
}
