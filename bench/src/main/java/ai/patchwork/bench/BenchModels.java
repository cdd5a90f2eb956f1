package ai.patchwork.bench;

import ai.patchwork.model.fixture.TinyModelSpec;
import ai.patchwork.model.safetensors.DType;

/**
 * The generated models every benchmark measures, so that {@code bench model}, {@code bench train} and
 * {@code bench serve} figures are about the same weights: {@code 3.4M} (hidden 256, 4 layers, 8 heads, 4 KV heads,
 * intermediate 768, vocab 512) and {@code hidden1024} (hidden 1024, 8 layers, 16 heads, 8 KV heads, intermediate
 * 2816, 95M parameters). Either with a {@code -bf16} suffix is the same model saved as a BF16 checkpoint.
 */
public final class BenchModels {

  public static final String SMALL = "3.4M";
  public static final String LARGE = "hidden1024";

  private static final String BF16 = "-bf16";

  private BenchModels() {}

  public static TinyModelSpec spec(String name) {
    if (name.endsWith(BF16)) {
      return spec(name.substring(0, name.length() - BF16.length())).toBuilder().optDtype(DType.BF16).build();
    }
    return switch (name) {
      case SMALL -> TinyModelSpec.builder().optHidden(256).optLayers(4).optHeads(8).optKvHeads(4)
          .optIntermediate(768).optVocab(512).optMaxPositions(512).optSeed(1).build();
      case LARGE -> TinyModelSpec.builder().optHidden(1024).optLayers(8).optHeads(16).optKvHeads(8)
          .optIntermediate(2816).optVocab(512).optMaxPositions(512).optSeed(2).build();
      default -> throw new IllegalArgumentException("unknown model " + name + " (" + SMALL + ", " + LARGE
          + ", either with " + BF16 + ")");
    };
  }
}
