package ai.patchwork.trainer.dataset;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * A tokenized file as the tokenize step stores it in the object store, so that whichever worker trains (or resumes)
 * reads the same sequences in the same order: the examples of a supervised or preference file
 * ({@link EncodedDataset}) or the prompts of a reinforcement file ({@link PromptDataset}). Stored in a small binary
 * format: magic, version, count, then the sequences.
 *
 * @param <T> the sequence: an example or a prompt
 */
public sealed interface TokenizedDataset<T extends TokenizedDataset.Sequence> permits EncodedDataset, PromptDataset {

    /** A tokenized line of the file. */
    sealed interface Sequence permits EncodedExample, PromptExample {
        /** The line of the file it came from. */
        int line();

        /** Its tokens. */
        int length();
    }

    /** The sequences in file order. */
    List<T> sequences();

    /** Writes the binary format. */
    void write(OutputStream out) throws IOException;

    default int size() {
        return sequences().size();
    }

    default T get(int i) {
        return sequences().get(i);
    }

    /** Sequence lengths, for batching. */
    default int[] lengths() {
        return sequences().stream().mapToInt(Sequence::length).toArray();
    }

    /** Starts the binary format of {@code count} sequences: magic, version 1, count. */
    static DataOutputStream header(OutputStream out, int magic, int count) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(magic);
        data.writeInt(1);
        data.writeInt(count);
        return data;
    }

    /**
     * Checks the header {@link #header} wrote and returns the count of sequences that follow.
     *
     * @param what what the format holds, for the error ("an encoded dataset")
     */
    static int count(DataInputStream in, int magic, String what) throws IOException {
        if (in.readInt() != magic || in.readInt() != 1) throw new IOException("not " + what + " (v1)");
        return in.readInt();
    }
}
