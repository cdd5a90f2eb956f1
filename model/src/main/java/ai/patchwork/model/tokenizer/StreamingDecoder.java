package ai.patchwork.model.tokenizer;

import java.util.Arrays;
import java.util.Objects;

/**
 * Decodes generated ids one at a time into text pieces whose concatenation is the text of all ids.
 *
 * <p>Byte-level BPE can split one character over several tokens, and decoding such a partial
 * sequence yields U+FFFD. A piece is therefore only released once its text no longer ends in
 * U+FFFD; until then {@link #accept} returns {@code ""}. Each step decodes only a short window (the
 * previous piece plus the pending ids) so that decoders which treat the start of text specially,
 * such as SentencePiece's leading space, still produce the right spacing. Not thread-safe: use one
 * instance per generated sequence.
 */
public final class StreamingDecoder {
    private static final char REPLACEMENT = '\uFFFD';

    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private int[] ids = new int[16];
    private int size;
    private int prefixOffset;
    private int readOffset;

    /**
     * A decoder over {@code tokenizer}.
     *
     * @param skipSpecialTokens whether special tokens are dropped from the text
     */
    public StreamingDecoder(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /** Adds one id and returns the text it completes, possibly {@code ""}. */
    public String accept(int id) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = id;
        String prefix = decode(prefixOffset, readOffset);
        String text = decode(prefixOffset, size);
        if (text.length() > prefix.length() && text.charAt(text.length() - 1) != REPLACEMENT) {
            prefixOffset = readOffset;
            readOffset = size;
            return text.substring(prefix.length());
        }
        return "";
    }

    /** Adds several ids and returns the text they complete, possibly {@code ""}. */
    public String acceptAll(int... newIds) {
        StringBuilder out = new StringBuilder();
        for (int id : newIds) {
            out.append(accept(id));
        }
        return out.toString();
    }

    /**
     * Returns the text still held back (possibly ending in U+FFFD when the ids stop inside a
     * character) and marks everything as read.
     */
    public String flush() {
        String prefix = decode(prefixOffset, readOffset);
        String text = decode(prefixOffset, size);
        prefixOffset = readOffset;
        readOffset = size;
        return text.length() > prefix.length() ? text.substring(prefix.length()) : "";
    }

    /** Every id accepted so far. */
    public int[] ids() {
        return Arrays.copyOf(ids, size);
    }

    private String decode(int from, int to) {
        return from == to ? "" : tokenizer.decode(Arrays.copyOfRange(ids, from, to), skipSpecialTokens);
    }
}
