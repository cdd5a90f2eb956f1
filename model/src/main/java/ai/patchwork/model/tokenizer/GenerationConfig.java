package ai.patchwork.model.tokenizer;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The generation defaults of a model, from its {@code generation_config.json}.
 *
 * <p>Only the fields Patchwork uses are kept; absent fields are empty. {@code eos_token_id} may be
 * a single id or a list in the file; here it is always a set (possibly empty).
 *
 * @param eosTokenIds ids that end generation; never null, may be empty
 * @param bosTokenId the beginning-of-sequence id, if declared
 * @param padTokenId the padding id, if declared
 * @param doSample whether the model's authors intend sampling rather than greedy decoding
 * @param temperature sampling temperature, if declared; positive
 * @param topP nucleus sampling mass, if declared; in (0, 1]
 * @param topK top-k cut-off, if declared; non-negative
 * @param maxNewTokens the default cap on generated tokens, if declared; positive
 */
public record GenerationConfig(
        Set<Integer> eosTokenIds,
        Optional<Integer> bosTokenId,
        Optional<Integer> padTokenId,
        boolean doSample,
        Optional<Double> temperature,
        Optional<Double> topP,
        Optional<Integer> topK,
        Optional<Integer> maxNewTokens) {

    /** A configuration that declares nothing: no EOS ids, no sampling defaults. */
    public static final GenerationConfig EMPTY = new GenerationConfig(
            Set.of(),
            Optional.empty(),
            Optional.empty(),
            false,
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            Optional.empty());

    /** Validates the values and copies the id set. */
    public GenerationConfig {
        eosTokenIds = Set.copyOf(Objects.requireNonNull(eosTokenIds, "eosTokenIds"));
        Objects.requireNonNull(bosTokenId, "bosTokenId");
        Objects.requireNonNull(padTokenId, "padTokenId");
        Objects.requireNonNull(temperature, "temperature");
        Objects.requireNonNull(topP, "topP");
        Objects.requireNonNull(topK, "topK");
        Objects.requireNonNull(maxNewTokens, "maxNewTokens");
        for (int id : eosTokenIds) {
            requireNonNegative(id, "eos token id");
        }
        bosTokenId.ifPresent(id -> requireNonNegative(id, "bos token id"));
        padTokenId.ifPresent(id -> requireNonNegative(id, "pad token id"));
        temperature.ifPresent(t -> require(t >= 0 && Double.isFinite(t), "temperature must be >= 0, got " + t));
        topP.ifPresent(p -> require(p > 0 && p <= 1, "top_p must be in (0, 1], got " + p));
        topK.ifPresent(k -> requireNonNegative(k, "top_k"));
        maxNewTokens.ifPresent(n -> require(n > 0, "max_new_tokens must be > 0, got " + n));
    }

    /**
     * Reads {@code generation_config.json} from a model folder.
     *
     * @return the parsed configuration, or {@link #EMPTY} when the folder has no such file
     * @throws IllegalArgumentException if the file exists but is malformed
     */
    public static GenerationConfig read(Path modelDir) {
        Path file = modelDir.resolve("generation_config.json");
        return HfJson.readIfPresent(file).map(GenerationConfig::fromJson).orElse(EMPTY);
    }

    static GenerationConfig fromJson(JsonNode json) {
        return new GenerationConfig(
                HfJson.ids(json.get("eos_token_id")),
                HfJson.optInt(json, "bos_token_id"),
                HfJson.optInt(json, "pad_token_id"),
                json.path("do_sample").asBoolean(false),
                HfJson.optDouble(json, "temperature"),
                HfJson.optDouble(json, "top_p"),
                HfJson.optInt(json, "top_k"),
                HfJson.optInt(json, "max_new_tokens"));
    }

    private static void requireNonNegative(int value, String what) {
        require(value >= 0, what + " must be >= 0, got " + value);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
