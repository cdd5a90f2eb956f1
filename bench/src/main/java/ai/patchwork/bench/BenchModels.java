package ai.patchwork.bench;

import ai.patchwork.model.fixture.TinyModelSpec;
import ai.patchwork.model.safetensors.DType;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The generated models every benchmark measures, so that {@code bench model}, {@code bench train} and
 * {@code bench serve} figures are about the same weights: {@code 3.4M} (hidden 256, 4 layers, 8 heads, 4 KV heads,
 * intermediate 768, vocab 512) and {@code hidden1024} (hidden 1024, 8 layers, 16 heads, 8 KV heads, intermediate
 * 2816, 95M parameters). Either with a {@code -bf16} suffix is the same model saved as a BF16 checkpoint.
 *
 * <p>Two real-size shapes, BF16 as their checkpoints are published: {@code tinyllama-1.1b} (TinyLlama-1.1B: hidden
 * 2048, 22 layers, 32 heads, 4 KV heads, intermediate 5632, with a vocabulary of 11,264 byte-level tokens instead of
 * 32,000; one 2.03 GB file) and {@code llama-7b} (Llama-2-7B: hidden 4096, 32 layers, 32 heads and KV heads,
 * intermediate 11008, vocab 32000; 13.5 GB in two shards). Random weights: the text is gibberish, the cost is real.
 */
public final class BenchModels {

    public static final String SMALL = "3.4M";
    public static final String LARGE = "hidden1024";
    public static final String TINYLLAMA = "tinyllama-1.1b";
    public static final String LLAMA_7B = "llama-7b";

    private static final String BF16 = "-bf16";

    private BenchModels() {}

    /**
     * The options of a benchmark of generated models ({@code bench model}, {@code bench train}): which models it
     * measures and how much smaller a cell of the large one is.
     */
    public static final class Choice {
        @Option(
                names = "--models",
                split = ",",
                defaultValue = SMALL + "," + LARGE,
                description = SMALL + " (hidden 256, 4 layers) and/or " + LARGE + " (hidden 1024, 8 layers); a " + BF16
                        + " suffix saves the model (and its adapters) as a BF16 checkpoint")
        List<String> models;

        @Option(
                names = "--large-scale",
                defaultValue = "4",
                description = "the hidden-1024 model runs 1/N of each cell's work (decoded tokens, training examples), "
                        + "to keep the whole run within a few minutes")
        int largeScale;

        public List<String> names() {
            return models;
        }

        /** Whether {@code spec} is the large model, whose cells {@link #scaled} shrinks. */
        public static boolean large(TinyModelSpec spec) {
            return spec.hidden() >= 1024;
        }

        /** {@code n} for a small model; for the large one {@code n} over {@code --large-scale}, at least {@code min}. */
        public int scaled(TinyModelSpec spec, int n, int min) {
            return large(spec) ? Math.max(min, n / largeScale) : n;
        }
    }

    public static TinyModelSpec spec(String name) {
        if (name.endsWith(BF16)) {
            return spec(name.substring(0, name.length() - BF16.length())).toBuilder()
                    .optDtype(DType.BF16)
                    .build();
        }
        return switch (name) {
            case SMALL -> TinyModelSpec.small().optMaxPositions(512).optSeed(1).build();
            case LARGE ->
                TinyModelSpec.builder()
                        .optHidden(1024)
                        .optLayers(8)
                        .optHeads(16)
                        .optKvHeads(8)
                        .optIntermediate(2816)
                        .optVocab(512)
                        .optMaxPositions(512)
                        .optSeed(2)
                        .build();
            case TINYLLAMA ->
                TinyModelSpec.builder()
                        .optHidden(2048)
                        .optLayers(22)
                        .optHeads(32)
                        .optKvHeads(4)
                        .optIntermediate(5632)
                        .optVocab(11264)
                        .optMaxPositions(2048)
                        .optDtype(DType.BF16)
                        .optSeed(3)
                        .build();
            case LLAMA_7B ->
                TinyModelSpec.builder()
                        .optHidden(4096)
                        .optLayers(32)
                        .optHeads(32)
                        .optKvHeads(32)
                        .optIntermediate(11008)
                        .optVocab(32000)
                        .optMaxPositions(4096)
                        .optDtype(DType.BF16)
                        .optShards(2)
                        .optSeed(4)
                        .build();
            default ->
                throw new IllegalArgumentException("unknown model " + name + " (" + SMALL + ", " + LARGE
                        + ", either with " + BF16 + ", " + TINYLLAMA + ", " + LLAMA_7B + ")");
        };
    }
}
