package ai.patchwork.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;

/**
 * The tokenizer of a Hugging Face model folder: the {@code tokenizer.json} pipeline (run natively
 * by DJL) plus what {@code tokenizer_config.json}, {@code generation_config.json} and {@code
 * config.json} say about special tokens, chat formatting and stopping.
 *
 * <p>{@link #encode} never adds special tokens (no BOS, no EOS), but special tokens written
 * literally in the text, such as {@code <|im_start|>}, map to their ids. Encoding and decoding are
 * thread-safe. Close the tokenizer to free its native memory.
 */
public final class Tokenizer implements AutoCloseable {
    private static final Map<String, String> DJL_OPTIONS = Map.of(
            "addSpecialTokens", "false",
            "withOverflowingTokens", "false",
            "truncation", "false",
            "padding", "false");

    private final HuggingFaceTokenizer hf;
    private final int vocabSize;
    private final ChatTemplate chatTemplate;
    private final boolean hasChatTemplate;
    private final GenerationConfig generationConfig;
    private final Optional<Integer> bosId;
    private final Set<Integer> eosIds;
    private final TokenBytes tokenBytes;

    private Tokenizer(HuggingFaceTokenizer hf, Path modelDir, JsonNode tokenizerJson) {
        this.hf = hf;
        this.vocabSize = HfJson.vocabSize(tokenizerJson);
        this.tokenBytes = TokenBytes.of(tokenizerJson, vocabSize);
        JsonNode tokenizerConfig =
                HfJson.readIfPresent(modelDir.resolve("tokenizer_config.json")).orElse(MissingNode.getInstance());
        JsonNode modelConfig =
                HfJson.readIfPresent(modelDir.resolve("config.json")).orElse(MissingNode.getInstance());
        this.generationConfig = GenerationConfig.read(modelDir);

        Optional<String> bosToken = HfJson.tokenText(tokenizerConfig.get("bos_token"));
        Optional<String> eosToken = HfJson.tokenText(tokenizerConfig.get("eos_token"));
        Optional<String> template = TemplateSource.select(tokenizerConfig.get("chat_template"));
        this.hasChatTemplate = template.isPresent();
        this.chatTemplate =
                ChatTemplate.of(template.orElse(ChatTemplate.CHATML_SOURCE), bosToken.orElse(""), eosToken.orElse(""));

        this.bosId = generationConfig
                .bosTokenId()
                .or(() -> HfJson.optInt(modelConfig, "bos_token_id"))
                .or(() -> bosToken.flatMap(this::tokenId));
        Set<Integer> eos = new LinkedHashSet<>(generationConfig.eosTokenIds());
        if (eos.isEmpty()) {
            eos.addAll(HfJson.ids(modelConfig.get("eos_token_id")));
        }
        eosToken.flatMap(this::tokenId).ifPresent(eos::add);
        this.eosIds = Set.copyOf(eos);
    }

    /**
     * Loads the tokenizer of a model folder.
     *
     * @param modelDir a folder holding {@code tokenizer.json}, and optionally {@code
     *     tokenizer_config.json}, {@code generation_config.json} and {@code config.json}
     * @throws IllegalArgumentException if {@code tokenizer.json} is missing or a file is malformed
     */
    public static Tokenizer load(Path modelDir) {
        Objects.requireNonNull(modelDir, "modelDir");
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("No tokenizer.json in model folder: " + modelDir);
        }
        JsonNode json = HfJson.readIfPresent(file).orElseThrow();
        HuggingFaceTokenizer hf;
        try {
            hf = HuggingFaceTokenizer.newInstance(file, DJL_OPTIONS);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
        try {
            return new Tokenizer(hf, modelDir, json);
        } catch (RuntimeException e) {
            hf.close();
            throw e;
        }
    }

    /** Token ids for {@code text}, with no special tokens added. */
    public int[] encode(String text) {
        Objects.requireNonNull(text, "text");
        long[] ids = hf.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /**
     * Text for {@code ids}. Byte-level tokens that end inside a multi-byte character decode to
     * U+FFFD; use a {@link StreamingDecoder} to decode token by token.
     *
     * @param skipSpecialTokens whether to drop special tokens such as {@code <|im_end|>}
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0) {
                throw new IllegalArgumentException("Negative token id " + ids[i] + " at index " + i);
            }
            wide[i] = ids[i];
        }
        return hf.decode(wide, skipSpecialTokens);
    }

    /** A decoder that turns a stream of ids into text pieces, holding back incomplete characters. */
    public StreamingDecoder streamingDecoder(boolean skipSpecialTokens) {
        return new StreamingDecoder(this, skipSpecialTokens);
    }

    /** The id of a token written as {@code token} if it encodes to exactly one id. */
    public Optional<Integer> tokenId(String token) {
        int[] ids = encode(token);
        return ids.length == 1 ? Optional.of(ids[0]) : Optional.empty();
    }

    /**
     * The number of ids the tokenizer knows: one more than the largest id of the vocabulary and the
     * added tokens. A model's embedding table may be larger (padded).
     */
    public int vocabSize() {
        return vocabSize;
    }

    /** The raw bytes of every token id, read once when the tokenizer was loaded. */
    public TokenBytes tokenBytes() {
        return tokenBytes;
    }

    /**
     * The model's chat template, or the ChatML fallback ({@link ChatTemplate#CHATML_SOURCE}) when
     * {@code tokenizer_config.json} has none; see {@link #hasChatTemplate()}.
     */
    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /** Whether the model folder declares its own chat template. */
    public boolean hasChatTemplate() {
        return hasChatTemplate;
    }

    /** The folder's {@code generation_config.json}, or {@link GenerationConfig#EMPTY}. */
    public GenerationConfig generationConfig() {
        return generationConfig;
    }

    /**
     * The BOS id: {@code bos_token_id} of the generation config, else of {@code config.json}, else
     * the id of {@code bos_token} from {@code tokenizer_config.json}.
     */
    public Optional<Integer> bosId() {
        return bosId;
    }

    /**
     * The ids that end generation: {@code eos_token_id} of the generation config (else of {@code
     * config.json}), plus the id of {@code eos_token} from {@code tokenizer_config.json}, which chat
     * models often end their turns with.
     */
    public Set<Integer> eosIds() {
        return eosIds;
    }

    /** Frees the native tokenizer. Further use fails; closing twice is harmless. */
    @Override
    public void close() {
        hf.close();
    }
}
