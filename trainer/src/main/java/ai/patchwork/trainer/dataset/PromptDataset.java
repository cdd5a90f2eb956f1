package ai.patchwork.trainer.dataset;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The tokenized prompts of a reinforcement fine-tuning file; stored per prompt as its line, ids and item (UTF-8).
 */
public record PromptDataset(List<PromptExample> prompts) implements TokenizedDataset<PromptExample> {

    private static final int MAGIC = 0x50574b50; // "PWKP"

    public PromptDataset {
        prompts = List.copyOf(prompts);
    }

    @Override
    public List<PromptExample> sequences() {
        return prompts;
    }

    @Override
    public void write(OutputStream out) throws IOException {
        DataOutputStream data = TokenizedDataset.header(out, MAGIC, prompts.size());
        for (PromptExample p : prompts) {
            data.writeInt(p.line());
            int[] ids = p.ids();
            data.writeInt(ids.length);
            for (int id : ids) data.writeInt(id);
            byte[] item = p.item().getBytes(StandardCharsets.UTF_8);
            data.writeInt(item.length);
            data.write(item);
        }
        data.flush();
    }

    public static PromptDataset read(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int n = TokenizedDataset.count(data, MAGIC, "a prompt dataset");
        List<PromptExample> prompts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int line = data.readInt();
            int[] ids = new int[data.readInt()];
            for (int t = 0; t < ids.length; t++) ids[t] = data.readInt();
            byte[] item = data.readNBytes(data.readInt());
            prompts.add(new PromptExample(line, ids, new String(item, StandardCharsets.UTF_8)));
        }
        return new PromptDataset(prompts);
    }
}
