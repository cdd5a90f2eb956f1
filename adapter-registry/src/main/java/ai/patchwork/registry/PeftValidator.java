package ai.patchwork.registry;

import ai.patchwork.model.config.ModelFormatException;
import ai.patchwork.model.lora.AdapterTensors;
import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.nn.Projection;
import ai.patchwork.registry.store.ContentHash;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
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
 * the safetensors header, every tensor's name, dtype and shape against the base model, finite values, and the sha256,
 * the last three from one pass over the weights ({@link WeightsScan}), made as they were received when they were.
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
        WeightsScan scan = files.scan() != null ? files.scan() : WeightsScan.of(files.weights());
        if (looksLikePickle(scan.first())) throw pickle(files.weightsFilename());
        try {
            if (scan.headerError() != null) throw scan.headerError();
            AdapterTensors.check(peft, scan.header(), base.config());
        } catch (ModelFormatException e) {
            String m = e.getMessage();
            throw RegistryException.invalid(
                    "adapter_model", "invalid_adapter", m.startsWith(WEIGHTS) ? m : WEIGHTS + ": " + m);
        }
        if (scan.nonFinite() != null) {
            throw RegistryException.invalid(
                    "adapter_model",
                    "non_finite_weights",
                    WEIGHTS + ": tensor '" + scan.nonFinite()
                            + "' holds NaN or infinite values; such an adapter cannot be served");
        }
        if (scan.hash().size() != weightsSize) {
            throw new IllegalStateException(files.weights() + " changed while it was read: "
                    + scan.hash().size() + " bytes, not " + weightsSize);
        }
        List<String> targets = Arrays.stream(Projection.values())
                .filter(peft.targets()::contains)
                .map(Projection::module)
                .toList();
        return new ValidPeft(configJson, peft, targets, files.weights(), scan.hash());
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

    /**
     * A safetensors file starts with its header length and then '{'; a pickle starts with PROTO (0x80, protocol 2 to 5)
     * and a {@code torch.save} zip with "PK".
     */
    private static boolean looksLikePickle(byte[] first) {
        if (first.length < 9 || first[8] == '{') return false;
        int b0 = first[0] & 0xff;
        int b1 = first[1] & 0xff;
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
