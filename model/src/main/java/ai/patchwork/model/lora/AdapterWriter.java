package ai.patchwork.model.lora;

import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.safetensors.DType;
import ai.patchwork.model.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Writes an adapter as a PEFT folder that PEFT and vLLM load as is. */
public final class AdapterWriter {
    private AdapterWriter() {}

    /** The PEFT module path of a projection, e.g. {@code base_model.model.model.layers.0.self_attn.q_proj}. */
    public static String prefix(int layer, String module) {
        Projection p = Projection.ofModule(module);
        String block = p == Projection.GATE || p == Projection.UP || p == Projection.DOWN ? "mlp" : "self_attn";
        return "base_model.model.model.layers." + layer + "." + block + "." + module;
    }

    public static void write(AdapterWeights adapter, Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("adapter_config.json"), configJson(adapter.config()));
            Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
            for (LoraWeights w : adapter.modules()) {
                String prefix = prefix(w.layer(), w.projection().module());
                tensors.put(
                        prefix + ".lora_A.weight", new SafetensorsWriter.Tensor(new long[] {w.rank(), w.in()}, w.a()));
                tensors.put(
                        prefix + ".lora_B.weight", new SafetensorsWriter.Tensor(new long[] {w.out(), w.rank()}, w.b()));
            }
            SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), tensors, DType.F32);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** adapter_config.json with the fields PEFT writes. */
    public static String configJson(PeftConfig c) {
        ObjectNode n = JsonMapper.shared().createObjectNode();
        n.put("peft_type", "LORA");
        n.put("task_type", "CAUSAL_LM");
        n.put("base_model_name_or_path", c.baseModel());
        n.put("r", c.rank());
        n.put("lora_alpha", c.alpha());
        n.put("lora_dropout", 0.0);
        n.put("use_rslora", c.rslora());
        n.put("use_dora", false);
        n.put("bias", "none");
        n.put("fan_in_fan_out", false);
        n.put("inference_mode", true);
        n.putNull("modules_to_save");
        var targets = n.putArray("target_modules");
        for (Projection p : Projection.values()) if (c.targets().contains(p)) targets.add(p.module());
        return JsonMapper.shared().writerWithDefaultPrettyPrinter().writeValueAsString(n);
    }
}
