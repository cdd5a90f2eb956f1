package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Cancelling frees a sequence's KV slot and adapter within a step, and the queue moves on at once. */
class CancelTest {

    static final int[] PROMPT = {72, 101, 108, 108, 111};

    @Test
    void cancellingARunningSequenceAdmitsTheNextQueuedRequest() throws Exception {
        try (Engines.Traced t = Engines.fixture(b -> b.optMaxBatchSize(1))) {
            // given: the only KV slot is taken, and a request waits
            Recorder first = new Recorder();
            t.holdAfterNextStep(); // the loop holds after the running request's first step
            GenerationHandle running = t.engine.submit(TinyWorld.greedy(PROMPT, "all-r8", 240), first);
            t.awaitHeld(); // its first token is sent after the held step, so check the trace instead
            assertFalse(t.stepsOf(running.id()).isEmpty(), "the running request ran its first step");
            Recorder second = new Recorder();
            GenerationHandle queued = t.engine.submit(TinyWorld.greedy(PROMPT, null, 5), second);
            assertEquals(0, second.tokens(), "no slot for it yet");
            // when
            int stepsBefore = t.steps.size();
            running.cancel();
            t.resume();
            // then
            Completion cancelled = running.completion().get(10, TimeUnit.SECONDS);
            assertEquals(FinishReason.CANCELLED, cancelled.finishReason());
            assertTrue(cancelled.tokenIds().length < 240);
            assertEquals(
                    cancelled.tokenIds().length,
                    cancelled.usage().completionTokens(),
                    "usage counts what was generated");
            assertEquals(
                    FinishReason.LENGTH,
                    queued.completion().get(10, TimeUnit.SECONDS).finishReason());
            List<StepTrace> after = t.steps.subList(stepsBefore, t.steps.size());
            assertTrue(
                    after.stream().noneMatch(s -> Engines.Traced.contains(s, running.id())),
                    "freed before the next step");
            assertEquals(0, after.get(0).kvSlots()[0], "the queued request got the freed slot");
            assertTrue(first.events.getLast().last(), "the stream ends with a final event");
            assertEquals(1, t.engine.adapters().stats().deviceSlotsUsed(), "the adapter stays in its slot, idle");
            assertEquals(0, t.engine.stats().waiting());
        }
    }

    @Test
    void cancellingAQueuedRequestRemovesItAtOnce() throws Exception {
        try (Engines.Traced t = Engines.fixture(b -> b.optMaxBatchSize(1))) {
            t.holdAfterNextStep(); // the loop holds after the running request's first step: the slot stays taken
            GenerationHandle running = t.engine.submit(TinyWorld.greedy(PROMPT, null, 240));
            t.awaitHeld();
            GenerationHandle queued = t.engine.submit(TinyWorld.greedy(PROMPT, "all-r8", 5));
            queued.cancel();
            Completion c = queued.completion().get(1, TimeUnit.SECONDS);
            assertEquals(FinishReason.CANCELLED, c.finishReason());
            assertEquals(new Usage(PROMPT.length, 0), c.usage());
            assertEquals(0, t.engine.stats().waiting());
            t.resume();
            running.completion().cancel(true); // cancelling the future cancels the request
            assertTrue(t.engine
                            .submit(TinyWorld.greedy(PROMPT, null, 3))
                            .completion()
                            .get(10, TimeUnit.SECONDS)
                            .tokenIds()
                            .length
                    == 3);
        }
    }
}
