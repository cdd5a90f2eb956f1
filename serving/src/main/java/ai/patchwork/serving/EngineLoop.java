package ai.patchwork.serving;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The single engine-loop thread. Each iteration: apply cancellations, admit queued requests, run one prefill step
 * (the next chunk of every admitted sequence whose prompt is not yet in the cache, within a token budget), then one
 * decode step (one token for every sequence past its prompt). Sequences join and leave between any two steps.
 *
 * <p>Prefill and decode are separate forward passes rather than one padded pass: padding a decode row (one token)
 * to a prefill chunk would multiply its cost by the chunk length, while a separate prefill pass bounds the delay it
 * adds to running decodes by one budget-sized step per iteration. A sequence whose prompt completes in the prefill
 * step joins the decode step of the same iteration.
 */
final class EngineLoop implements Runnable {

    private static final System.Logger LOG = System.getLogger(EngineLoop.class.getName());

    private final Scheduler scheduler;
    private final ModelRunner runner;
    private final AdapterCache adapters;
    private final EngineMetrics metrics;
    private final PrefixCache prefix; // null without prefix caching
    private final long kvPositions;
    private final ConcurrentLinkedQueue<Sequence> cancels = new ConcurrentLinkedQueue<>();
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean stopping;
    private volatile EngineStats stats;
    private volatile StepTrace.Observer observer;
    private long steps;

    /** Keeps the runner's prefix blocks, if it has any, in a {@link PrefixCache} of its own. */
    EngineLoop(Scheduler scheduler, ModelRunner runner, AdapterCache adapters, EngineMetrics metrics) {
        this.scheduler = scheduler;
        this.runner = runner;
        this.adapters = adapters;
        this.metrics = metrics;
        KvBlockPool blocks = runner.prefixBlocks();
        this.prefix = blocks == null ? null : new PrefixCache(blocks);
        if (prefix != null) metrics.prefixGauges(prefix);
        this.kvPositions = (long) scheduler.slots() * scheduler.capacity();
        publishStats();
    }

    /** Wakes the loop: new work, a finished adapter load, a cancellation. Lock-free; any thread. */
    void signal() {
        if (wake.availablePermits() == 0) wake.release();
    }

    /** A running sequence is freed at the start of the next step. */
    void cancel(Sequence s) {
        cancels.add(s);
        signal();
    }

    void stop() {
        stopping = true;
        signal();
    }

    /** The last step's figures, with the queue length as of now. */
    EngineStats stats() {
        EngineStats s = stats;
        return new EngineStats(
                scheduler.waitingCount(), s.running(), s.kvSlotsUsed(), s.kvSlots(), s.kvUsage(), s.steps());
    }

    void observe(StepTrace.Observer observer) {
        this.observer = observer;
    }

    private void trace(boolean prefill, List<Sequence> rows, int[] kv, int[] lora, int tokens, int passRows) {
        StepTrace.Observer o = observer;
        if (o == null) return;
        long[] ids = new long[rows.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = rows.get(i).handle.id();
        o.onStep(new StepTrace(
                steps, prefill, ids, kv, lora, tokens, passRows, prefill ? null : runner.lastDecodePath()));
    }

    @Override
    public void run() {
        try {
            while (!stopping) {
                boolean worked;
                try {
                    worked = iterate();
                } catch (RuntimeException | Error e) {
                    LOG.log(System.Logger.Level.ERROR, "engine iteration failed; failing the running sequences", e);
                    for (Sequence s : scheduler.running()) retire(s, e);
                    worked = false;
                }
                publishStats();
                if (!worked) idle();
            }
        } finally {
            shutdown();
        }
    }

    private boolean iterate() {
        applyCancels();
        admit();
        boolean worked = false;
        Scheduler.PrefillPlan plan = scheduler.planPrefill();
        if (plan != null) {
            prefill(plan);
            worked = true;
            applyCancels();
        }
        List<Sequence> decoding = scheduler.decoding();
        if (!decoding.isEmpty()) {
            decode(decoding);
            worked = true;
        }
        return worked;
    }

    private void admit() {
        List<Scheduler.Failure> failed = new ArrayList<>();
        List<Sequence> admitted = scheduler.admit(s -> adapters.tryAcquire(s.adapterId(), s.adapterLoad), failed);
        long now = System.nanoTime();
        for (Sequence s : admitted) {
            s.admitted = now;
            metrics.queued(now - s.submitted);
            if (s.adapterId() != null) adapters.withdraw(s.adapterId());
            try {
                runner.admit(s.kvSlot, s.lease);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "cannot place the adapter of a sequence in its LoRA row", e);
                retire(s, e);
                continue;
            }
            if (prefix != null && !s.sibling) restorePrefix(s);
        }
        for (Scheduler.Failure f : failed) {
            for (Sequence s : f.sequence().group()) { // a first choice that fails takes its waiting siblings along
                adapters.withdraw(s.adapterId());
                s.fail(f.error());
            }
        }
    }

    /** Copies the longest cached prefix of the sequence's prompt into its KV slot; its prefill continues after it. */
    private void restorePrefix(Sequence s) {
        try {
            int cached = prefix.restore(PrefixCache.owner(s.lease), s.request.promptIds(), s.kvSlot);
            s.restored(cached);
            metrics.prefixLookup(s.promptLength(), cached);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot restore a prompt prefix from the prefix cache", e);
            retire(s, e);
        }
    }

