package ai.patchwork.api.inference;

import ai.patchwork.model.tokenizer.ToolCall;
import ai.patchwork.model.tools.ParsedOutput;
import ai.patchwork.serving.Completion;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** A non-streamed {@code chat.completion} (choices with a {@code message}) or {@code text_completion} ({@code text}). */
record CompletionsResponse(
        String id,
        String object,
        long created,
        String model,
        List<Choice> choices,
        UsageJson usage,
        String systemFingerprint) {

    CompletionsResponse {
        choices = List.copyOf(choices);
    }

    /** The assistant's reply; {@code refusal} is always null, {@code tool_calls} absent when it calls none. */
    record Message(
            String role,
            String content,
            String refusal,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ToolCallJson> toolCalls) {}

    /**
     * One call as OpenAI writes it; {@code index} only in a streamed delta.
     *
     * @param arguments the arguments as JSON text
     */
    record ToolCallJson(
            @JsonInclude(JsonInclude.Include.NON_NULL) Integer index, String id, String type, Function function) {
        record Function(String name, String arguments) {}

        static List<ToolCallJson> of(List<ToolCall> calls, boolean indexed) {
            List<ToolCallJson> out = new ArrayList<>();
            for (int i = 0; i < calls.size(); i++) {
                ToolCall c = calls.get(i);
                out.add(new ToolCallJson(
                        indexed ? i : null, c.id(), "function", new Function(c.name(), c.arguments())));
            }
            return out;
        }
    }

    /**
     * One choice: a chat choice has a {@code message}, a completion's a {@code text}; the token ids only with
     * {@code return_token_ids}.
     *
     * @param logprobs null unless the request asked for them
     */
    record Choice(
            int index,
            @JsonInclude(JsonInclude.Include.NON_NULL) String text,
            @JsonInclude(JsonInclude.Include.NON_NULL) Message message,
            JsonNode logprobs,
            String finishReason,
            @JsonInclude(JsonInclude.Include.NON_NULL) int[] promptTokenIds,
            @JsonInclude(JsonInclude.Include.NON_NULL) int[] tokenIds) {}

    /**
     * @param chat a chat completion (else a text completion)
     * @param done one completion per choice, in order
     * @param logprobs one renderer per choice, or empty when the request did not ask for logprobs
     * @param tools a chat request's tools: calls parsed from a reply make its {@code tool_calls}, and its finish reason
     *     {@code tool_calls}
     */
    static CompletionsResponse of(
            boolean chat,
            String id,
            long created,
            String model,
            List<Completion> done,
            int[] promptIds,
            boolean ids,
            List<LogprobsJson> logprobs,
            ChatTools tools) {
        List<Choice> choices = new ArrayList<>();
        for (int i = 0; i < done.size(); i++) {
            Completion c = done.get(i);
            JsonNode lp = logprobs.isEmpty() ? null : logprobs.get(i).of(c.logprobs());
            String finish = c.finishReason().openAiName();
            Message message = null;
            if (chat) {
                List<ToolCall> calls = List.of();
                String content = c.text();
                if (tools.format() != null) {
                    ParsedOutput parsed = tools.format().parse(c.text());
                    calls = tools.calls(parsed);
                    if (!calls.isEmpty()) {
                        content = parsed.content();
                        finish = "tool_calls";
                    }
                }
                message = new Message("assistant", content, null, ToolCallJson.of(calls, false));
            }
            choices.add(new Choice(
                    i, chat ? null : c.text(), message, lp, finish, ids ? promptIds : null, ids ? c.tokenIds() : null));
        }
        return new CompletionsResponse(
                id,
                chat ? "chat.completion" : "text_completion",
                created,
                model,
                choices,
                UsageJson.of(CompletionsController.usage(
                        done.stream().map(Completion::usage).toList())),
                null);
    }
}
