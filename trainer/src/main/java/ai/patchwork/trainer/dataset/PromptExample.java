package ai.patchwork.trainer.dataset;

import java.util.Objects;

/**
 * One prompt of a reinforcement fine-tuning file: the conversation rendered through the chat template up to the
 * assistant's turn, and the rest of its JSONL line, which graders read as {@code {{item.*}}}.
 *
 * @param line the line of the file it came from
 * @param ids the prompt's token ids, ending with the template's generation prompt
 * @param item the line without {@code messages}, as JSON text (an object)
 */
public record PromptExample(int line, int[] ids, String item) implements TokenizedDataset.Sequence {

    public PromptExample {
        if (ids.length == 0) throw new IllegalArgumentException("a prompt has at least one token");
        Objects.requireNonNull(item, "item");
        ids = ids.clone();
    }

    @Override
    public int[] ids() {
        return ids.clone();
    }

    @Override
    public int length() {
        return ids.length;
    }
}
