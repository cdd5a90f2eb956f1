package ai.patchwork.registry;

import static ai.patchwork.registry.RegistryTestBed.BASE;
import static ai.patchwork.registry.RegistryTestBed.adapter;
import static ai.patchwork.registry.RegistryTestBed.archive;
import static ai.patchwork.registry.RegistryTestBed.files;
import static ai.patchwork.registry.RegistryTestBed.uniqueName;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.patchwork.testsupport.fixtures.ArchiveBytes;
import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.fixtures.SafetensorsBytes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Uploads the registry refuses, at the service level: each gives a precise message and leaves no row and no object
 * behind. (The api module runs the HTTP-level list.)
 */
class UploadValidationTest {
    private static final byte[] CONFIG =
            PeftAdapter.config(4, 8, List.of("q_proj", "v_proj")).getBytes(StandardCharsets.UTF_8);

    static Stream<Arguments> refused() {
        PeftAdapter good = adapter(100);
        byte[] pickle = {(byte) 0x80, 0x02, 'c', 'c', 'o', 'l', 'l', 'e', 'c', 't', 'i', 'o', 'n', 's'};
        return Stream.of(
                refused(
                        "zip-slip entry",
                        () -> archive(
                                ArchiveBytes.create()
                                        .file("../adapter_config.json", CONFIG)
                                        .file("adapter_model.safetensors", good.weights())
                                        .zip(),
                                "a.zip"),
                        "archive entry '../adapter_config.json' escapes the archive ('..' in its path, a zip-slip)"),
                refused(
                        "zip-slip deep in a tar",
                        () -> archive(
                                ArchiveBytes.create()
                                        .file("x/../../etc/cron.d/evil", CONFIG)
                                        .tarGz(),
                                "a.tar.gz"),
                        "archive entry 'x/../../etc/cron.d/evil' escapes the archive ('..' in its path, a zip-slip)"),
                refused(
                        "absolute entry",
                        () -> archive(
                                ArchiveBytes.create()
                                        .file("/etc/passwd", CONFIG)
                                        .tarGz(),
                                "a.tgz"),
                        "archive entry '/etc/passwd' has an absolute path; entries must stay inside the archive"),
                refused(
                        "windows drive entry",
                        () -> archive(
                                ArchiveBytes.create()
                                        .file("C:\\evil.json", CONFIG)
                                        .zip(),
                                "a.zip"),
                        "archive entry 'C:\\evil.json' has an absolute path; entries must stay inside the archive"),
                refused(
                        "symlink in tar",
                        () -> archive(
                                ArchiveBytes.create()
                                        .symlink("adapter_model.safetensors", "/etc/shadow")
                                        .file("adapter_config.json", CONFIG)
                                        .tarGz(),
                                "a.tar.gz"),
                        "archive entry 'adapter_model.safetensors' is a link; links are not allowed"),
                refused(
                        "pickle in archive",
                        () -> archive(
                                ArchiveBytes.create()
                                        .file("adapter_config.json", CONFIG)
                                        .file("adapter_model.bin", pickle)
                                        .zip(),
                                "a.zip"),
                        "'adapter_model.bin' is a PyTorch pickle, which can run arbitrary code when loaded and is not accepted: "
                                + "convert the adapter to safetensors (save_pretrained(dir, safe_serialization=True)) and upload "
                                + "adapter_model.safetensors"),
                refused(
                        "pickle bytes named safetensors",
                        () -> files(good.withWeights(pickle)),
                        "'adapter_model.safetensors' is a PyTorch pickle, which can run arbitrary code when loaded and is not "
                                + "accepted: convert the adapter to safetensors (save_pretrained(dir, safe_serialization=True)) and "
                                + "upload adapter_model.safetensors"),
                refused(
                        "two adapters in one archive",
                        () -> archive(
                                ArchiveBytes.create()
                                        .file("a/adapter_config.json", CONFIG)
                                        .file("a/adapter_model.safetensors", good.weights())
                                        .file("b/adapter_config.json", CONFIG)
                                        .file("b/adapter_model.safetensors", good.weights())
                                        .zip(),
                                "two.zip"),
                        "archive 'two.zip' holds more than one adapter (folders 'a/', 'b/'); upload one at a time"),
                refused(
                        "adapter two folders deep",
                        () -> archive(good.zip("runs/checkpoint-5"), "deep.zip"),
                        "archive 'deep.zip' holds no adapter_config.json (at its top or inside one folder)"),
                refused(
                        "archive without weights",
                        () -> archive(
                                ArchiveBytes.create()
                                        .file("adapter_config.json", CONFIG)
                                        .zip(),
                                "half.zip"),
                        "archive 'half.zip' has adapter_config.json but no adapter_model.safetensors beside it"),
                refused(
                        "not an archive",
                        () -> archive(new byte[] {1, 2, 3, 4}, "a.rar"),
                        "archive 'a.rar' is neither a .zip nor a .tar.gz"),
                refused(
                        "truncated tar.gz",
                        () -> archive(java.util.Arrays.copyOf(good.tarGz(""), 40), "cut.tar.gz"),
                        "archive 'cut.tar.gz' cannot be read: Unexpected end of ZLIB input stream"),
                refused(
                        "entry bigger than the limit (zip bomb)",
                        () -> archive(
                                ArchiveBytes.create()
                                        .file("adapter_config.json", CONFIG)
                                        .file("adapter_model.safetensors", new byte[(1 << 20) + 1])
                                        .zip(),
                                "bomb.zip"),
                        "archive 'bomb.zip' decompresses more than 100 times its compressed size (entry "
                                + "'adapter_model.safetensors' claims 1048577 bytes from 1033); refused as a decompression bomb"),
                refused(
                        "weights over the limit",
                        () -> files(good.withWeights(SafetensorsBytes.builder(1)
                                .tensor(
                                        "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                                        "F32",
                                        4200,
                                        64)
                                .build())),
                        "adapter_model.safetensors is 1075368 bytes, over the limit of 1048576 bytes"),
                refused(
                        "unknown dtype",
                        () -> files(good.withWeights(SafetensorsBytes.builder(1)
                                .tensor(
                                        "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                                        "F8_E9M9",
                                        4,
                                        64)
                                .build())),
                        "adapter_model.safetensors: tensor 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' has "
                                + "unknown dtype 'F8_E9M9'"),
                refused(
                        "config for another rank",
                        () -> files(good.withConfig(PeftAdapter.config(8, 16, List.of("q_proj", "v_proj")))),
                        "adapter_model.safetensors: tensor 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' has "
                                + "shape [4, 64] but the base model needs [8, 64] (r=8); is the adapter for another base model?"),
                refused(
                        "NaN weights",
                        () -> files(good.withWeights(withNaN(good.weights()))),
                        "adapter_model.safetensors: tensor 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' holds "
                                + "NaN or infinite values; such an adapter cannot be served"),
                refused(
                        "rank serving cannot load",
                        () -> files(PeftAdapter.tinyLlama(32, List.of("q_proj"), 1)),
                        "adapter_config.json: r is 32, but serving loads adapters of rank at most 16 "
                                + "(patchwork.registry.max-lora-rank)"),
                refused(
                        "absurd lora_alpha",
                        () -> files(good.withConfig(PeftAdapter.config(4, 1e300, List.of("q_proj", "v_proj")))),
                        "adapter_config.json: lora_alpha is 1.0E300; it must be positive and at most 65536.0"));
    }

    /** The weights with their first value (the first tensor in the data section) set to NaN. */
    static byte[] withNaN(byte[] weights) {
        byte[] copy = weights.clone();
        long n = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt((int) (8 + n), Float.floatToRawIntBits(Float.NaN));
        return copy;
    }

    private static Arguments refused(String what, Supplier<AdapterFiles> files, String message) {
        return Arguments.of(what, files, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void isRefusedWithoutWritingAnything(String what, Supplier<AdapterFiles> files, String message) {
        RegistryTestBed bed = RegistryTestBed.shared();
        AdapterFiles upload = files.get();
        RegistryTestBed.Counts before = bed.counts();
        RegistryException e = assertThrows(
                RegistryException.class,
                () -> bed.registry.register(
                        RegistryTestBed.PROJECT, AdapterUpload.of(uniqueName("refused"), BASE, upload)));
        assertEquals(message, e.getMessage());
        assertEquals(before, bed.counts(), "nothing written");
    }
}
