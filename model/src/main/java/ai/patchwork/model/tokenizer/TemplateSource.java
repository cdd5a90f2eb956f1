package ai.patchwork.model.tokenizer;

import java.util.Optional;
import tools.jackson.databind.JsonNode;

/** Picks the chat template source out of the {@code chat_template} field of tokenizer_config. */
final class TemplateSource {
    private TemplateSource() {}

    /**
     * The template: the field itself when it is a string, or, when it is a list of {@code {name,
     * template}} objects, the one named {@code default} (else the first).
     */
    static Optional<String> select(JsonNode field) {
        if (field == null || field.isNull() || field.isMissingNode()) {
            return Optional.empty();
        }
        if (field.isString()) {
            return field.stringValue().isBlank() ? Optional.empty() : Optional.of(field.stringValue());
        }
        if (!field.isArray()) {
            throw new IllegalArgumentException("chat_template must be a string or a list, got " + field);
        }
        JsonNode chosen = null;
        for (JsonNode named : field) {
            if ("default".equals(named.path("name").asString(""))) {
                chosen = named;
                break;
            }
            if (chosen == null) {
                chosen = named;
            }
        }
        if (chosen == null || !chosen.path("template").isString()) {
            return Optional.empty();
        }
        return Optional.of(chosen.path("template").stringValue());
    }
}
