package ai.patchwork.trainer.dataset;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One prompt of a reinforcement fine-tuning file: the conversation rendered through the chat template up to the
 * assistant's turn, and the rest of its JSONL line, which graders read as {@code {{item.*}}}. Stored in a tokenized
 * dataset as its line, ids and item (UTF-8).
 *
 * @param line the line of the file it came from
 * @param ids the prompt's token ids, ending with the template's generation prompt
 * @param item the line without {@code messages}, as JSON text (an object)
 */
public record PromptExample(int line, int[] ids, String item) implements TokenizedDataset.Sequence {

    /** The tokenized prompts of a reinforcement fine-tuning file. */
    public static final TokenizedDataset.Format<PromptExample> FORMAT =
            new TokenizedDataset.Format<>(0x50574b50 /* "PWKP" */, "a prompt dataset", PromptExample::read);

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

    @Override
    public void write(DataOutputStream out) throws IOException {
        out.writeInt(line);
        out.writeInt(ids.length);
        for (int id : ids) out.writeInt(id);
        byte[] utf8 = item.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static PromptExample read(DataInputStream in) throws IOException {
        int line = in.readInt();
        int[] ids = new int[in.readInt()];
        for (int t = 0; t < ids.length; t++) ids[t] = in.readInt();
        byte[] utf8 = in.readNBytes(in.readInt());
        return new PromptExample(line, ids, new String(utf8, StandardCharsets.UTF_8));
    }
}
