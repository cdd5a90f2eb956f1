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
 * A whole LoRA adapter in host memory, in float32: its config and one {@link LoraWeights} per adapted (layer,
 * projection). This is the host-memory tier of slots that hold float32 ({@link LoraSlots}); slots that hold another
 * form convert it ({@link AdapterSlots#resident}).
 */
public record AdapterWeights(String id, PeftConfig config, List<LoraWeights> modules)
        implements LoraModules, ResidentAdapter {

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

    /**
     * Validates an opened safetensors file now and reads each module from it when asked, widened to float32 then,
     * or as stored ({@link LoraModules#stored}): for slots that convert the weights as they take them, so the whole
     * adapter is never in float32 at once. The file must stay open while modules are read.
     */
    public static LoraModules read(String id, PeftConfig peft, SafetensorsFile file, ModelConfig base) {
        AdapterTensors tensors = AdapterTensors.check(peft, file.header(), base);
        return new LoraModules() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public PeftConfig config() {
                return peft;
            }

            @Override
            public LoraWeights module(int layer, Projection p) {
                String key = layer + "." + p.module();
                String[] ab = tensors.modules().get(key);
                return ab == null ? null : LoraWeights.of(key, peft, base, file.floats(ab[0]), file.floats(ab[1]));
            }

            @Override
            public StoredLora stored(int layer, Projection p) {
                String[] ab = tensors.modules().get(layer + "." + p.module());
                if (ab == null) return null;
                return new StoredLora(
                        layer,
                        p,
                        peft.rank(),
                        p.inFeatures(base),
                        p.outFeatures(base),
                        (float) peft.scaling(),
                        file,
                        ab[0],
                        ab[1]);
            }
        };
    }

    /** The modules in memory: {@code adapter} itself when it is an {@link AdapterWeights}. */
    public static AdapterWeights copyOf(LoraModules adapter, ModelConfig base) {
        if (adapter instanceof AdapterWeights w) return w;
        List<LoraWeights> modules = new ArrayList<>();
        for (int l = 0; l < base.numLayers(); l++) {
            for (Projection p : Projection.values()) {
                LoraWeights w = adapter.module(l, p);
                if (w != null) modules.add(w);
            }
        }
        return new AdapterWeights(adapter.id(), adapter.config(), modules);
    }

    @Override
    public int rank() {
        return config.rank();
    }

    @Override
    public long bytes() {
        return modules.stream().mapToLong(LoraWeights::bytes).sum();
    }

    @Override
    public LoraWeights module(int layer, Projection p) {
        for (LoraWeights w : modules) {
            if (w.layer() == layer && w.projection() == p) return w;
        }
        return null;
    }
}
