package ai.patchwork.trainer.dataset;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/** One parsed line of a training file, before tokenization: a conversation or a prompt and its completion. */
public sealed interface Example {

    /** The line of the file it came from (1-based). */
    int line();

    /**
     * {@code {"messages": [...], "tools": [...]}}: loss on the assistant messages whose weight is 1.
     *
     * @param tools the tools the chat template renders, each {@code {"type": "function", "function": {...}}} in
     *     plain Java values; empty when the line has none
     */
    record Chat(int line, List<Turn> turns, List<Map<String, Object>> tools) implements Example {
        public Chat {
            turns = List.copyOf(turns);
            tools = List.copyOf(tools);
            if (turns.stream().noneMatch(Turn::trained))
                throw new IllegalArgumentException("no trained assistant turn");
        }

        /** A conversation without tools. */
        public Chat(int line, List<Turn> turns) {
            this(line, turns, List.of());
        }
    }

    /** {@code {"prompt": ..., "completion": ...}}: plain text, loss on the completion and the end-of-text token. */
    record Completion(int line, String prompt, String completion) implements Example {
        public Completion {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(completion, "completion");
        }
    }
}