    /** Keeps the prompt's whole blocks for later requests; a failure here costs only the reuse. */
    private void storePrefix(Sequence s) {
        try {
            prefix.store(PrefixCache.owner(s.lease), s.request.promptIds(), s.kvSlot);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot keep a prompt in the prefix cache", e);
        }
    }

    private void prefill(Scheduler.PrefillPlan plan) {
        List<Sequence> rows = plan.rows();
        int[] kv = kvSlots(rows);
        int[] lora = loraSlots(rows);
        float[][] logits;
        long start = System.nanoTime();
        try {
            logits = runner.prefill(plan.tokens(), plan.starts(), kv, lora);
        } catch (RuntimeException e) {
            failStep(rows, e);
            return;
        }
        steps++;
        metrics.step(true, rows.size(), System.nanoTime() - start);
        int longest = 0;
        int computed = 0;
        for (int[] t : plan.tokens()) {
            longest = Math.max(longest, t.length);
            computed += t.length;
        }
        metrics.prefilled(computed);
        trace(true, rows, kv, lora, longest, rows.size());
        long now = System.nanoTime();
        for (int i = 0; i < rows.size(); i++) {
            Sequence s = rows.get(i);
            if (!s.advancePrefill(plan.tokens()[i].length)) continue;
            if (prefix != null) storePrefix(s);
            scheduler.prefillDone(s);
            for (Sequence sibling : s.siblings) fork(s, sibling, logits[i], now);
            if (s.accept(logits[i], now)) retire(s, null);
        }
    }

    /** A sibling takes the first choice's prompt from its KV slot and samples its first token from the same logits. */
    private void fork(Sequence first, Sequence sibling, float[] logits, long now) {
        if (sibling.state != Sequence.State.FORK) return; // cancelled or failed meanwhile
        try {
            runner.copyKv(first.kvSlot, sibling.kvSlot, first.promptLength());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot copy a prompt's KV slot to another choice", e);
            retire(sibling, e);
            return;
        }
        sibling.forked(first.restored());
        if (sibling.accept(logits, now)) retire(sibling, null);
    }

    private void decode(List<Sequence> decoding) {
        DecodeRows rows = DecodeRows.plan(scheduler.bySlot(), decoding, runner.fillsHoles());
        float[][] logits;
        long start = System.nanoTime();
        try {
            logits = runner.decode(rows.tokens(), rows.positions(), rows.kvSlots(), rows.loraSlots());
        } catch (RuntimeException e) {
            failStep(decoding, e);
            return;
        }
        steps++;
        metrics.step(false, decoding.size(), System.nanoTime() - start);
        if (observer != null) trace(false, decoding, kvSlots(decoding), loraSlots(decoding), 1, rows.size());
        long now = System.nanoTime();
        for (int i = 0; i < rows.size(); i++) {
            Sequence s = rows.sequences()[i];
            if (s != null && s.accept(logits[i], now)) retire(s, null);
        }
    }

    private static int[] kvSlots(List<Sequence> rows) {
        int[] out = new int[rows.size()];
        for (int i = 0; i < out.length; i++) out[i] = rows.get(i).kvSlot;
        return out;
    }

    private static int[] loraSlots(List<Sequence> rows) {
        int[] out = new int[rows.size()];
        for (int i = 0; i < out.length; i++) out[i] = DecodeRows.loraSlot(rows.get(i));
        return out;
    }

    private void failStep(List<Sequence> rows, RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "a forward pass of " + rows.size() + " sequences failed", e);
        for (Sequence s : rows) retire(s, e);
    }

    private void applyCancels() {
        for (Sequence s; (s = cancels.poll()) != null; ) {
            if (s.done() || s.kvSlot < 0) continue;
            retire(s, null);
            s.finish(FinishReason.CANCELLED, -1, "");
        }
    }

    /**
     * Frees the KV slot and the adapter lease; fails the sequence when {@code error} is given. Siblings still waiting
     * for this sequence's prompt end with it: failed likewise, or cancelled.
     */
    private void retire(Sequence s, Throwable error) {
        boolean prompted = s.state == Sequence.State.DECODE || s.state == Sequence.State.DONE;
        scheduler.release(s);
        if (s.lease != null) adapters.release(s.lease);
        if (error != null) s.fail(error);
        if (prompted && error == null) return;
        for (Sequence sibling : s.siblings) {
            if (sibling.state != Sequence.State.FORK) continue;
            retire(sibling, error);
            sibling.finish(FinishReason.CANCELLED, -1, "");
        }
    }

    private void idle() {
        try {
            if (wake.tryAcquire(100, TimeUnit.MILLISECONDS)) wake.drainPermits();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    private void publishStats() {
        int active = scheduler.active();
        stats = new EngineStats(
                scheduler.waitingCount(),
                active,
                active,
                scheduler.slots(),
                (double) scheduler.cachedTokens() / kvPositions,
                steps);
    }

    private void shutdown() {
        IllegalStateException closed = new IllegalStateException("the inference engine was closed");
        for (Sequence queued : scheduler.drainWaiting()) {
            for (Sequence s : queued.group()) {
                if (s.adapterId() != null) adapters.withdraw(s.adapterId());
                s.fail(closed);
            }
        }
        for (Sequence s : scheduler.running()) retire(s, closed);
        runner.close();
        publishStats();
    }
}
