package ai.patchwork.api.inference;

import ai.patchwork.serving.Completion;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** A non-streamed {@code text_completion}. */
record CompletionResponse(String id, String object, long created, String model, List<Choice> choices,
    UsageJson usage, String systemFingerprint) {

  CompletionResponse {
    choices = List.copyOf(choices);
  }

  /**
   * The one choice; the token ids only with {@code return_token_ids}.
   *
   * @param logprobs null unless the request asked for them
   */
  record Choice(int index, String text, JsonNode logprobs, String finishReason,
      @JsonInclude(JsonInclude.Include.NON_NULL) int[] promptTokenIds,
      @JsonInclude(JsonInclude.Include.NON_NULL) int[] tokenIds) {}

  static CompletionResponse of(String id, long created, String model, Completion c, int[] promptIds, boolean ids,
      LogprobsJson logprobs) {
    JsonNode lp = logprobs == null ? null : logprobs.of(c.logprobs());
    Choice choice = new Choice(0, c.text(), lp, c.finishReason().openAiName(), ids ? promptIds : null,
        ids ? c.tokenIds() : null);
    return new CompletionResponse(id, "text_completion", created, model, List.of(choice), UsageJson.of(c.usage()), null);
  }
}
