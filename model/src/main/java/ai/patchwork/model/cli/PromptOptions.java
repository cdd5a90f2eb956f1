package ai.patchwork.model.cli;

import ai.patchwork.model.tokenizer.ChatMessage;
import ai.patchwork.model.tokenizer.Tokenizer;
import java.util.List;
import picocli.CommandLine.Option;

/** The prompt of {@code ./patchwork generate}: text, optionally as a chat message, or token ids. */
final class PromptOptions {

    @Option(names = "--prompt", description = "prompt text")
    String prompt;

    @Option(names = "--chat", description = "render --prompt as a user message through the chat template")
    boolean chat;

    @Option(names = "--prompt-ids", split = ",", description = "prompt token ids, e.g. 1,2,3")
    int[] promptIds;

    /** Checks that the prompt is given in exactly one form. */
    void requireOne() {
        if ((prompt == null) == (promptIds == null))
            throw new IllegalArgumentException("give exactly one of --prompt or --prompt-ids");
    }

    /** Whether the prompt is text, which needs a tokenizer. */
    boolean isText() {
        return prompt != null;
    }

    /** The prompt's token ids, each checked to be below {@code vocabSize}; {@code tokenizer} may be null for ids. */
    int[] ids(Tokenizer tokenizer, int vocabSize) {
        int[] ids = promptIds != null
                ? promptIds
                : tokenizer.encode(
                        chat ? tokenizer.chatTemplate().render(List.of(ChatMessage.user(prompt)), true) : prompt);
        for (int id : ids) {
            if (id < 0 || id >= vocabSize)
                throw new IllegalArgumentException("prompt id " + id + " is outside the vocabulary");
        }
        return ids;
    }
}
