package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.fixture.TinyAdapterSpec;
import ai.patchwork.model.fixture.TinyAdapterWriter;
import ai.patchwork.model.fixture.TinyModelSpec;
import ai.patchwork.model.fixture.TinyModelWriter;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.LoraWeights;
import ai.patchwork.model.lora.ResidentAdapter;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.safetensors.DType;
import ai.patchwork.model.safetensors.SafetensorsFile;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A row's delta against the adapter's weights; two rows' deltas read at once give what two single-row deltas give,
 * fused or not (to float rounding: a SIMD lane sum may be ordered differently before and after the JIT compiles it).
 */
class VectorLoraSlotsTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(AdapterStorage.class)
    void aPairOfRowsAddsWhatEachRowAddsAlone(AdapterStorage storage) {
        // widths that suit the SIMD tiles on any vector length up to 16 floats: every module can fuse
        ModelConfig c = model(128, 256, 2);
        VectorLoraSlots slots = new VectorLoraSlots(c, 4, 8, storage);
        slots.set(
                1,
                adapter(
                        c,
                        "a",
                        TinyAdapterSpec.builder().optRank(8).optAlpha(16).optSeed(1)));
        slots.set(
                2,
                adapter(
                        c,
                        "b",
                        TinyAdapterSpec.builder()
                                .optRank(8)
                                .optAlpha(8)
                                .optRslora(true)
                                .optSeed(2)));
        slots.set(
                3,
                adapter(
                        c,
                        "r4-mlp",
                        TinyAdapterSpec.builder()
                                .optRank(4)
                                .optAlpha(8)
                                .optSeed(3)
                                .optTargets(Projection.GATE, Projection.UP, Projection.DOWN)));
        slots.set(
                4,
                adapter(
                        c,
                        "bf16",
                        TinyAdapterSpec.builder()
                                .optRank(8)
                                .optAlpha(16)
                                .optDtype(DType.BF16)
                                .optSeed(4)));

        assertFuses(slots, 1, 2, true);
        assertFuses(slots, 1, 1, true);
        assertFuses(slots, 1, 0, false); // no adapter on one row
        assertFuses(slots, 1, 3, false); // different ranks, and no attention modules in slot 3
        assertFuses(slots, 4, 1, storage == AdapterStorage.INT16); // exact: held in bfloat16; else in 16 bits as slot 1
        int[][] pairs = {{1, 2}, {2, 1}, {1, 1}, {1, 0}, {0, 2}, {0, 0}, {1, 3}, {3, 3}, {4, 1}, {4, 4}};
        SplittableRandom r = new SplittableRandom(5);
        float[] t = new float[2 * slots.maxRank()];
        float[] wide = new float[slots.widenScratch()];
        for (int[] pair : pairs) {
            for (int layer = 0; layer < c.numLayers(); layer++) {
                for (Projection p : Projection.values()) {
                    int in = p.inFeatures(c);
                    int out = p.outFeatures(c);
                    float[] x = GemmTest.random(3 * in, r); // rows at offsets 0 and 2·in
                    float[] y = GemmTest.random(2 * out + 7, r); // rows at offsets 3 and out + 7
                    float[] want = y.clone();
                    slots.addDelta(pair[0], layer, p, x, 0, want, 3, t, wide);
                    slots.addDelta(pair[1], layer, p, x, 2 * in, want, out + 7, t, wide);
                    slots.addDeltaPair(pair[0], pair[1], layer, p, x, 0, 2 * in, y, 3, out + 7, t, wide);
                    for (int i = 0; i < y.length; i++) {
                        assertEquals(
                                want[i],
                                y[i],
                                1e-5,
                                "slots " + pair[0] + ", " + pair[1] + ", layer " + layer + " " + p + " at " + i);
                    }
                }
            }
        }
    }

    /**
     * One row's delta against s·B·A·x in double precision on the adapter's own weights: float32 to rounding; 16-bit
     * integers within the bound their rounding allows (each A weight within 1/65534 of its row's largest, each s·B weight of
     * its column's), on widths that suit the SIMD tiles (hidden 128) and widths that take the widening path (hidden 48).
     */
    @ParameterizedTest
    @CsvSource({"128, 256, EXACT", "128, 256, INT16", "48, 72, EXACT", "48, 72, INT16"})
    void aRowGetsTheDeltaOfItsAdaptersWeights(int hidden, int intermediate, AdapterStorage storage) {
        ModelConfig c = model(hidden, intermediate, 1);
        AdapterWeights adapter = adapter(
                c, "a", TinyAdapterSpec.builder().optRank(8).optAlpha(16).optSeed(1));
        VectorLoraSlots slots = new VectorLoraSlots(c, 1, 8, storage);
        slots.set(1, adapter);
        SplittableRandom g = new SplittableRandom(7);
        float[] t = new float[slots.maxRank()];
        float[] wide = new float[slots.widenScratch()];
        for (Projection p : Projection.values()) {
            LoraWeights w = adapter.module(0, p);
            int r = w.rank();
            float[] x = GemmTest.random(w.in(), g);
            float[] y = new float[w.out()];
            slots.addDelta(1, 0, p, x, 0, y, 0, t, wide);
            double[] ax = new double[r]; // A·x
            double[] axBound = new double[r]; // what 16-bit rounding of A can move it by
            double[] bMax = new double[r]; // each column's largest |s·B|
            for (int k = 0; k < r; k++) {
                double aMax = 0;
                for (int i = 0; i < w.in(); i++) {
                    ax[k] += (double) w.a()[k * w.in() + i] * x[i];
                    aMax = Math.max(aMax, Math.abs(w.a()[k * w.in() + i]));
                }
                for (int i = 0; i < w.in(); i++) axBound[k] += aMax * (0.5 / Int16.MAX + 1e-7) * Math.abs(x[i]);
                for (int o = 0; o < w.out(); o++) bMax[k] = Math.max(bMax[k], Math.abs(w.scaledB()[o * r + k]));
            }
            double step = 0.5 / Int16.MAX + 1e-7; // a rounded weight's error, over its row's or column's largest
            for (int o = 0; o < w.out(); o++) {
                double want = 0;
                double bound = 1e-5;
                for (int k = 0; k < r; k++) {
                    double sb = w.scaledB()[o * r + k];
                    want += sb * ax[k];
                    if (storage == AdapterStorage.INT16) {
                        bound += (Math.abs(sb) + bMax[k] * step) * axBound[k] + bMax[k] * step * Math.abs(ax[k]);
                    }
                }
                assertEquals(want, y[o], bound, p + " output " + o);
            }
        }
    }

    /**
     * The host tier's form of an adapter ({@link VectorLoraSlots#resident}, read from its file module by module)
     * placed in a slot adds what the adapter set in a slot adds, and the slot shares its arrays: the slots count no
     * bytes for it, and in 16 bits it is about half the float32 adapter.
     */
    @ParameterizedTest
    @EnumSource(AdapterStorage.class)
    void aPlacedResidentAdapterSharesItsArraysAndAddsWhatSetAdds(AdapterStorage storage) {
        ModelConfig c = model(128, 256, 2);
        Path dir = tmp.resolve("a");
        TinyAdapterWriter.write(
                c, TinyAdapterSpec.builder().optRank(8).optAlpha(16).optSeed(1).build(), dir);
        AdapterWeights adapter = AdapterWeights.load("a", dir, c);
        VectorLoraSlots slots = new VectorLoraSlots(c, 2, 8, storage);
        slots.set(1, adapter);
        long copied = slots.bytes();
        ResidentAdapter resident;
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"))) {
            resident = slots.resident(AdapterWeights.read("a", adapter.config(), f, c), c);
        }
        slots.place(2, resident);
        assertEquals(copied, slots.bytes(), "the placed adapter's arrays are counted by the host tier");
        double ratio = (double) resident.bytes() / adapter.bytes();
        assertTrue(storage == AdapterStorage.INT16 ? ratio < 0.51 : ratio <= 1, "host form over float32: " + ratio);
        SplittableRandom g = new SplittableRandom(9);
        float[] t = new float[slots.maxRank()];
        float[] wide = new float[slots.widenScratch()];
        for (int l = 0; l < c.numLayers(); l++) {
            for (Projection p : Projection.values()) {
                float[] x = GemmTest.random(p.inFeatures(c), g);
                float[] set = new float[p.outFeatures(c)];
                float[] placed = new float[p.outFeatures(c)];
                slots.addDelta(1, l, p, x, 0, set, 0, t, wide);
                slots.addDelta(2, l, p, x, 0, placed, 0, t, wide);
                assertArrayEquals(set, placed, "layer " + l + " " + p);
            }
        }
    }

    private static void assertFuses(VectorLoraSlots slots, int slot0, int slot1, boolean fuses) {
        assertEquals(fuses, slots.fuses(slot0, slot1, 0, Projection.Q), slot0 + ", " + slot1);
        assertEquals(fuses, slots.fuses(slot0, slot1, 1, Projection.DOWN), slot0 + ", " + slot1 + " down");
    }

    /** A tiny model with 4 heads over 2 KV heads, written under the test's folder. */
    private ModelConfig model(int hidden, int intermediate, int layers) {
        return TinyModelWriter.write(
                TinyModelSpec.builder()
                        .optHidden(hidden)
                        .optLayers(layers)
                        .optHeads(4)
                        .optKvHeads(2)
                        .optIntermediate(intermediate)
                        .optSeed(3)
                        .build(),
                tmp.resolve("model"));
    }

    private AdapterWeights adapter(ModelConfig c, String name, TinyAdapterSpec.Builder spec) {
        Path dir = tmp.resolve(name);
        TinyAdapterWriter.write(c, spec.build(), dir);
        return AdapterWeights.load(name, dir, c);
    }
}
