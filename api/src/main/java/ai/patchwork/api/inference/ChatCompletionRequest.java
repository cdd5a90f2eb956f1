package ai.patchwork.api.inference;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The body of {@code POST /v1/chat/completions}. The messages are rendered with the base model's chat template (an
 * adapter shares its base model's tokenizer). Tool calls, images and structured outputs are refused with a 400 naming
 * the field.
 */
record ChatCompletionRequest(
        String model,
        List<Message> messages,
        Integer maxTokens,
        Integer maxCompletionTokens,
        Double temperature,
        Double topP,
        Long seed,
        JsonNode stop,
        Integer n,
        Boolean stream,
        StreamOptions streamOptions,
        Boolean ignoreEos,
        Boolean returnTokenIds,
        Double presencePenalty,
        Double frequencyPenalty,
        JsonNode logitBias,
        Double repetitionPenalty,
        Double minP,
        Integer topK,
        Boolean logprobs,
        Integer topLogprobs,
        JsonNode responseFormat,
        JsonNode tools,
        JsonNode toolChoice,
        Boolean parallelToolCalls,
        JsonNode functions,
        JsonNode functionCall,
        JsonNode guidedJson,
        JsonNode guidedRegex,
        JsonNode guidedChoice,
        JsonNode guidedGrammar,
        JsonNode audio,
        JsonNode modalities,
        JsonNode prediction,
        JsonNode reasoningEffort,
        JsonNode webSearchOptions,
        Boolean store,
        String user)
        implements GenerationFields {

    /**
     * One message.
     *
     * @param role {@code system}, {@code developer}, {@code user} or {@code assistant}
     * @param content a string, or a list of {@code {"type": "text", "text": …}} parts
     */
    record Message(String role, JsonNode content, String name) {}
}
