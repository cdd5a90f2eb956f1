package ai.patchwork.trainer.dataset;

/**
 * One tokenized example: token ids and, per token, its weight as a prediction target (1 on the assistant's tokens
 * up to and including its end-of-turn token, 0 elsewhere). Position t is trained to predict token t+1 with the
 * weight of token t+1.
 *
 * @param line the line of the file it came from
 * @param ids token ids
 * @param weights one weight per id, 0 or 1
 */
public record EncodedExample(int line, int[] ids, float[] weights) implements TokenizedDataset.Sequence {

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
}
