package ai.patchwork.model.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The raw bytes each token id stands for, read once per tokenizer from its {@code tokenizer.json}: what OpenAI's
 * {@code logprobs[].bytes} report, and what a grammar over the vocabulary matches against. A token can be part of a
 * multi-byte character, so its bytes need not be valid UTF-8 on their own.
 *
 * <ul>
 *   <li>Byte-level BPE (GPT-2, Llama 3, Qwen): each character of the vocabulary string stands for one byte through
 *       GPT-2's byte-to-unicode table.
 *   <li>SentencePiece-style BPE or Unigram (Llama 2, Mistral): {@code <0xAB>} pieces are single bytes, {@code ▁} is a
 *       space, everything else is UTF-8.
 *   <li>Added tokens ({@code <|im_end|>}) and any other vocabulary: the UTF-8 of the token's text.
 * </ul>
 */
public final class TokenBytes {
    private static final byte[] NONE = new byte[0];

    private final byte[][] bytes;
    private final boolean[] added;

    private TokenBytes(byte[][] bytes, boolean[] added) {
        this.bytes = bytes;
        this.added = added;
    }

    /** The table of a parsed {@code tokenizer.json} with {@code vocabSize} ids. */
    static TokenBytes of(JsonNode tokenizerJson, int vocabSize) {
        byte[][] out = new byte[vocabSize][];
        boolean[] added = new boolean[vocabSize];
        JsonNode model = tokenizerJson.path("model");
        Scheme scheme = Scheme.of(tokenizerJson);
        JsonNode vocab = model.path("vocab");
        if (vocab.isObject()) {
            for (var e : vocab.properties()) put(out, e.getValue().asInt(-1), scheme.bytes(e.getKey()));
        } else if (vocab.isArray()) {
            for (int i = 0; i < vocab.size(); i++)
                put(out, i, scheme.bytes(vocab.get(i).path(0).asString("")));
        }
        for (JsonNode token : tokenizerJson.path("added_tokens")) {
            int id = token.path("id").asInt(-1);
            put(out, id, token.path("content").asString("").getBytes(StandardCharsets.UTF_8));
            if (id >= 0 && id < vocabSize) added[id] = true;
        }
        for (int i = 0; i < vocabSize; i++) if (out[i] == null) out[i] = NONE;
        return new TokenBytes(out, added);
    }

    private static void put(byte[][] out, int id, byte[] b) {
        if (id >= 0 && id < out.length) out[id] = b;
    }

    /** Ids in the table. */
    public int size() {
        return bytes.length;
    }

    /** The token's bytes (a copy); empty for an id the tokenizer does not define. */
    public byte[] bytes(int id) {
        return bytes[id].clone();
    }

    /**
     * Whether the id is an added token ({@code <|im_end|>}, …): its bytes are its written form, not text the model
     * produces byte by byte, so a grammar never matches it.
     */
    public boolean added(int id) {
        return added[id];
    }

    /** The token's bytes read as UTF-8, with U+FFFD for a part of a character (OpenAI's {@code token} field). */
    public String text(int id) {
        return new String(bytes[id], StandardCharsets.UTF_8);
    }

    /** How a tokenizer writes bytes in its vocabulary strings. */
    private enum Scheme {
        BYTE_LEVEL,
        SENTENCE_PIECE,
        UTF8;

        private static final Map<Character, Byte> BYTE_OF_CHAR = byteLevelTable();

        static Scheme of(JsonNode tokenizerJson) {
            String decoder = tokenizerJson.path("decoder").toString();
            String pre = tokenizerJson.path("pre_tokenizer").toString();
            if (decoder.contains("\"ByteLevel\"") || pre.contains("\"ByteLevel\"")) return BYTE_LEVEL;
            if (decoder.contains("\"ByteFallback\"")
                    || decoder.contains("\"Metaspace\"")
                    || decoder.contains("▁")
                    || tokenizerJson.path("model").path("byte_fallback").asBoolean(false)) {
                return SENTENCE_PIECE;
            }
            return UTF8;
        }

        byte[] bytes(String token) {
            return switch (this) {
                case BYTE_LEVEL -> byteLevel(token);
                case SENTENCE_PIECE -> sentencePiece(token);
                case UTF8 -> token.getBytes(StandardCharsets.UTF_8);
            };
        }

        private static byte[] byteLevel(String token) {
            byte[] out = new byte[token.length()];
            for (int i = 0; i < token.length(); i++) {
                Byte b = BYTE_OF_CHAR.get(token.charAt(i));
                if (b == null) return token.getBytes(StandardCharsets.UTF_8); // not a byte-level string
                out[i] = b;
            }
            return out;
        }

        private static byte[] sentencePiece(String token) {
            if (token.length() == 6 && token.startsWith("<0x") && token.endsWith(">")) {
                return new byte[] {(byte) Integer.parseInt(token.substring(3, 5), 16)};
            }
            return token.replace('▁', ' ').getBytes(StandardCharsets.UTF_8);
        }

        /** GPT-2's bytes_to_unicode, inverted: printable Latin-1 bytes map to themselves, the rest to U+0100 on. */
        private static Map<Character, Byte> byteLevelTable() {
            Map<Character, Byte> table = new HashMap<>();
            int next = 256;
            for (int b = 0; b < 256; b++) {
                boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
                table.put((char) (printable ? b : next++), (byte) b);
            }
            return Map.copyOf(table);
        }
    }
}
