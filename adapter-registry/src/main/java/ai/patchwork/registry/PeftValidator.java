package ai.patchwork.registry;

import ai.patchwork.model.config.ModelFormatException;
import ai.patchwork.model.lora.AdapterTensors;
import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.model.safetensors.SafetensorsHeader;
import ai.patchwork.registry.store.ContentHash;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Checks the two PEFT files of an upload, cheapest first and reading only what it must: sizes, pickles, the config,
 * the safetensors header, every tensor's name, dtype and shape against the base model, then the sha256.
 */
final class PeftValidator {
    static final String CONFIG = "adapter_config.json";
    static final String WEIGHTS = "adapter_model.safetensors";
    static final String PICKLE = "adapter_model.bin";
    private static final List<String> PICKLE_SUFFIXES = List.of(".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt");

    /** A valid upload: what the registry stores. */
    record ValidPeft(
            String configJson, PeftConfig config, List<String> targetModules, Path weights, ContentHash hash) {}

    /** Largest {@code lora_alpha} accepted (scales of alpha / r beyond a few thousand only produce overflow). */
    static final double MAX_ALPHA = 65536;

    private final RegistryLimits limits;

    PeftValidator(RegistryLimits limits) {
        this.limits = limits;
    }

    ValidPeft validate(AdapterFiles.Peft files, BaseModel base) {
        if (isPickleName(files.weightsFilename())) throw pickle(files.weightsFilename());
        long configSize = size(files.config(), "adapter_config", CONFIG);
        long weightsSize = size(files.weights(), "adapter_model", WEIGHTS);
        if (configSize == 0) throw RegistryException.invalid("adapter_config", "empty_file", CONFIG + " is empty");
        if (weightsSize == 0) throw RegistryException.invalid("adapter_model", "empty_file", WEIGHTS + " is empty");
        if (configSize > limits.maxConfigBytes()) {
            throw RegistryException.tooLarge(
                    "adapter_config",
                    CONFIG + " is " + configSize + " bytes, over the limit of " + limits.maxConfigBytes() + " bytes");
        }
        if (weightsSize > limits.maxWeightsBytes()) {
            throw RegistryException.tooLarge(
                    "adapter_model",
                    WEIGHTS + " is " + weightsSize + " bytes, over the limit of " + limits.maxWeightsBytes()
                            + " bytes");
        }
        String configJson = readUtf8(files.config());
        PeftConfig peft;
        try {
            peft = PeftConfig.parse(configJson);
        } catch (ModelFormatException e) {
            throw RegistryException.invalid("adapter_config", "invalid_adapter_config", e.getMessage());
        }
        if (peft.rank() > limits.maxLoraRank()) {
            throw RegistryException.invalid(
                    "adapter_config",
                    "rank_not_servable",
                    CONFIG + ": r is " + peft.rank()
                            + ", but serving loads adapters of rank at most " + limits.maxLoraRank()
                            + " (patchwork.registry.max-lora-rank)");
        }
        if (!Double.isFinite(peft.alpha()) || peft.alpha() > MAX_ALPHA) {
            throw RegistryException.invalid(
                    "adapter_config",
                    "invalid_adapter_config",
                    CONFIG + ": lora_alpha is " + peft.alpha() + "; it must be positive and at most " + MAX_ALPHA);
        }
        SafetensorsHeader header;
        try {
            header = header(files.weights(), weightsSize, files.weightsFilename());
            AdapterTensors.check(peft, header, base.config());
        } catch (ModelFormatException e) {
            String m = e.getMessage();
            throw RegistryException.invalid(
                    "adapter_model", "invalid_adapter", m.startsWith(WEIGHTS) ? m : WEIGHTS + ": " + m);
        }
        FiniteWeights.check(files.weights(), header, WEIGHTS);
        List<String> targets = Arrays.stream(Projection.values())
                .filter(peft.targets()::contains)
                .map(Projection::module)
                .toList();
        return new ValidPeft(configJson, peft, targets, files.weights(), ContentHash.of(files.weights()));
    }

    static boolean isPickleName(String filename) {
        String f = filename.toLowerCase(Locale.ROOT);
        return PICKLE_SUFFIXES.stream().anyMatch(f::endsWith);
    }

    static RegistryException pickle(String filename) {
        return RegistryException.invalid(
                "adapter_model",
                "pickle_not_allowed",
                "'" + filename + "' is a PyTorch pickle, "
                        + "which can run arbitrary code when loaded and is not accepted: convert the adapter to safetensors "
                        + "(save_pretrained(dir, safe_serialization=True)) and upload " + WEIGHTS);
    }

    private static SafetensorsHeader header(Path weights, long size, String filename) {
        try (FileChannel ch = FileChannel.open(weights)) {
            ByteBuffer first = ByteBuffer.allocate((int) Math.min(9, size));
            while (first.hasRemaining() && ch.read(first) >= 0) {
                // fill
            }
            first.flip();
            if (looksLikePickle(first)) throw pickle(filename);
            long n = SafetensorsHeader.headerLength(first, size);
            ByteBuffer json = ByteBuffer.allocate((int) n);
            ch.position(8);
            while (json.hasRemaining() && ch.read(json) >= 0) {
                // fill
            }
            return SafetensorsHeader.parse(json.array(), size);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + weights, e);
        }
    }

    /**
     * A safetensors file starts with its header length and then '{'; a pickle starts with PROTO (0x80, protocol 2 to 5)
     * and a {@code torch.save} zip with "PK".
     */
    private static boolean looksLikePickle(ByteBuffer first) {
        if (first.limit() < 9 || first.get(8) == '{') return false;
        int b0 = first.get(0) & 0xff;
        int b1 = first.get(1) & 0xff;
        return (b0 == 0x80 && b1 >= 2 && b1 <= 5) || (b0 == 'P' && b1 == 'K');
    }

    private static long size(Path file, String param, String what) {
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            throw RegistryException.invalid(param, "missing_file", what + " is missing");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static String readUtf8(Path file) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw RegistryException.invalid("adapter_config", "invalid_adapter_config", CONFIG + " is not UTF-8 text");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
