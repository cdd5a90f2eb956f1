package ai.patchwork.model.family;

/** Checkpoint names of transformers' LlamaForCausalLM, shared by MistralForCausalLM and Qwen2ForCausalLM. */
record HuggingFaceLlamaNames() implements WeightNames {

    @Override
    public String embedding() {
        return "model.embed_tokens.weight";
    }

    @Override
    public String finalNorm() {
        return "model.norm.weight";
    }

    @Override
    public String lmHead() {
        return "lm_head.weight";
    }

    @Override
    public String attentionNorm(int layer) {
        return "model.layers." + layer + ".input_layernorm.weight";
    }

    @Override
    public String mlpNorm(int layer) {
        return "model.layers." + layer + ".post_attention_layernorm.weight";
    }

    @Override
    public String projection(int layer, String module) {
        return modulePath(layer, module) + ".weight";
    }

    @Override
    public String projectionBias(int layer, String module) {
        return modulePath(layer, module) + ".bias";
    }

    private static String modulePath(int layer, String module) {
        String block = module.endsWith("_proj")
                        && (module.startsWith("gate") || module.startsWith("up") || module.startsWith("down"))
                ? "mlp"
                : "self_attn";
        return "model.layers." + layer + "." + block + "." + module;
    }
}
