package ai.patchwork.model.vector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.patchwork.model.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Runtimes opened on one folder in one process share one copy of its weights until the last lets go. */
class ModelWeightsTest {

    @Test
    void oneFolderOneCopyPerQuantizationFreedWithTheLastUser() {
        Path dir = Fixtures.tinyLlamaModel();
        ModelWeights a = ModelWeights.acquire(dir, Quantization.NONE, false, null);
        ModelWeights b =
                ModelWeights.acquire(dir.resolve("..").resolve(dir.getFileName()), Quantization.NONE, false, null);
        ModelWeights c = ModelWeights.acquire(dir, Quantization.INT8, false, null);
        assertSame(a, b, "the same folder, however it is spelled");
        assertNotSame(a, c, "another quantization is another copy");
        a.release();
        float[] row = new float[a.config.hiddenSize()];
        a.embedding.row(1, row, 0); // b still holds the weights: readable
        b.release();
        assertThrows(IllegalStateException.class, () -> a.embedding.row(1, row, 0), "freed with the last user");
        ModelWeights d = ModelWeights.acquire(dir, Quantization.NONE, false, null);
        assertNotSame(a, d, "loaded again once freed");
        assertEquals(a.bytes(), d.bytes());
        d.release();
        c.release();
    }
}
