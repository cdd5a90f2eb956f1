package ai.patchwork.api.inference;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import tools.jackson.databind.JsonNode;

/**
 * The body of {@code POST /v1/completions}. A field this record does not name is a 400 ({@link RequestBodies}); fields
 * for features this server does not have ({@code echo}, {@code suffix}, {@code best_of} other than {@code n}) are
 * refused with a 400 naming the field rather than silently dropped.
 *
 * @param prompt a string, a list of token ids, or a list holding exactly one of either
 */
record CompletionRequest(
        JsonNode prompt,
        @JsonUnwrapped GenerationFields fields,
        Boolean echo,
        String suffix,
        Integer logprobs,
        Integer bestOf) {

    CompletionRequest {
        if (fields == null) fields = GenerationFields.NONE;
    }
}
