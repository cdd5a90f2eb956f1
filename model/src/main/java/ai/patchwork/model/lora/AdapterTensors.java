package ai.patchwork.model.lora;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.config.ModelFormatException;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.safetensors.SafetensorsHeader;
import ai.patchwork.model.safetensors.TensorInfo;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the tensors of an {@code adapter_model.safetensors} against its config and a base model before anything is
 * loaded: only LoRA A/B weights, of float dtypes, on known modules of existing layers, with shapes that fit the base.
 * The registry runs this on uploads; {@link AdapterWeights#load} runs it on folders.
 *
 * @param modules for each (layer, projection) key "layer.module", the A and B tensor names
 * @param targets projections that actually carry weights
 */
public record AdapterTensors(Map<String, String[]> modules, Set<Projection> targets) {

    private static final Pattern NAME = Pattern.compile(
            "(?:base_model\\.model\\.)?model\\.layers\\.(\\d+)\\.(self_attn|mlp)\\.(\\w+)\\.lora_([AB])(?:\\.[\\w-]+)?\\.weight");

    public static AdapterTensors check(PeftConfig peft, SafetensorsHeader header, ModelConfig base) {
        Map<String, String[]> modules = new TreeMap<>();
        Set<Projection> seen = EnumSet.noneOf(Projection.class);
        if (header.tensors().isEmpty()) throw new ModelFormatException("adapter_model.safetensors holds no tensors");
        for (TensorInfo t : header.tensors().values()) {
            Matcher m = NAME.matcher(t.name());
            if (!m.matches()) {
                throw new ModelFormatException(
                        "adapter_model.safetensors: tensor '" + t.name()
                                + "' is not a LoRA weight (only lora_A / lora_B of the attention and MLP projections are supported)");
            }
            int layer = Integer.parseInt(m.group(1));
            Projection p = Projection.ofModule(m.group(3));
            if (p == null)
                throw new ModelFormatException(
                        "adapter_model.safetensors: module '" + m.group(3) + "' is not supported");
            if (layer >= base.numLayers()) {
                throw new ModelFormatException("adapter_model.safetensors: tensor '" + t.name() + "' is for layer "
                        + layer + " but the base model has " + base.numLayers() + " layers");
            }
            if (!peft.targets().contains(p)) {
                throw new ModelFormatException("adapter_model.safetensors: tensor '" + t.name() + "' is for "
                        + p.module() + ", which target_modules does not list");
            }
            if (!t.dtype().isFloat())
                throw new ModelFormatException("tensor '" + t.name() + "' has dtype " + t.dtype());
            boolean isA = m.group(4).equals("A");
            long[] want =
                    isA ? new long[] {peft.rank(), p.inFeatures(base)} : new long[] {p.outFeatures(base), peft.rank()};
            if (!Arrays.equals(t.shape(), want)) {
                throw new ModelFormatException("adapter_model.safetensors: tensor '" + t.name() + "' has shape "
                        + Arrays.toString(t.shape()) + " but the base model needs " + Arrays.toString(want)
                        + " (r=" + peft.rank() + "); is the adapter for another base model?");
            }
            String[] pair = modules.computeIfAbsent(layer + "." + p.module(), k -> new String[2]);
            if (pair[isA ? 0 : 1] != null) throw new ModelFormatException("duplicate LoRA weight for " + t.name());
            pair[isA ? 0 : 1] = t.name();
            seen.add(p);
        }
        modules.forEach((k, pair) -> {
            if (pair[0] == null || pair[1] == null) {
                throw new ModelFormatException("adapter_model.safetensors: module " + k + " has lora_"
                        + (pair[0] == null ? "B" : "A") + " but no lora_" + (pair[0] == null ? "A" : "B"));
            }
        });
        return new AdapterTensors(modules, seen);
    }
}
