package ai.patchwork.model.kv;

import static ai.patchwork.model.fixture.TinyModels.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.patchwork.model.fixture.TinyModelSpec;
import ai.patchwork.model.fixture.TinyModelWriter;
import ai.patchwork.model.fixture.TinyModels;
import ai.patchwork.model.lora.LoraOps;
import ai.patchwork.model.nn.Transformer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Incremental decoding with the KV cache must reproduce the full causal forward: the logits at position p after
 * feeding tokens 0..p step by step equal row p of {@link Transformer#logits} over the whole sequence.
 */
class KvCacheDecodeTest {

    static final double TOLERANCE = 1e-4;

    @TempDir
    static Path tmp;

    static NDManager manager;
    static Transformer gqa;
    static Transformer mqa;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        TinyModelWriter.write(TinyModelSpec.builder().optSeed(21).build(), tmp.resolve("gqa"));
        TinyModelWriter.write(TinyModelSpec.builder().optKvHeads(1).optSeed(22).build(), tmp.resolve("mqa"));
        gqa = Transformer.load(tmp.resolve("gqa"), manager);
        mqa = Transformer.load(tmp.resolve("mqa"), manager);
    }

    @AfterAll
    static void close() {
        gqa.close();
        mqa.close();
        manager.close();
    }

    static Transformer model(int kvHeads) {
        return kvHeads == 1 ? mqa : gqa;
    }

    /** Expected logits, per sequence and position, from one full forward per sequence. */
    static List<float[][]> fullForward(Transformer model, int[][] seqs) {
        List<float[][]> out = new ArrayList<>();
        for (int[] s : seqs) out.add(TinyModels.logits(model, s));
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void prefillThenOneTokenAtATimeEqualsFullForward(int kvHeads) {
        Transformer model = model(kvHeads);
        int[] seq = TinyModels.randomIds(14, 512, 5);
        float[][] full = TinyModels.logits(model, seq);
        try (KvCache cache = new KvCache(model.config(), 1, 32, manager)) {
            int prefill = 5;
            float[][] out = model.step(
                    new int[][] {Arrays.copyOf(seq, prefill)}, new int[] {0}, new int[] {0}, cache, LoraOps.NONE);
            assertClose(full[prefill - 1], out[0], "prefill");
            for (int p = prefill; p < seq.length; p++) {
                out = model.step(new int[][] {{seq[p]}}, new int[] {p}, new int[] {0}, cache, LoraOps.NONE);
                assertClose(full[p], out[0], "position " + p);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void paddedBatchPrefillAndDecodeEqualFullForward(boolean scatteredSlots) {
        Transformer model = gqa;
        int[][] seqs = {
            TinyModels.randomIds(9, 512, 1), TinyModels.randomIds(4, 512, 2), TinyModels.randomIds(13, 512, 3)
        };
        int[] prefill = {3, 1, 6};
        // Slots out of order with holes exercise the gathered read; 0..B-1 in order the view.
        int[] slots = scatteredSlots ? new int[] {4, 1, 2} : new int[] {0, 1, 2};
        List<float[][]> full = fullForward(model, seqs);
        try (KvCache cache = new KvCache(model.config(), 5, 16, manager)) {
            int[][] prompts = new int[seqs.length][];
            for (int b = 0; b < seqs.length; b++) prompts[b] = Arrays.copyOf(seqs[b], prefill[b]);
            float[][] out = model.step(prompts, new int[3], slots, cache, LoraOps.NONE);
            for (int b = 0; b < seqs.length; b++) assertClose(full.get(b)[prefill[b] - 1], out[b], "prefill of " + b);

            int[] len = prefill.clone();
            while (true) {
                // Sequences that are done leave the batch; the others keep their (possibly scattered) slots.
                List<Integer> running = new ArrayList<>();
                for (int b = 0; b < seqs.length; b++) if (len[b] < seqs[b].length) running.add(b);
                if (running.isEmpty()) break;
                int n = running.size();
                int[][] tokens = new int[n][];
                int[] starts = new int[n];
                int[] rows = new int[n];
                for (int i = 0; i < n; i++) {
                    int b = running.get(i);
                    tokens[i] = new int[] {seqs[b][len[b]]};
                    starts[i] = len[b];
                    rows[i] = slots[b];
                }
                out = model.step(tokens, starts, rows, cache, LoraOps.NONE);
                for (int i = 0; i < n; i++) {
                    int b = running.get(i);
                    assertClose(full.get(b)[len[b]], out[i], "sequence " + b + " position " + len[b]);
                    len[b]++;
                }
            }
        }
    }

    @Test
    void chunkedPrefillOfUnequalChunksEqualsFullForward() {
        Transformer model = mqa;
        int[][] seqs = {TinyModels.randomIds(12, 512, 7), TinyModels.randomIds(10, 512, 8)};
        List<float[][]> full = fullForward(model, seqs);
        int[] slots = {2, 0};
        try (KvCache cache = new KvCache(model.config(), 3, 16, manager)) {
            int[] len = {0, 0};
            int[][] chunks = {{4, 2}, {1, 5}, {3, 1}, {4, 2}};
            for (int[] chunk : chunks) {
                int[][] tokens = new int[2][];
                for (int b = 0; b < 2; b++) tokens[b] = Arrays.copyOfRange(seqs[b], len[b], len[b] + chunk[b]);
                float[][] out = model.step(tokens, len.clone(), slots, cache, LoraOps.NONE);
                for (int b = 0; b < 2; b++) {
                    len[b] += chunk[b];
                    assertClose(full.get(b)[len[b] - 1], out[b], "sequence " + b + " after " + len[b] + " tokens");
                }
            }
        }
    }

    @Test
    void reusedSlotForgetsTheSequenceBefore() {
        Transformer model = gqa;
        int[] first = TinyModels.randomIds(10, 512, 11);
        int[] second = TinyModels.randomIds(6, 512, 12);
        float[][] full = TinyModels.logits(model, second);
        try (KvCache cache = new KvCache(model.config(), 1, 16, manager)) {
            model.step(new int[][] {first}, new int[] {0}, new int[] {0}, cache, LoraOps.NONE);
            float[][] out = model.step(new int[][] {second}, new int[] {0}, new int[] {0}, cache, LoraOps.NONE);
            assertClose(full[second.length - 1], out[0], "a new sequence in a used slot");
        }
    }

    @Test
    void stepsBeyondTheCacheAreRefused() {
        try (KvCache cache = new KvCache(gqa.config(), 2, 8, manager)) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> gqa.step(
                            new int[][] {TinyModels.randomIds(9, 512, 1)},
                            new int[] {0},
                            new int[] {1},
                            cache,
                            LoraOps.NONE));
            assertTrue(e.getMessage().contains("capacity"), e.getMessage());
            e = assertThrows(
                    IllegalArgumentException.class,
                    () -> gqa.step(new int[][] {{1}}, new int[] {0}, new int[] {2}, cache, LoraOps.NONE));
            assertTrue(e.getMessage().contains("slot 2"), e.getMessage());
        }
    }

    static void assertClose(float[] want, float[] got, String what) {
        double err = maxAbsDiff(want, got);
        assertTrue(err < TOLERANCE, what + ": max |logit error| " + err);
    }
}
