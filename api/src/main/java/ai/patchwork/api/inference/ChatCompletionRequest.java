package ai.patchwork.api.inference;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The body of {@code POST /v1/chat/completions}. The messages (tool calls and results included) and the tools are
 * rendered with the base model's chat template (an adapter shares its base model's tokenizer). A field this record
 * does not name is a 400 ({@link RequestBodies}); of those it names, features this server lacks (audio, images,
 * predicted outputs, web search, reasoning effort, the deprecated {@code functions}) are refused with a 400 naming the
 * field. {@code store}, {@code metadata}, {@code service_tier}, {@code prompt_cache_key} and {@code safety_identifier}
 * are accepted and have no effect.
 */
record ChatCompletionRequest(
        List<Message> messages,
        @JsonUnwrapped GenerationFields fields,
        Boolean logprobs,
        Integer topLogprobs,
        JsonNode tools,
        JsonNode toolChoice,
        Boolean parallelToolCalls,
        JsonNode functions,
        JsonNode functionCall,
        JsonNode audio,
        JsonNode modalities,
        JsonNode prediction,
        JsonNode reasoningEffort,
        JsonNode webSearchOptions,
        Boolean store,
        JsonNode metadata,
        String serviceTier,
        String promptCacheKey,
        String safetyIdentifier) {

    ChatCompletionRequest {
        if (fields == null) fields = GenerationFields.NONE;
    }

    /**
     * One message.
     *
     * @param role {@code system}, {@code developer}, {@code user}, {@code assistant} or {@code tool}
     * @param content a string, or a list of {@code {"type": "text", "text": …}} parts; may be null for an assistant
     *     message with tool calls
     * @param toolCalls an assistant message's calls: {@code {"id", "type": "function", "function": {"name",
     *     "arguments"}}}
     * @param toolCallId a tool message's: the id of the call it answers
     * @param refusal an earlier assistant refusal, accepted as OpenAI returns it (always null from this server)
     */
    record Message(
            String role,
            JsonNode content,
            String name,
            List<JsonNode> toolCalls,
            String toolCallId,
            JsonNode refusal) {}
}
