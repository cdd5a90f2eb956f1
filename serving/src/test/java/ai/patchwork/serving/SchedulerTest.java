package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.sample.SamplingParams;
import ai.patchwork.model.tokenizer.Tokenizer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Admission, KV slots and prefill planning, without a model. */
class SchedulerTest {

    /** For sequences that sample; shared and never closed (tiny, native, freed at exit). */
    static final Tokenizer TOKENIZER = Tokenizer.load(Fixtures.model());

    final EngineMetrics metrics = new EngineMetrics(new SimpleMeterRegistry());
    long ids;

    Sequence seq(int promptLength, String adapter) {
        GenerationHandle h = new GenerationHandle(++ids, GenerationListener.NONE, new SerialExecutor(Runnable::run));
        EngineRequest r = new EngineRequest(new int[promptLength], adapter, SamplingParams.greedy(4), true);
        return new Sequence(h, r, new Sequence.Limits(4, Set.of()), TOKENIZER, metrics);
    }

    static final Function<Sequence, Acquire> READY = s -> Acquire.ready(null);

    /** {@code slots} KV slots of {@code capacity} positions, at most {@code maxQueued} waiting; default prefill. */
    static Scheduler scheduler(int slots, int capacity, int maxQueued) {
        return scheduler(slots, capacity, maxQueued, 64, 512);
    }

    /** The same with prefill chunks of at most {@code chunk} tokens, {@code budget} padded tokens a step. */
    static Scheduler scheduler(int slots, int capacity, int maxQueued, int chunk, int budget) {
        EngineConfig config = EngineConfig.builder(Fixtures.model())
                .optMaxBatchSize(slots)
                .optMaxQueued(maxQueued)
                .optPrefillChunk(chunk)
                .optMaxPrefillTokens(budget)
                .build();
        return new Scheduler(config, capacity);
    }

    @Test
    void admitsInFifoOrderIntoTheLowestFreeSlots() {
        Scheduler sch = scheduler(2, 64, 10);
        Sequence a = seq(3, null), b = seq(3, null), c = seq(3, null);
        for (Sequence s : List.of(a, b, c)) sch.enqueue(s, metrics);
        assertEquals(List.of(a, b), sch.admit(READY, new ArrayList<>()));
        assertEquals(0, a.kvSlot);
        assertEquals(1, b.kvSlot);
        sch.release(a);
        assertEquals(List.of(c), sch.admit(READY, new ArrayList<>()));
        assertEquals(0, c.kvSlot, "the freed slot is reused");
    }

    @Test
    void aLoadingAdapterIsPassedOverButCapacityStopsAdmission() {
        Scheduler sch = scheduler(3, 64, 10);
        Sequence loading = seq(3, "cold"), base = seq(3, null), noSlot = seq(3, "busy"), after = seq(3, null);
        for (Sequence s : List.of(loading, base, noSlot, after)) sch.enqueue(s, metrics);
        CompletableFuture<ai.patchwork.model.lora.ResidentAdapter> load = new CompletableFuture<>();
        Function<Sequence, Acquire> gate = s -> s == loading ? Acquire.loading(load) : Acquire.NO_SLOT;
        // the cold adapter waits for its load without holding up the base request; the one lacking a LoRA slot blocks
        // everything behind it, so it cannot be overtaken for ever
        assertEquals(List.of(base), sch.admit(gate, new ArrayList<>()));
        assertEquals(load, loading.adapterLoad);
        assertEquals(3, sch.waitingCount());
        // once loaded, the cold one is first in line again; the two free KV slots go in queue order
        assertEquals(List.of(loading, noSlot), sch.admit(READY, new ArrayList<>()));
        assertEquals(1, sch.waitingCount());
    }

    @Test
    void failedAdaptersLeaveTheQueue() {
        Scheduler sch = scheduler(2, 64, 10);
        Sequence bad = seq(3, "bad"), good = seq(3, null);
        sch.enqueue(bad, metrics);
        sch.enqueue(good, metrics);
        List<Scheduler.Failure> failed = new ArrayList<>();
        assertEquals(List.of(good), sch.admit(s -> Acquire.failed(new AdapterNotFoundException("bad", null)), failed));
        assertEquals(bad, failed.get(0).sequence());
        assertEquals(0, sch.waitingCount());
    }

    @Test
    void theQueueIsBounded() {
        Scheduler sch = scheduler(1, 64, 2);
        sch.enqueue(seq(3, null), metrics);
        sch.enqueue(seq(3, null), metrics);
        QueueFullException e = assertThrows(QueueFullException.class, () -> sch.enqueue(seq(3, null), metrics));
        assertTrue(e.retryAfter().toSeconds() >= 1);
    }

    @Test
    void prefillTakesChunksWithinTheTokenBudget() {
        Scheduler sch = scheduler(4, 256, 10, 32, 64);
        Sequence a = seq(100, null), b = seq(10, null), c = seq(40, null);
        for (Sequence s : List.of(a, b, c)) sch.enqueue(s, metrics);
        sch.admit(READY, new ArrayList<>());
        // chunk 32, budget 64 padded tokens: a (32) and b (10, padded to 32); c would make 3 × 32 > 64
        Scheduler.PrefillPlan plan = sch.planPrefill();
        assertEquals(List.of(a, b), plan.rows());
        assertEquals(32, plan.tokens()[0].length);
        assertEquals(10, plan.tokens()[1].length);
        assertArrayEquals(new int[] {0, 0}, plan.starts());
        a.advancePrefill(32);
        b.advancePrefill(10);
        sch.prefillDone(b);
        plan = sch.planPrefill();
        assertEquals(List.of(a, c), plan.rows());
        assertArrayEquals(new int[] {32, 0}, plan.starts());
        assertEquals(List.of(b), sch.decoding());
    }

    @Test
    void aRowIsNotPaddedPastTheEndOfTheCache() {
        Scheduler sch = scheduler(2, 64, 10, 40, 200);
        Sequence nearEnd = seq(63, null), fresh = seq(40, null);
        sch.enqueue(nearEnd, metrics);
        sch.enqueue(fresh, metrics);
        sch.admit(READY, new ArrayList<>());
        nearEnd.advancePrefill(40); // 23 left, at positions 40..62
        // padding its 23 tokens to fresh's 40 would write up to position 79 > 64: fresh waits a step
        Scheduler.PrefillPlan plan = sch.planPrefill();
        assertEquals(List.of(nearEnd), plan.rows());
        nearEnd.advancePrefill(23);
        sch.prefillDone(nearEnd);
        assertEquals(List.of(fresh), sch.planPrefill().rows());
    }

    @Test
    void decodeRowsFollowSlotOrder() {
        Scheduler sch = scheduler(3, 64, 10, 8, 8);
        Sequence a = seq(2, null), b = seq(2, null), c = seq(2, null);
        for (Sequence s : List.of(a, b, c)) sch.enqueue(s, metrics);
        sch.admit(READY, new ArrayList<>());
        for (Sequence s : List.of(c, a, b)) {
            s.advancePrefill(2);
            sch.prefillDone(s);
        }
        assertEquals(List.of(a, b, c), sch.decoding());
        assertNull(sch.planPrefill());
    }
}
