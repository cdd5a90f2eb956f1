package ai.patchwork.model.lora;

import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.safetensors.SafetensorsFile;

/**
 * One module's LoRA pair as its safetensors file stores it (any float dtype), read a piece at a time: for slots that
 * convert the weights to their own form as they read them, so that no module is ever held whole in float32. The values
 * read are those of {@link LoraWeights#a()} and {@link LoraWeights#b()}; the file must stay open while they are read.
 *
 * @param rank r
 * @param in the projection's input width: A is (r, in)
 * @param out its output width: B is (out, r)
 * @param scale s, which {@link LoraWeights#scaledB()} folds into B
 * @param a the name of lora_A's tensor in {@code file}
 * @param b the name of lora_B's tensor
 */
public record StoredLora(
        int layer,
        Projection projection,
        int rank,
        int in,
        int out,
        float scale,
        SafetensorsFile file,
        String a,
        String b) {

    public StoredLora {
        if (rank < 1 || in < 1 || out < 1) throw new IllegalArgumentException("rank, in and out must be positive");
    }

    /** dst[0 .. n) = A's values [from, from + n), row-major (r, in). */
    public void readA(int from, float[] dst, int n) {
        file.floats(a, from, dst, 0, n);
    }

    /** dst[0 .. n) = B's values [from, from + n), row-major (out, r), without s. */
    public void readB(int from, float[] dst, int n) {
        file.floats(b, from, dst, 0, n);
    }
}
