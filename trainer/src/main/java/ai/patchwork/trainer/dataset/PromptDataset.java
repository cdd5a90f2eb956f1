package ai.patchwork.trainer.dataset;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The tokenized prompts of a reinforcement fine-tuning file, as stored in the object store between the tokenize
 * step and the train step (so every worker that trains or resumes the job reads the same prompts).
 */
public record PromptDataset(List<PromptExample> prompts) {

    private static final int MAGIC = 0x50574b50; // "PWKP"
    private static final int VERSION = 1;

    public PromptDataset {
        prompts = List.copyOf(prompts);
    }

    public int size() {
        return prompts.size();
    }

    public PromptExample get(int i) {
        return prompts.get(i);
    }

    /** Prompt lengths, for batching. */
    public int[] lengths() {
        int[] out = new int[prompts.size()];
        for (int i = 0; i < out.length; i++) out[i] = prompts.get(i).length();
        return out;
    }

    public void write(OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(MAGIC);
        data.writeInt(VERSION);
        data.writeInt(prompts.size());
        for (PromptExample p : prompts) {
            data.writeInt(p.line());
            int[] ids = p.ids();
            data.writeInt(ids.length);
            for (int id : ids) data.writeInt(id);
            byte[] item = p.item().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            data.writeInt(item.length);
            data.write(item);
        }
        data.flush();
    }

    public static PromptDataset read(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        if (data.readInt() != MAGIC || data.readInt() != VERSION) throw new IOException("not a prompt dataset (v1)");
        int n = data.readInt();
        List<PromptExample> prompts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int line = data.readInt();
            int[] ids = new int[data.readInt()];
            for (int t = 0; t < ids.length; t++) ids[t] = data.readInt();
            byte[] item = data.readNBytes(data.readInt());
            prompts.add(new PromptExample(line, ids, new String(item, java.nio.charset.StandardCharsets.UTF_8)));
        }
        return new PromptDataset(prompts);
    }
}
