package ai.patchwork.model.lora;

import ai.patchwork.model.config.ModelFormatException;
import ai.patchwork.model.nn.Projection;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A PEFT {@code adapter_config.json} for LoRA, validated: what this runtime cannot apply exactly (DoRA,
 * {@code modules_to_save}, biases, per-module rank or alpha patterns, layer subsets, fan-in-fan-out weights) is
 * refused with a message naming the field.
 *
 * @param rank r
 * @param alpha lora_alpha
 * @param rslora use_rslora: scale α/√r instead of α/r (Kalajdzievski 2023)
 * @param targets projections the adapter targets
 * @param baseModel base_model_name_or_path, informational
 */
public record PeftConfig(int rank, double alpha, boolean rslora, Set<Projection> targets, String baseModel) {

    public PeftConfig {
        if (rank <= 0) throw new ModelFormatException("adapter_config.json: r must be positive, got " + rank);
        if (!(alpha > 0) || !Double.isFinite(alpha))
            throw new ModelFormatException("adapter_config.json: lora_alpha must be a positive finite number");
        if (targets == null || targets.isEmpty())
            throw new ModelFormatException("adapter_config.json: no target_modules");
        targets = Set.copyOf(targets);
    }

    /** The factor s in y = x·Wᵀ + s·(x·Aᵀ)·Bᵀ. */
    public double scaling() {
        return rslora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    public static PeftConfig parse(String json) {
        JsonNode c;
        try {
            c = JsonMapper.shared().readTree(json);
        } catch (RuntimeException e) {
            throw new ModelFormatException("adapter_config.json is not valid JSON");
        }
        if (c == null || !c.isObject()) throw new ModelFormatException("adapter_config.json is not a JSON object");
        String type = c.path("peft_type").asString("LORA");
        if (!type.equals("LORA"))
            throw new ModelFormatException("adapter_config.json: peft_type " + type + " is not supported (LORA only)");
        if (c.path("use_dora").asBoolean(false))
            throw new ModelFormatException("adapter_config.json: DoRA (use_dora) is not supported");
        JsonNode save = c.path("modules_to_save");
        if (!save.isMissingNode() && !save.isNull() && !(save.isArray() && save.isEmpty())) {
            throw new ModelFormatException(
                    "adapter_config.json: modules_to_save is not supported (only LoRA weights can be served)");
        }
        String bias = c.path("bias").asString("none");
        if (!bias.equals("none"))
            throw new ModelFormatException("adapter_config.json: bias '" + bias + "' is not supported (bias: none)");
        if (c.path("fan_in_fan_out").asBoolean(false))
            throw new ModelFormatException("adapter_config.json: fan_in_fan_out is not supported");
        for (String field : List.of("rank_pattern", "alpha_pattern")) {
            JsonNode p = c.path(field);
            if (p.isObject() && !p.isEmpty())
                throw new ModelFormatException("adapter_config.json: " + field + " is not supported");
        }
        JsonNode layers = c.path("layers_to_transform");
        if (!layers.isMissingNode() && !layers.isNull()) {
            throw new ModelFormatException("adapter_config.json: layers_to_transform is not supported");
        }
        if (!c.path("r").canConvertToInt()) throw new ModelFormatException("adapter_config.json: r is missing");
        if (!c.path("lora_alpha").isNumber())
            throw new ModelFormatException("adapter_config.json: lora_alpha is missing");
        return new PeftConfig(
                c.path("r").asInt(),
                c.path("lora_alpha").asDouble(),
                c.path("use_rslora").asBoolean(false),
                targets(c.path("target_modules")),
                c.path("base_model_name_or_path").asString(""));
    }

    private static Set<Projection> targets(JsonNode node) {
        Set<Projection> out = EnumSet.noneOf(Projection.class);
        if (node.isString()) {
            String s = node.asString();
            if (s.equals("all-linear")) return EnumSet.allOf(Projection.class);
            // PEFT treats a string as a regex over full module names; an untrusted one, so bounded in length and time.
            BoundedRegex p = BoundedRegex.compile(s, "adapter_config.json: target_modules");
            for (Projection proj : Projection.values()) {
                String name =
                        (proj.ordinal() < 4 ? "model.layers.0.self_attn." : "model.layers.0.mlp.") + proj.module();
                if (p.matches(name) || p.matches(proj.module())) out.add(proj);
            }
            return out;
        }
        if (!node.isArray())
            throw new ModelFormatException("adapter_config.json: target_modules must be a list or a string");
        List<String> unknown = new ArrayList<>();
        for (JsonNode m : node) {
            if (!m.isString())
                throw new ModelFormatException("adapter_config.json: target_modules must be a list of module names");
            Projection p = Projection.ofModule(m.asString());
            if (p == null) unknown.add(m.asString());
            else out.add(p);
        }
        if (!unknown.isEmpty()) {
            throw new ModelFormatException("adapter_config.json: target_modules " + unknown
                    + " are not supported (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)");
        }
        return out;
    }
}
