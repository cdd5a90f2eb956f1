package ai.patchwork.api.inference;

import ai.patchwork.serving.Completion;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** A non-streamed {@code text_completion}. */
record CompletionResponse(
        String id,
        String object,
        long created,
        String model,
        List<Choice> choices,
        UsageJson usage,
        String systemFingerprint) {

    CompletionResponse {
        choices = List.copyOf(choices);
    }

    /**
     * One choice; the token ids only with {@code return_token_ids}.
     *
     * @param logprobs null unless the request asked for them
     */
    record Choice(
            int index,
            String text,
            JsonNode logprobs,
            String finishReason,
            @JsonInclude(JsonInclude.Include.NON_NULL) int[] promptTokenIds,
            @JsonInclude(JsonInclude.Include.NON_NULL) int[] tokenIds) {}

    /**
     * @param done one completion per choice, in order
     * @param logprobs one renderer per choice, or empty when the request did not ask for logprobs
     */
    static CompletionResponse of(
            String id,
            long created,
            String model,
            List<Completion> done,
            int[] promptIds,
            boolean ids,
            List<LogprobsJson> logprobs) {
        List<Choice> choices = new ArrayList<>();
        for (int i = 0; i < done.size(); i++) {
            Completion c = done.get(i);
            JsonNode lp = logprobs.isEmpty() ? null : logprobs.get(i).of(c.logprobs());
            choices.add(new Choice(
                    i, c.text(), lp, c.finishReason().openAiName(), ids ? promptIds : null, ids ? c.tokenIds() : null));
        }
        return new CompletionResponse(
                id,
                "text_completion",
                created,
                model,
                choices,
                UsageJson.of(CompletionsController.usage(
                        done.stream().map(Completion::usage).toList())),
                null);
    }
}
