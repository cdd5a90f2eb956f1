package ai.patchwork.model.lora;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.config.ModelFormatException;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.safetensors.SafetensorsFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A whole LoRA adapter in host memory: its config and one {@link LoraWeights} per adapted (layer, projection). This
 * is the host-memory tier; {@link LoraSlots} holds the device tier.
 */
public record AdapterWeights(String id, PeftConfig config, List<LoraWeights> modules) {

    public AdapterWeights {
        modules = List.copyOf(modules);
    }

    /** Reads and validates a PEFT folder ({@code adapter_config.json} + {@code adapter_model.safetensors}). */
    public static AdapterWeights load(String id, Path dir, ModelConfig base) {
        Path config = dir.resolve("adapter_config.json");
        Path weights = dir.resolve("adapter_model.safetensors");
        if (!Files.isDirectory(dir)) throw new ModelFormatException("adapter folder not found: " + dir);
        if (!Files.isRegularFile(config)) throw new ModelFormatException("no adapter_config.json in " + dir);
        if (!Files.isRegularFile(weights)) {
            if (Files.exists(dir.resolve("adapter_model.bin"))) {
                throw new ModelFormatException("adapter_model.bin is a pickle file, which is not loaded for safety;"
                        + " convert it to adapter_model.safetensors (e.g. with safetensors.torch.save_file)");
            }
            throw new ModelFormatException("no adapter_model.safetensors in " + dir);
        }
        PeftConfig peft;
        try {
            peft = PeftConfig.parse(Files.readString(config));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (SafetensorsFile file = SafetensorsFile.open(weights)) {
            return fromFile(id, peft, file, base);
        }
    }

    /**
     * Reads and validates an adapter whose two PEFT files are already in memory (fetched from an object store), with
     * no temporary folder: {@code adapter_config.json}'s text and {@code adapter_model.safetensors}' bytes.
     */
    public static AdapterWeights fromBytes(String id, String configJson, byte[] weights, ModelConfig base) {
        PeftConfig peft = PeftConfig.parse(configJson);
        try (SafetensorsFile file =
                SafetensorsFile.read(ByteBuffer.wrap(weights), "adapter_model.safetensors of " + id)) {
            return fromFile(id, peft, file, base);
        }
    }

    /** Builds the adapter from an opened, not yet validated safetensors file. */
    public static AdapterWeights fromFile(String id, PeftConfig peft, SafetensorsFile file, ModelConfig base) {
        AdapterTensors tensors = AdapterTensors.check(peft, file.header(), base);
        List<LoraWeights> modules = new ArrayList<>();
        for (Map.Entry<String, String[]> e : tensors.modules().entrySet()) {
            modules.add(
                    LoraWeights.of(e.getKey(), peft, base, file.floats(e.getValue()[0]), file.floats(e.getValue()[1])));
        }
        return new AdapterWeights(id, peft, modules);
    }

    public int rank() {
        return config.rank();
    }

    /** Host memory held by the weights. */
    public long bytes() {
        return modules.stream().mapToLong(LoraWeights::bytes).sum();
    }

    /** The weights of one module, or null when the adapter does not adapt it. */
    public LoraWeights module(int layer, Projection p) {
        for (LoraWeights w : modules) {
            if (w.layer() == layer && w.projection() == p) return w;
        }
        return null;
    }
}
