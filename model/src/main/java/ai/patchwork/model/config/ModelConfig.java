package ai.patchwork.model.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Hyperparameters of a Llama-family decoder, read from a Hugging Face {@code config.json}.
 *
 * <p>Shape glossary used across the model package: B batch, T new tokens, L attended positions, E hidden size,
 * N query heads, K key/value heads, H head size (E / N), I intermediate size, V vocabulary, r LoRA rank.
 */
public record ModelConfig(
        ModelFamily family,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int intermediateSize,
        int vocabSize,
        int maxPositions,
        double rmsNormEps,
        double ropeTheta,
        RopeScaling ropeScaling,
        boolean tieWordEmbeddings,
        Set<String> biasedModules) {

    public ModelConfig {
        if (family == null) throw new ModelFormatException("config.json: missing model family");
        positive("hidden_size", hiddenSize);
        positive("num_hidden_layers", numLayers);
        positive("num_attention_heads", numHeads);
        positive("num_key_value_heads", numKvHeads);
        positive("head_dim", headDim);
        positive("intermediate_size", intermediateSize);
        positive("vocab_size", vocabSize);
        positive("max_position_embeddings", maxPositions);
        if (numHeads % numKvHeads != 0) {
            throw new ModelFormatException("config.json: num_attention_heads " + numHeads
                    + " is not a multiple of num_key_value_heads " + numKvHeads);
        }
        if (headDim % 2 != 0) throw new ModelFormatException("config.json: head_dim " + headDim + " must be even");
        if (!(rmsNormEps > 0)) throw new ModelFormatException("config.json: rms_norm_eps must be positive");
        if (!(ropeTheta > 0)) throw new ModelFormatException("config.json: rope_theta must be positive");
        biasedModules = Set.copyOf(biasedModules);
    }

    /** True when the projection with this module name (q_proj, ..., down_proj) has a bias. */
    public boolean hasBias(String module) {
        return biasedModules.contains(module);
    }

    private static void positive(String name, int value) {
        if (value <= 0) throw new ModelFormatException("config.json: " + name + " must be positive, got " + value);
    }

    /** Heads of the query that share one key/value head (grouped-query attention). */
    public int queryGroups() {
        return numHeads / numKvHeads;
    }

    public int qDim() {
        return numHeads * headDim;
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    /** Reads {@code config.json} from a model folder. */
    public static ModelConfig load(Path modelDir) {
        Path file = modelDir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException("not a Hugging Face model folder (no config.json): " + modelDir);
        }
        try {
            return parse(JsonMapper.shared().readTree(Files.readString(file)));
        } catch (IOException | tools.jackson.core.JacksonException e) {
            throw new ModelFormatException("cannot read " + file + ": "
                    + (e instanceof tools.jackson.core.JacksonException j ? j.getOriginalMessage() : e.getMessage()));
        }
    }

    /** Parses the JSON of a {@code config.json}. */
    public static ModelConfig parse(JsonNode c) {
        ModelFamily family = ModelFamily.of(c);
        checkSupported(c);
        int hidden = c.path("hidden_size").asInt(0);
        int heads = c.path("num_attention_heads").asInt(0);
        int kvHeads = c.path("num_key_value_heads").asInt(heads);
        int headDim = c.hasNonNull("head_dim") ? c.get("head_dim").asInt() : (heads > 0 ? hidden / heads : 0);
        return new ModelConfig(
                family,
                hidden,
                c.path("num_hidden_layers").asInt(0),
                heads,
                kvHeads,
                headDim,
                c.path("intermediate_size").asInt(0),
                c.path("vocab_size").asInt(0),
                c.path("max_position_embeddings").asInt(2048),
                c.path("rms_norm_eps").asDouble(1e-6),
                c.path("rope_theta").asDouble(10000.0),
                RopeScaling.parse(c.get("rope_scaling")),
                c.path("tie_word_embeddings").asBoolean(false),
                biases(family, c));
    }

    /** Qwen2 has q/k/v biases; Llama-style attention_bias adds q/k/v/o biases and mlp_bias gate/up/down biases. */
    private static Set<String> biases(ModelFamily family, JsonNode c) {
        Set<String> out = new java.util.HashSet<>();
        if (family == ModelFamily.QWEN2) out.addAll(List.of("q_proj", "k_proj", "v_proj"));
        if (family != ModelFamily.QWEN2 && c.path("attention_bias").asBoolean(false)) {
            out.addAll(List.of("q_proj", "k_proj", "v_proj", "o_proj"));
        }
        if (c.path("mlp_bias").asBoolean(false)) out.addAll(List.of("gate_proj", "up_proj", "down_proj"));
        return out;
    }

    /** Features this runtime would silently get wrong are refused instead. */
    private static void checkSupported(JsonNode c) {
        String act = c.path("hidden_act").asString("silu");
        if (!act.equals("silu") && !act.equals("swish")) {
            throw new ModelFormatException("config.json: hidden_act '" + act + "' is not supported (silu)");
        }
        int maxPositions = c.path("max_position_embeddings").asInt(2048);
        JsonNode window = c.path("sliding_window");
        boolean windowUsed =
                c.has("use_sliding_window") ? c.path("use_sliding_window").asBoolean(false) : window.isNumber();
        if (windowUsed && window.isNumber() && window.asInt() < maxPositions) {
            throw new ModelFormatException(
                    "config.json: sliding_window " + window.asInt() + " is shorter than max_position_embeddings "
                            + maxPositions + "; sliding-window attention is not supported");
        }
    }
}
