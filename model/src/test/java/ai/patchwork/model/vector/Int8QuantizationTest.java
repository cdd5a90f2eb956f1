package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.patchwork.model.Fixtures;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.sample.Sampler;
import ai.patchwork.model.tokenizer.Tokenizer;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fixture model held in int8 (Q8_0) against itself in its checkpoint's precision, over a long text read token by
 * token, with and without an adapter on top (QLoRA-style serving).
 *
 * <p>The bound: each weight is within half a quantization step of its value, d / 2 with d = max|w| / 127 over its
 * group of 32; for roughly Gaussian weights, whose largest of 32 is about 2.5 standard deviations, that makes the
 * error of one matmul output about 2.5 / (127 · √12) ≈ 0.6 % of its spread. A logit goes through 9 matmuls here (4
 * per layer and the head), whose independent errors add to about √9 · 0.6 ≈ 1.8 %: the RMS logit error may be at
 * most 2 % of the logits' standard deviation. Single errors are heavier tailed (an adapter amplifies a few
 * directions of its input), and the largest of some 10⁵ (512 logits at each of ~200 positions) may reach several
 * times the RMS: at most 15 % at any position. The greedy token flips only where the two best logits lie closer than
 * the error, rare but not absent in a random model whose logits are crowded: ≥ 93 % of positions agree.
 */
class Int8QuantizationTest {

    private static final String TEXT =
            "Once upon a time, in a village between two rivers, there lived a baker who rose "
                    + "before dawn every day. She kneaded the dough, lit the oven and watched the loaves turn golden while the "
                    + "village slept. Travellers said her bread was the best in the valley, and children came running when the "
                    + "smell drifted down the street. One winter the river froze, the mill stopped, and flour grew scarce.";

    /**
     * On the Vector API, and in oneDNN's layout ({@link Matmul#NATIVE}), where the int8 model reads the text as two
     * streams at once: its products of two rows run on oneDNN, which also rounds x and the dequantized weights to
     * bfloat16 (relative errors of 2⁻⁹, under a tenth of the quantization's), its one-row products on
     * {@link Q8Rows#dots}; the same bounds hold.
     */
    @ParameterizedTest
    @EnumSource(
            value = Matmul.class,
            names = {"VECTOR", "NATIVE"})
    void int8LogitsStayWithinTheBoundOfTheCheckpointsOverALongText(Matmul matmul) {
        assumeTrue(matmul == Matmul.VECTOR || OneDnn.available(), "oneDNN has no native library here");
        Path dir = Fixtures.tinyLlamaModel();
        int[] ids;
        try (Tokenizer t = Tokenizer.load(dir)) {
            ids = t.encode(TEXT);
        }
        try (VectorTransformer exact = VectorTransformer.load(dir);
                VectorTransformer int8 = VectorTransformer.load(dir, Quantization.INT8, matmul, null)) {
            assertEquals(matmul == Matmul.NATIVE, int8.nativeMatrices() > 0, "int8 in oneDNN's layout");
            int streams = matmul == Matmul.NATIVE ? 2 : 1;
            // 1 byte per weight and 4 per 32 for the scales, against 4; oneDNN's layout holds the scales twice
            double ratio = matmul == Matmul.NATIVE ? 0.33 : 0.3;
            assertTrue(
                    int8.weightBytes() < ratio * exact.weightBytes(), "int8 of a float32 checkpoint: about a quarter");
            int n = Math.min(ids.length, exact.config().maxPositions() - 1);
            assertTrue(n >= 64, "a long text: " + n + " tokens");
            VectorLoraSlots slots = new VectorLoraSlots(exact.config(), 1, 16, AdapterStorage.INT16);
            slots.set(
                    1, AdapterWeights.load("all-r8", Fixtures.tinyLlama().resolve("adapters/all-r8"), exact.config()));
            for (int lora : new int[] {0, 1}) {
                double[] worst = compare(exact, int8, ids, n, lora, slots, streams);
                System.out.printf(
                        "int8 (%s, %d streams) vs checkpoint, adapter slot %d, %d tokens: RMS Δlogit / std %.4f, max "
                                + "|Δlogit| / std %.4f, greedy agreement %.4f%n",
                        matmul, streams, lora, n, worst[2], worst[0], worst[1]);
                assertTrue(worst[2] <= 0.02, "RMS logit error " + worst[2] + " of the logits' standard deviation");
                assertTrue(worst[0] <= 0.15, "largest logit error " + worst[0] + " of the logits' standard deviation");
                assertTrue(worst[1] >= 0.93, "greedy agreement " + worst[1]);
            }
        }
    }

    /**
     * Reads the text one token a step in both, in {@code streams} identical sequences at once in b: {max over positions
     * and streams of max|Δ| / std, greedy agreement, RMS Δ / std}.
     */
    private static double[] compare(
            VectorTransformer a, VectorTransformer b, int[] ids, int n, int lora, VectorLoraSlots slots, int streams) {
        VectorKvCache ca = new VectorKvCache(a.config(), 1, n, Arena.ofAuto());
        VectorKvCache cb = new VectorKvCache(b.config(), streams, n, Arena.ofAuto());
        int[] seqs = new int[streams];
        int[] loras = new int[streams];
        for (int s = 0; s < streams; s++) {
            seqs[s] = s;
            loras[s] = lora;
        }
        double worst = 0;
        double sq = 0;
        double variance = 0;
        int agree = 0;
        for (int t = 0; t < n; t++) {
            int[][] tok = {{ids[t]}};
            int[] pos = {t};
            float[] la = a.step(tok, pos, new int[] {0}, new int[] {lora}, ca, slots)[0];
            int[][] toks = new int[streams][];
            int[] poss = new int[streams];
            for (int s = 0; s < streams; s++) {
                toks[s] = tok[0];
                poss[s] = t;
            }
            float[][] lbs = b.step(toks, poss, seqs, loras, cb, slots);
            for (int s = 1; s < streams; s++) assertArrayEquals(lbs[0], lbs[s], "stream " + s + " at " + t);
            float[] lb = lbs[0];
            double mean = 0;
            for (float v : la) mean += v;
            mean /= la.length;
            double var = 0;
            double err = 0;
            for (int i = 0; i < la.length; i++) {
                var += (la[i] - mean) * (la[i] - mean);
                err = Math.max(err, Math.abs(la[i] - lb[i]));
                sq += (double) (la[i] - lb[i]) * (la[i] - lb[i]);
            }
            variance += var;
            worst = Math.max(worst, err / Math.sqrt(var / la.length));
            if (Sampler.argmax(la) == Sampler.argmax(lb)) agree++;
        }
        return new double[] {worst, (double) agree / n, Math.sqrt(sq / variance)};
    }
}
