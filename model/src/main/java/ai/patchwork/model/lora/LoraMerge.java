package ai.patchwork.model.lora;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.family.WeightNames;
import ai.patchwork.model.safetensors.Checkpoint;
import ai.patchwork.model.safetensors.DType;
import ai.patchwork.model.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Merges an adapter into its base for export: W' = W + s·B·A for every adapted module, written as a new float32
 * Hugging Face folder (config and tokenizer files copied). Serving never merges; this is for users who want one
 * standalone model.
 */
public final class LoraMerge {
    private LoraMerge() {}

    public static void export(Path baseDir, AdapterWeights adapter, Path outDir) {
        ModelConfig config = ModelConfig.load(baseDir);
        WeightNames names = WeightNames.of(config.family());
        Map<String, LoraWeights> byWeight = new LinkedHashMap<>();
        for (LoraWeights w : adapter.modules())
            byWeight.put(names.projection(w.layer(), w.projection().module()), w);
        Map<String, SafetensorsWriter.Tensor> out = new LinkedHashMap<>();
        try (Checkpoint ckpt = Checkpoint.open(baseDir);
                Stream<Path> files = Files.list(baseDir)) {
            for (String name : ckpt.names()) {
                float[] values = ckpt.floats(name);
                LoraWeights w = byWeight.get(name);
                if (w != null) addDelta(values, w);
                out.put(name, new SafetensorsWriter.Tensor(ckpt.info(name).shape(), values));
            }
            Files.createDirectories(outDir);
            for (Path f : files.toList()) {
                String n = f.getFileName().toString();
                if (Files.isRegularFile(f)
                        && !n.endsWith(".safetensors")
                        && !n.equals("model.safetensors.index.json")) {
                    Files.copy(f, outDir.resolve(n), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            SafetensorsWriter.write(outDir.resolve("model.safetensors"), out, DType.F32);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** W (out, in) += s · B (out, r) · A (r, in), accumulated in double. */
    static void addDelta(float[] weight, LoraWeights w) {
        for (int o = 0; o < w.out(); o++) {
            for (int i = 0; i < w.in(); i++) {
                double sum = 0;
                for (int k = 0; k < w.rank(); k++) sum += (double) w.b()[o * w.rank() + k] * w.a()[k * w.in() + i];
                weight[o * w.in() + i] += (float) (w.scale() * sum);
            }
        }
    }
}
