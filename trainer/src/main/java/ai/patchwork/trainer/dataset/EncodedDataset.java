package ai.patchwork.trainer.dataset;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A tokenized file: what the tokenize step stores in the object store so that whichever worker trains (or resumes)
 * reads the same examples in the same order. Stored in a small binary format: magic, count, then per example its
 * line, length, ids and weights.
 */
public record EncodedDataset(List<EncodedExample> examples) {

    private static final int MAGIC = 0x50574453; // "PWDS"
    private static final int VERSION = 1;

    public EncodedDataset {
        examples = List.copyOf(examples);
    }

    public int size() {
        return examples.size();
    }

    public EncodedExample get(int i) {
        return examples.get(i);
    }

    /** Tokens of every example, context included. */
    public long tokens() {
        long n = 0;
        for (EncodedExample e : examples) n += e.length();
        return n;
    }

    public int[] lengths() {
        int[] out = new int[examples.size()];
        for (int i = 0; i < out.length; i++) out[i] = examples.get(i).length();
        return out;
    }

    public void write(OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(MAGIC);
        data.writeInt(VERSION);
        data.writeInt(examples.size());
        for (EncodedExample e : examples) {
            data.writeInt(e.line());
            data.writeInt(e.length());
            for (int id : e.ids()) data.writeInt(id);
            for (float w : e.weights()) data.writeFloat(w);
        }
        data.flush();
    }

    public static EncodedDataset read(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        if (data.readInt() != MAGIC || data.readInt() != VERSION) throw new IOException("not an encoded dataset (v1)");
        int n = data.readInt();
        List<EncodedExample> examples = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int line = data.readInt();
            int length = data.readInt();
            int[] ids = new int[length];
            float[] weights = new float[length];
            for (int t = 0; t < length; t++) ids[t] = data.readInt();
            for (int t = 0; t < length; t++) weights[t] = data.readFloat();
            examples.add(new EncodedExample(line, ids, weights));
        }
        return new EncodedDataset(examples);
    }
}
