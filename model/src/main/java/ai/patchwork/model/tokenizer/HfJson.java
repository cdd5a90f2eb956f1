package ai.patchwork.model.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** Reads the Hugging Face JSON files of a model folder and decodes their loosely typed fields. */
final class HfJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private HfJson() {}

    /** Parses {@code file}, or returns empty when it does not exist. */
    static Optional<JsonNode> readIfPresent(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(MAPPER.readTree(file));
        } catch (JacksonException e) {
            throw new IllegalArgumentException("Cannot parse " + file + ": " + e.getOriginalMessage(), e);
        }
    }

    /** A token given either as a plain string or as an {@code {"content": ...}} object. */
    static Optional<String> tokenText(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return Optional.empty();
        }
        if (node.isString()) {
            return Optional.of(node.stringValue());
        }
        JsonNode content = node.path("content");
        return content.isString() ? Optional.of(content.stringValue()) : Optional.empty();
    }

    /** A token id given as a single integer, a list of integers, or absent/null (empty set). */
    static Set<Integer> ids(JsonNode node) {
        Set<Integer> ids = new LinkedHashSet<>();
        if (node == null) {
            return ids;
        }
        if (node.isIntegralNumber()) {
            ids.add(node.intValue());
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                if (item.isIntegralNumber()) {
                    ids.add(item.intValue());
                }
            }
        }
        return ids;
    }

    /** A single optional integer field. */
    static Optional<Integer> optInt(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isIntegralNumber() ? Optional.of(value.intValue()) : Optional.empty();
    }

    /** A single optional floating point field (integers accepted). */
    static Optional<Double> optDouble(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isNumber() ? Optional.of(value.doubleValue()) : Optional.empty();
    }

    /** One more than the largest id in a tokenizer.json (its model vocabulary and added tokens). */
    static int vocabSize(JsonNode tokenizerJson) {
        JsonNode vocab = tokenizerJson.path("model").path("vocab");
        int size = 0;
        if (vocab.isArray()) {
            size = vocab.size();
        } else if (vocab.isObject()) {
            for (JsonNode id : vocab) {
                size = Math.max(size, id.asInt() + 1);
            }
        }
        for (JsonNode added : tokenizerJson.path("added_tokens")) {
            size = Math.max(size, added.path("id").asInt() + 1);
        }
        return size;
    }
}
