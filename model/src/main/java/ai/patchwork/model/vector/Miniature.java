package ai.patchwork.model.vector;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.nn.ProjectionGroup;
import ai.patchwork.model.safetensors.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A miniature of a model for {@link WarmUp}: the same family, head size, query heads per key/value head, biases and
 * weight precision (quantized the same way), so its steps run the very kernel paths the model's steps run, but with
 * two layers and matrices a few hundred wide, so a step takes a millisecond instead of a tenth of a second and the JIT
 * sees every kernel thousands of times within a second. Random weights: its outputs mean nothing.
 */
final class Miniature {

    private static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Miniature() {}

    /** The miniature of {@code model}; close it to free its weights. */
    static VectorTransformer of(VectorTransformer model) {
        ModelConfig c = model.config();
        ModelWeights real = model.weights();
        int groups = c.queryGroups();
        int heads = groups * Math.min(2, c.numKvHeads());
        ModelConfig m = new ModelConfig(
                c.family(),
                small(c.hiddenSize()),
                2,
                heads,
                heads / groups,
                c.headDim(),
                small(c.intermediateSize()),
                small(c.vocabSize()),
                Math.min(c.maxPositions(), 2048),
                c.rmsNormEps(),
                c.ropeTheta(),
                c.ropeScaling(),
                c.tieWordEmbeddings(),
                c.biasedModules());
        boolean int8 = real.matrices().stream().anyMatch(p -> p.precision().int8());
        // int8 in oneDNN's layout stays so here: the miniature's products of several rows then run on it too
        boolean int8Rows = real.matrices().stream().anyMatch(p -> p.precision() == Precision.Q8_0_ROWS);
        DType dtype = real.matrices().stream()
                .map(PackedMatrix::precision)
                .filter(p -> !p.int8())
                .map(Miniature::dtype)
                .findFirst()
                .orElse(DType.BF16);
        Arena arena = Arena.ofShared();
        try {
            SplittableRandom random = new SplittableRandom(7);
            int e = m.hiddenSize();
            PackedMatrix embedding = matrix(m.vocabSize(), e, dtype, int8, false, random, arena); // as the loader's
            List<VectorBlock> blocks = new ArrayList<>();
            for (int l = 0; l < m.numLayers(); l++) {
                blocks.add(new VectorBlock(
                        l,
                        m,
                        ones(e),
                        group(m, ProjectionGroup.QKV, dtype, int8, int8Rows, random, arena),
                        biased(m, ProjectionGroup.QKV) ? new float[ProjectionGroup.QKV.outFeatures(m)] : null,
                        group(m, ProjectionGroup.O, dtype, int8, int8Rows, random, arena),
                        ones(e),
                        group(m, ProjectionGroup.GATE_UP, dtype, int8, int8Rows, random, arena),
                        group(m, ProjectionGroup.DOWN, dtype, int8, int8Rows, random, arena)));
            }
            PackedMatrix head = real.lmHead == real.embedding
                    ? embedding
                    : matrix(m.vocabSize(), e, dtype, int8, int8Rows, random, arena);
            return new VectorTransformer(new ModelWeights(m, arena, embedding, blocks, ones(e), head));
        } catch (RuntimeException | Error ex) {
            arena.close();
            throw ex;
        }
    }

    /**
     * A few hundred, with the same remainder modulo 64 as {@code n}: matrices whose rows or columns leave a partial
     * SIMD vector, a partial block of 4 rows or a partial int8 group in the model leave one here too.
     */
    private static int small(int n) {
        return n <= 320 ? n : 256 + n % 64;
    }

    /** Whether a part of the group has a bias, as the checkpoint loader fuses them. */
    private static boolean biased(ModelConfig m, ProjectionGroup g) {
        return g.parts().stream().anyMatch(p -> m.hasBias(p.module()));
    }

    private static PackedMatrix group(
            ModelConfig m,
            ProjectionGroup g,
            DType dtype,
            boolean int8,
            boolean int8Rows,
            SplittableRandom random,
            Arena arena) {
        int rows = 0;
        for (Projection p : g.parts()) rows += p.outFeatures(m);
        return matrix(rows, g.inFeatures(m), dtype, int8, int8Rows, random, arena);
    }

    /** An (n, k) matrix of small random values held in {@code dtype}, packed as the model's are. */
    private static PackedMatrix matrix(
            int n, int k, DType dtype, boolean int8, boolean int8Rows, SplittableRandom random, Arena arena) {
        try (Arena rows = Arena.ofShared()) { // the packer reads them on every core
            MemorySegment src = rows.allocate((long) n * k * dtype.bytes());
            float scale = (float) (1 / Math.sqrt(k));
            for (long i = 0; i < (long) n * k; i++) {
                float v = (float) (random.nextDouble(-1, 1) * scale);
                switch (dtype) {
                    case F32 -> src.set(PackedMatrix.FLOAT_LE, 4 * i, v);
                    case F16 -> src.set(SHORT_LE, 2 * i, Float.floatToFloat16(v));
                    default -> src.set(SHORT_LE, 2 * i, (short) (Float.floatToRawIntBits(v) >>> 16));
                }
            }
            return PackedMatrix.pack(List.of(new PackedMatrix.Source(src, dtype, n)), k, int8, int8 && int8Rows, arena);
        }
    }

    private static DType dtype(Precision p) {
        return switch (p) {
            case F32 -> DType.F32;
            case F16 -> DType.F16;
            default -> DType.BF16;
        };
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        return a;
    }
}
