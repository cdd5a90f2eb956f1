package ai.patchwork.trainer.dataset;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A tokenized file as the tokenize step stores it in the object store, so that whichever worker trains (or resumes)
 * reads the same sequences in the same order: the examples of a supervised or preference file
 * ({@link EncodedExample}) or the prompts of a reinforcement file ({@link PromptExample}). Stored in a small binary
 * format: the sequence type's magic, version 1, the count, then each sequence as it writes itself.
 *
 * @param format how its kind of sequence is stored
 * @param sequences the sequences in file order
 * @param <T> the sequence: an example or a prompt
 */
public record TokenizedDataset<T extends TokenizedDataset.Sequence>(Format<T> format, List<T> sequences) {

    /** A tokenized line of the file. */
    public sealed interface Sequence permits EncodedExample, PromptExample {
        /** The line of the file it came from. */
        int line();

        /** Its tokens. */
        int length();

        /** Writes it in the binary format; {@link Format#reader()} reads it back. */
        void write(DataOutputStream out) throws IOException;
    }

    /** Reads one sequence of the binary format. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    /**
     * How one kind of sequence is stored.
     *
     * @param magic the format's first int, which tells the kinds apart
     * @param name what the format holds, for the error on another header ("an encoded dataset")
     * @param reader reads one sequence that {@link Sequence#write} wrote
     */
    public record Format<T extends Sequence>(int magic, String name, Reader<T> reader) {
        public Format {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(reader, "reader");
        }
    }

    public TokenizedDataset {
        Objects.requireNonNull(format, "format");
        sequences = List.copyOf(sequences);
    }

    public int size() {
        return sequences.size();
    }

    public T get(int i) {
        return sequences.get(i);
    }

    /** Sequence lengths, for batching. */
    public int[] lengths() {
        return sequences.stream().mapToInt(Sequence::length).toArray();
    }

    /** Tokens of every sequence. */
    public long tokens() {
        long n = 0;
        for (T s : sequences) n += s.length();
        return n;
    }

    /** Writes the binary format. */
    public void write(OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeInt(format.magic());
        data.writeInt(1);
        data.writeInt(sequences.size());
        for (T s : sequences) s.write(data);
        data.flush();
    }

    /** Reads what {@link #write} wrote with the same {@code format}. */
    public static <T extends Sequence> TokenizedDataset<T> read(InputStream in, Format<T> format) throws IOException {
        DataInputStream data = new DataInputStream(in);
        if (data.readInt() != format.magic() || data.readInt() != 1)
            throw new IOException("not " + format.name() + " (v1)");
        int n = data.readInt();
        List<T> sequences = new ArrayList<>(n);
        for (int i = 0; i < n; i++) sequences.add(format.reader().read(data));
        return new TokenizedDataset<>(format, sequences);
    }
}
