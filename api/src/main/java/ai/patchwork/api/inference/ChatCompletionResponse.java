package ai.patchwork.api.inference;

import ai.patchwork.serving.Completion;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** A non-streamed {@code chat.completion}. */
record ChatCompletionResponse(String id, String object, long created, String model, List<Choice> choices,
    UsageJson usage, String systemFingerprint) {

  ChatCompletionResponse {
    choices = List.copyOf(choices);
  }

  /** The assistant's reply; {@code refusal} is always null. */
  record Message(String role, String content, String refusal) {}

  /**
   * The one choice; the token ids only with {@code return_token_ids}.
   *
   * @param logprobs null unless the request asked for them
   */
  record Choice(int index, Message message, JsonNode logprobs, String finishReason,
      @JsonInclude(JsonInclude.Include.NON_NULL) int[] promptTokenIds,
      @JsonInclude(JsonInclude.Include.NON_NULL) int[] tokenIds) {}

  static ChatCompletionResponse of(String id, long created, String model, Completion c, int[] promptIds, boolean ids,
      LogprobsJson logprobs) {
    JsonNode lp = logprobs == null ? null : logprobs.of(c.logprobs());
    Choice choice = new Choice(0, new Message("assistant", c.text(), null), lp, c.finishReason().openAiName(),
        ids ? promptIds : null, ids ? c.tokenIds() : null);
    return new ChatCompletionResponse(id, "chat.completion", created, model, List.of(choice), UsageJson.of(c.usage()),
        null);
  }
}
