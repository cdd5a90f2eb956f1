package ai.patchwork.model.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.patchwork.model.Fixtures;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.nn.ProjectionGroup;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Consecutive-slot views and device-side slot copies give exactly what the gather and the reference give. */
class SlotViewsTest {

    @Test
    void consecutiveSlotsAndCopiedSlotsMatchTheReference() {
        ModelConfig config = ModelConfig.load(Fixtures.tinyLlamaModel());
        AdapterWeights all = AdapterWeights.load("all-r8", Fixtures.tinyLlama().resolve("adapters/all-r8"), config);
        AdapterWeights qv = AdapterWeights.load("qv", Fixtures.tinyLlama().resolve("adapters/qv-r4-rslora"), config);
        try (NDManager m = NDManager.newBaseManager();
                LoraSlots pool = new LoraSlots(config, 2, 8, m);
                LoraSlots rows = new LoraSlots(config, 4, 8, m)) {
            // given: adapters in a pool, copied on the device into row-aligned slots 2 and 3
            pool.set(1, all);
            pool.set(2, qv);
            rows.copy(2, pool, 1);
            rows.copy(3, pool, 2);
            NDArray x = m.randomNormal(new Shape(2, 3, config.hiddenSize())); // (B, T, E)
            for (ProjectionGroup g : ProjectionGroup.values()) {
                NDArray in = g == ProjectionGroup.DOWN
                        ? m.randomNormal(new Shape(2, 3, config.intermediateSize()))
                        : g == ProjectionGroup.O ? m.randomNormal(new Shape(2, 3, config.qDim())) : x;
                NDArray y = m.zeros(new Shape(2, 3, g.outFeatures(config)));
                // when: the rows read consecutive slots 2, 3 (a view) and the pool is gathered as 1, 2
                try (BatchedLoraOps view = new BatchedLoraOps(rows, new BatchLoraMapping(new int[] {2, 3}), m);
                        BatchedLoraOps gather = new BatchedLoraOps(pool, new BatchLoraMapping(new int[] {1, 2}), m)) {
                    float[] v = view.apply(1, g, in, y.duplicate()).toFloatArray();
                    float[] gth = gather.apply(1, g, in, y.duplicate()).toFloatArray();
                    float[] ref = new ReferenceLoraOps(config, List.of(all, qv))
                            .apply(1, g, in, y.duplicate())
                            .toFloatArray();
                    // then: all three agree
                    assertArrayEquals(ref, v, 1e-5f, g + " view");
                    assertArrayEquals(ref, gth, 1e-5f, g + " gather");
                    assertArrayEquals(gth, v, 0f, g + " view vs gather: " + Arrays.toString(Arrays.copyOf(v, 3)));
                }
            }
        }
    }
}
