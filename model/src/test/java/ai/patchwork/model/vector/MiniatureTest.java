package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.Fixtures;
import ai.patchwork.model.config.ModelConfig;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The warm-up's miniature runs the model's kernel paths: same family, head size, grouping and weight precision. */
class MiniatureTest {

    @ParameterizedTest
    @EnumSource(Quantization.class)
    void aMiniatureHasTheModelsShapeOfHeadsAndPrecisionAndSteps(Quantization q) {
        try (VectorTransformer model = VectorTransformer.load(Fixtures.tinyLlamaModel(), q);
                VectorTransformer mini = Miniature.of(model)) {
            ModelConfig c = model.config();
            ModelConfig m = mini.config();
            assertEquals(c.family(), m.family());
            assertEquals(c.headDim(), m.headDim());
            assertEquals(c.queryGroups(), m.queryGroups());
            assertEquals(c.tieWordEmbeddings(), m.tieWordEmbeddings());
            assertTrue(m.hiddenSize() <= Math.max(c.hiddenSize(), 320) && m.numLayers() <= c.numLayers() + 2);
            List<PackedMatrix> want = model.weights().matrices();
            List<PackedMatrix> got = mini.weights().matrices();
            assertEquals(want.size() - 4 * c.numLayers(), got.size() - 4 * m.numLayers(), "embedding and head");
            for (int i = 0; i < 5; i++) { // the embedding and a block's four
                assertEquals(want.get(i).precision(), got.get(i).precision(), "matrix " + i);
            }
            assertEquals(want.getLast().precision(), got.getLast().precision(), "the LM head");
            try (Arena arena = Arena.ofConfined()) {
                VectorKvCache cache = new VectorKvCache(m, 1, 8, arena);
                float[][] logits = mini.step(new int[][] {{1, 2, 3}}, new int[1], new int[1], null, cache, null);
                assertEquals(m.vocabSize(), logits[0].length);
                for (float v : logits[0]) assertTrue(Float.isFinite(v));
            }
            model.warmUp(20, 5_000_000_000L); // the miniature, then the model itself
        }
    }
}
