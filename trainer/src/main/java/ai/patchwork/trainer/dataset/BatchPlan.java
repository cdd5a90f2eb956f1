package ai.patchwork.trainer.dataset;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Which examples form each batch, epoch by epoch: batching by length with randomness, a pure function of the seed.
 * Each epoch shuffles the examples, sorts windows of {@value #WINDOW_BATCHES} batches by length (so that a batch
 * holds examples of similar length and pads little), cuts the windows into batches and shuffles the batches. Because
 * the plan depends only on (seed, epoch), the data position of a run is just its step number: a resumed run gets the
 * same batches in the same order without storing them.
 */
public final class BatchPlan {

    static final int WINDOW_BATCHES = 8;

    private final int[] lengths;
    private final int batchSize;
    private final long seed;
    private int cachedEpoch = -1;
    private List<int[]> cached;

    /**
     * @param lengths token length of each example
     * @param batchSize examples per batch (the last batch of an epoch may be smaller)
     * @param seed the job's seed
     */
    public BatchPlan(int[] lengths, int batchSize, long seed) {
        if (lengths.length == 0) throw new IllegalArgumentException("no examples");
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1");
        this.lengths = lengths.clone();
        this.batchSize = Math.min(batchSize, lengths.length);
        this.seed = seed;
    }

    public int batchSize() {
        return batchSize;
    }

    public int batchesPerEpoch() {
        return (lengths.length + batchSize - 1) / batchSize;
    }

    /** The example indices of batch {@code index} (0-based) of epoch {@code epoch} (0-based). */
    public synchronized int[] batch(int epoch, int index) {
        if (index < 0 || index >= batchesPerEpoch()) throw new IndexOutOfBoundsException("batch " + index);
        if (epoch != cachedEpoch) {
            cached = epochBatches(epoch);
            cachedEpoch = epoch;
        }
        return cached.get(index).clone();
    }

    /** The batch of global step {@code step} (1-based): epoch (step−1) / batchesPerEpoch, and so on. */
    public int[] batchOfStep(int step) {
        return batch(epochOfStep(step), (step - 1) % batchesPerEpoch());
    }

    /** The epoch (0-based) that global step {@code step} (1-based) belongs to. */
    public int epochOfStep(int step) {
        if (step < 1) throw new IllegalArgumentException("steps count from 1");
        return (step - 1) / batchesPerEpoch();
    }

    private List<int[]> epochBatches(int epoch) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        Integer[] order = new Integer[lengths.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Integer t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int window = batchSize * WINDOW_BATCHES;
        for (int from = 0; from < order.length; from += window) {
            Arrays.sort(order, from, Math.min(order.length, from + window), Comparator.comparingInt(i -> lengths[i]));
        }
        List<int[]> batches = new ArrayList<>();
        for (int from = 0; from < order.length; from += batchSize) {
            int to = Math.min(order.length, from + batchSize);
            int[] b = new int[to - from];
            for (int i = from; i < to; i++) b[i - from] = order[i];
            batches.add(b);
        }
        for (int i = batches.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int[] t = batches.get(i);
            batches.set(i, batches.get(j));
            batches.set(j, t);
        }
        return batches;
    }
}
