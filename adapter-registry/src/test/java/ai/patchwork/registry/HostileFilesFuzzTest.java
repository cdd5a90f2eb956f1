package ai.patchwork.registry;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.config.ModelFormatException;
import ai.patchwork.model.lora.PeftConfig;
import ai.patchwork.model.safetensors.SafetensorsHeader;
import ai.patchwork.testsupport.fixtures.ArchiveBytes;
import ai.patchwork.testsupport.fixtures.PeftAdapter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Randomized fuzzing of what an adapter upload parses: the safetensors header, {@code adapter_config.json}, and zip
 * and tar.gz extraction. Inputs are valid files mutated at random (bytes flipped, inserted, deleted, truncated,
 * splices of JSON tokens); the property is that each input is accepted or refused with the format's own exception,
 * never another exception, and quickly. Seeded, about 1.5 s per target in the build; {@code -Dpatchwork.fuzz.seconds=N}
 * runs each target for N seconds.
 */
class HostileFilesFuzzTest {

    static final long NANOS = (long) (Double.parseDouble(System.getProperty("patchwork.fuzz.seconds", "1.5")) * 1e9);
    static final String[] TOKENS = {
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "null",
        "-1",
        "1e999",
        "\"F32\"",
        "\"r\"",
        "\"data_offsets\"",
        "\"shape\"",
        "\"target_modules\"",
        "\"((.*)*)*Z\"",
        "9223372036854775807",
        "\\u0000"
    };

    @TempDir
    Path dir;

    /** Runs {@code target} on mutations of {@code seed} until the time is up; returns how many ran. */
    static int fuzz(long seedValue, byte[] seed, Consumer<byte[]> target) {
        Random random = new Random(seedValue);
        long end = System.nanoTime() + NANOS;
        int runs = 0;
        while (System.nanoTime() < end) {
            byte[] input = mutate(seed, random);
            long start = System.nanoTime();
            target.accept(input);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 2000, "one input took " + ms + " ms");
            runs++;
        }
        return runs;
    }

    static byte[] mutate(byte[] seed, Random r) {
        byte[] b = seed.clone();
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits && b.length > 0; e++) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(5)) {
                case 0 -> b[at] = (byte) r.nextInt(256);
                case 1 -> b = java.util.Arrays.copyOf(b, Math.max(1, at));
                case 2 -> {
                    byte[] token = TOKENS[r.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8);
                    byte[] out = new byte[b.length + token.length];
                    System.arraycopy(b, 0, out, 0, at);
                    System.arraycopy(token, 0, out, at, token.length);
                    System.arraycopy(b, at, out, at + token.length, b.length - at);
                    b = out;
                }
                case 3 -> {
                    int len = Math.min(b.length - at, 1 + r.nextInt(16));
                    byte[] out = new byte[b.length - len];
                    System.arraycopy(b, 0, out, 0, at);
                    System.arraycopy(b, at + len, out, at, b.length - at - len);
                    b = out;
                }
                default -> b[at] ^= (byte) (1 << r.nextInt(8));
            }
        }
        return b;
    }

    @Test
    void safetensorsHeaders() {
        byte[] weights = PeftAdapter.tinyLlama(4, List.of("q_proj"), 1).weights();
        int runs = fuzz(1, weights, input -> {
            try {
                if (input.length < 8) return;
                long n = SafetensorsHeader.headerLength(ByteBuffer.wrap(input, 0, 8), input.length);
                SafetensorsHeader.parse(java.util.Arrays.copyOfRange(input, 8, (int) (8 + n)), input.length);
            } catch (ModelFormatException expected) {
                // refused with the format's own error
            }
        });
        System.out.println("fuzz safetensors header: " + runs + " inputs");
    }

    @Test
    void adapterConfigs() {
        byte[] config = PeftAdapter.config(4, 8, List.of("q_proj", "v_proj")).getBytes(StandardCharsets.UTF_8);
        int runs = fuzz(2, config, input -> {
            try {
                PeftConfig.parse(new String(input, StandardCharsets.UTF_8));
            } catch (ModelFormatException expected) {
                // refused with the format's own error
            }
        });
        System.out.println("fuzz adapter_config.json: " + runs + " inputs");
    }

    @Test
    void archives() throws IOException {
        PeftAdapter good = PeftAdapter.tinyLlama(4, List.of("q_proj"), 1);
        ArchiveBytes archive = ArchiveBytes.create()
                .file("a/adapter_config.json", good.config().getBytes(StandardCharsets.UTF_8))
                .file("a/adapter_model.safetensors", good.weights())
                .file("a/README.md", new byte[64]);
        ArchiveExtractor extractor = new ArchiveExtractor(ArchiveBombTest.LIMITS);
        int[] n = {0};
        for (byte[] seed : new byte[][] {archive.zip(), archive.tarGz()}) {
            int runs = fuzz(3 + n[0], seed, input -> {
                try {
                    Path file = Files.write(dir.resolve("in-" + n[0]), input);
                    Path work = Files.createDirectories(dir.resolve("work-" + n[0]++));
                    extractor.extract(new AdapterFiles.Archive(file, "fuzz"), work);
                } catch (RegistryException expected) {
                    // refused with the registry's own error
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            });
            System.out.println("fuzz archive extraction: " + runs + " inputs");
        }
    }
}
