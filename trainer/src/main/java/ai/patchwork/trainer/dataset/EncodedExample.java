package ai.patchwork.trainer.dataset;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * One tokenized example: token ids and, per token, its weight as a prediction target (1 on the assistant's tokens
 * up to and including its end-of-turn token, 0 elsewhere). Position t is trained to predict token t+1 with the
 * weight of token t+1. Stored in a tokenized dataset as its line, length, ids and weights.
 *
 * @param line the line of the file it came from
 * @param ids token ids
 * @param weights one weight per id, 0 or 1
 */
public record EncodedExample(int line, int[] ids, float[] weights) implements TokenizedDataset.Sequence {

    /** The tokenized examples of a supervised or preference file. */
    public static final TokenizedDataset.Format<EncodedExample> FORMAT =
            new TokenizedDataset.Format<>(0x50574453 /* "PWDS" */, "an encoded dataset", EncodedExample::read);

    public EncodedExample {
        if (ids.length == 0) throw new IllegalArgumentException("an example has at least one token");
        if (ids.length != weights.length) throw new IllegalArgumentException("ids and weights differ in length");
    }

    @Override
    public int length() {
        return ids.length;
    }

    /** Tokens that count towards the loss (the first token is never a target). */
    public int targetTokens() {
        int n = 0;
        for (int t = 1; t < weights.length; t++) if (weights[t] > 0) n++;
        return n;
    }

    @Override
    public void write(DataOutputStream out) throws IOException {
        out.writeInt(line);
        out.writeInt(ids.length);
        for (int id : ids) out.writeInt(id);
        for (float w : weights) out.writeFloat(w);
    }

    private static EncodedExample read(DataInputStream in) throws IOException {
        int line = in.readInt();
        int length = in.readInt();
        int[] ids = new int[length];
        float[] weights = new float[length];
        for (int t = 0; t < length; t++) ids[t] = in.readInt();
        for (int t = 0; t < length; t++) weights[t] = in.readFloat();
        return new EncodedExample(line, ids, weights);
    }
}
