package ai.patchwork.trainer.dataset;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The tokenized examples of a supervised or preference file; stored per example as its line, length, ids and
 * weights.
 */
public record EncodedDataset(List<EncodedExample> examples) implements TokenizedDataset<EncodedExample> {

    private static final int MAGIC = 0x50574453; // "PWDS"

    public EncodedDataset {
        examples = List.copyOf(examples);
    }

    @Override
    public List<EncodedExample> sequences() {
        return examples;
    }

    /** Tokens of every example, context included. */
    public long tokens() {
        long n = 0;
        for (EncodedExample e : examples) n += e.length();
        return n;
    }

    @Override
    public void write(OutputStream out) throws IOException {
        DataOutputStream data = TokenizedDataset.header(out, MAGIC, examples.size());
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
        int n = TokenizedDataset.count(data, MAGIC, "an encoded dataset");
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
