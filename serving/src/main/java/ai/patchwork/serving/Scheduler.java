package ai.patchwork.serving;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;

/**
 * Iteration-level scheduling (Orca): which sequences run in the next prefill and decode steps. No tensors here.
 *
 * <p><b>Admission</b> is FIFO over a bounded queue. A request whose adapter is still loading is passed over (it keeps
 * its place and goes first once loaded), so one cold adapter delays nobody else; a request that lacks capacity (a KV
 * slot, or a LoRA slot while every slot is held by running sequences) stops admission, so later requests cannot
 * overtake it indefinitely. Running sequences always finish, which bounds every wait.
 *
 * <p><b>KV slots</b> are taken lowest-first and kept for a sequence's lifetime; decode rows are ordered by slot, so
 * the batch (and its LoRA mapping) changes only when a sequence joins or leaves, and a batch that occupies slots
 * 0..B-1 reads the cache as a view instead of a gather.
 */
final class Scheduler {

    /** One prefill step: row b feeds {@code tokens[b]} from position {@code starts[b]}. */
    record PrefillPlan(List<Sequence> rows, int[][] tokens, int[] starts) {}

    private final int maxQueued;
    private final int capacity;
    private final int prefillChunk;
    private final int prefillBudget;
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>(); // guarded by this
    private final Sequence[] bySlot; // engine loop only
    private final List<Sequence> prefilling = new ArrayList<>(); // engine loop only, in admission order
    private volatile int active;

    /**
     * @param config the engine's batch size (KV slots), queue bound, prefill chunk and prefill step budget
     * @param capacity positions per KV slot
     */
    Scheduler(EngineConfig config, int capacity) {
        this.bySlot = new Sequence[config.maxBatchSize()];
        this.capacity = capacity;
        this.maxQueued = config.maxQueued();
        this.prefillChunk = config.prefillChunk();
        this.prefillBudget = config.maxPrefillTokens();
    }

    /** @throws QueueFullException when {@code maxQueued} requests already wait */
    synchronized void enqueue(Sequence s, EngineMetrics metrics) {
        if (waiting.size() >= maxQueued)
            throw new QueueFullException(waiting.size(), metrics.retryAfter(waiting.size(), bySlot.length));
        waiting.addLast(s);
    }

    synchronized boolean removeWaiting(Sequence s) {
        return waiting.remove(s);
    }

    synchronized int waitingCount() {
        return waiting.size();
    }

    synchronized List<Sequence> drainWaiting() {
        List<Sequence> out = new ArrayList<>(waiting);
        waiting.clear();
        return out;
    }

    int active() {
        return active;
    }

    int slots() {
        return bySlot.length;
    }

    /** Positions per KV slot. */
    int capacity() {
        return capacity;
    }

    /**
     * Admits queued requests in FIFO order while KV slots are free.
     *
     * @param adapters the adapter gate, asked for every request that has an adapter
     * @param failed receives requests whose adapter failed, already removed from the queue
     * @return the admitted sequences, each with a KV slot
     */
    synchronized List<Sequence> admit(Function<Sequence, Acquire> adapters, List<Failure> failed) {
        List<Sequence> admitted = new ArrayList<>();
        Iterator<Sequence> it = waiting.iterator();
        while (it.hasNext() && active < bySlot.length) {
            Sequence s = it.next();
            if (active + 1 + s.siblings.size() > bySlot.length) return admitted; // a group is admitted whole
            if (s.adapterId() != null) {
                Acquire a = adapters.apply(s);
                switch (a.status()) {
                    case LOADING -> {
                        s.adapterLoad = a.load();
                        continue;
                    }
                    case NO_SLOT -> {
                        return admitted;
                    }
                    case FAILED -> {
                        it.remove();
                        failed.add(new Failure(s, a.error()));
                        continue;
                    }
                    case READY -> s.lease = a.lease();
                }
            }
            it.remove();
            place(s);
            admitted.add(s);
            for (Sequence sibling : s.siblings) {
                if (sibling.adapterId() != null) {
                    Acquire a = adapters.apply(sibling); // the first choice's adapter is resident now: ready at once
                    if (a.status() != Acquire.Status.READY) {
                        failed.add(
                                new Failure(
                                        sibling,
                                        a.error() != null
                                                ? a.error()
                                                : new IllegalStateException(
                                                        "the adapter left its slot while the choices of a request were admitted")));
                        continue;
                    }
                    sibling.lease = a.lease();
                }
                place(sibling);
                admitted.add(sibling);
            }
        }
        return admitted;
    }

    record Failure(Sequence sequence, Throwable error) {}

    private void place(Sequence s) {
        int slot = 0;
        while (bySlot[slot] != null) slot++;
        bySlot[slot] = s;
        s.kvSlot = slot;
        active++;
        if (s.sibling) {
            s.state = Sequence.State.FORK; // waits for the first choice's prompt
            return;
        }
        s.state = Sequence.State.PREFILL;
        prefilling.add(s);
    }

    /** Frees the sequence's KV slot. */
    void release(Sequence s) {
        if (s.kvSlot < 0) return;
        bySlot[s.kvSlot] = null;
        s.kvSlot = -1;
        prefilling.remove(s);
        active--;
    }

    /**
     * The next prefill step: prefilling sequences in admission order, each with its next chunk (at most
     * {@link EngineConfig#prefillChunk()} tokens), while rows × the longest chunk stays within
     * {@link EngineConfig#maxPrefillTokens()}. Rows are right-padded to the longest chunk, so a row is only taken when
     * its padded end still fits the cache.
     */
    PrefillPlan planPrefill() {
        List<Sequence> rows = new ArrayList<>();
        int t = 0;
        for (Sequence s : prefilling) {
            int len = Math.min(prefillChunk, s.promptLength() - s.prefilled());
            int padded = Math.max(t, len);
            if (!rows.isEmpty() && (rows.size() + 1) * padded > prefillBudget) break;
            if (!fits(rows, s, padded)) continue;
            rows.add(s);
            t = padded;
        }
        if (rows.isEmpty()) return null;
        int[][] tokens = new int[rows.size()][];
        int[] starts = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            tokens[i] = rows.get(i).chunk(prefillChunk);
            starts[i] = rows.get(i).prefilled();
        }
        return new PrefillPlan(rows, tokens, starts);
    }

    private boolean fits(List<Sequence> rows, Sequence s, int padded) {
        if (s.prefilled() + padded > capacity) return false;
        for (Sequence r : rows) if (r.prefilled() + padded > capacity) return false;
        return true;
    }

    /** Sequences whose prompt is in the cache, in KV slot order. */
    List<Sequence> decoding() {
        List<Sequence> out = new ArrayList<>(active);
        for (Sequence s : bySlot) if (s != null && s.state == Sequence.State.DECODE) out.add(s);
        return out;
    }

    /** The sequence in each KV slot, or null; engine loop only, not to be modified. */
    Sequence[] bySlot() {
        return bySlot;
    }

    /** Every sequence holding a KV slot. */
    List<Sequence> running() {
        List<Sequence> out = new ArrayList<>(active);
        for (Sequence s : bySlot) if (s != null) out.add(s);
        return out;
    }

    void prefillDone(Sequence s) {
        prefilling.remove(s);
        s.state = Sequence.State.DECODE;
    }

    /** Live tokens in the cache. */
    long cachedTokens() {
        long n = 0;
        for (Sequence s : bySlot) if (s != null) n += s.cachedTokens();
        return n;
    }
}
