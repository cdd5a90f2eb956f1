package ai.patchwork.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing (Jazzer) of adapter archive extraction, zip and tar.gz. The input's first byte picks the
 * format: even, the rest is a {@code .zip}; odd, the rest is a tar that the target gzips (so the fuzzer mutates tar
 * headers, not deflate bits). Whatever the bytes, extraction returns files inside the work folder or refuses with a
 * {@link RegistryException}; it writes nothing outside the work folder, never more than the per-file and aggregate
 * limits, and never more files than the entry limit.
 */
class ArchiveExtractionFuzzTest {

    /** Small limits, so that the fuzzer's small inputs reach them. */
    static final RegistryLimits LIMITS = new RegistryLimits(4 << 10, 1 << 10, 64 << 10, 8, 6 << 10, 20, 16);

    static Path root;

    @BeforeAll
    static void createRoot() throws IOException {
        root = Files.createTempDirectory("archive-fuzz");
    }

    @AfterAll
    static void deleteRoot() throws IOException {
        clear(root);
        Files.delete(root);
    }

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({
        "adapter_config.json",
        "adapter_model.safetensors",
        "adapter_model.bin",
        "../",
        "/etc/",
        "C:\\\\",
        "a/",
        "./",
        "ustar",
        "ustar\\x0000",
        "PK\\x03\\x04",
        "PK\\x01\\x02",
        "PK\\x05\\x06"
    })
    void extractsInsideTheLimitsOrRefuses(byte[] data) throws IOException {
        if (data.length == 0) return;
        byte[] archive = Arrays.copyOfRange(data, 1, data.length);
        if ((data[0] & 1) == 1) archive = gzip(archive);
        clear(root);
        Path in = Files.write(root.resolve("upload"), archive);
        Path work = Files.createDirectory(root.resolve("work"));
        try {
            AdapterFiles.Peft peft = new ArchiveExtractor(LIMITS).extract(new AdapterFiles.Archive(in, "fuzz"), work);
            assertEquals(work, peft.config().getParent());
            assertEquals(work, peft.weights().getParent());
        } catch (RegistryException refused) {
            // refused: unsafe, too large or not an adapter archive
        }
        try (Stream<Path> top = Files.list(root)) {
            assertEquals(List.of(in, work), top.sorted().toList(), "extraction wrote outside its work folder");
        }
        try (Stream<Path> written = Files.walk(work)) {
            List<Path> files = written.filter(Files::isRegularFile).toList();
            long total = 0;
            for (Path f : files) {
                long size = Files.size(f);
                assertTrue(size <= LIMITS.maxWeightsBytes(), f + " is " + size + " bytes");
                total += size;
            }
            assertTrue(total <= LIMITS.maxArchiveUncompressedBytes(), "extracted " + total + " bytes");
            assertTrue(files.size() <= LIMITS.maxArchiveEntries(), "extracted " + files.size() + " files");
        }
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    static void clear(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted((a, b) -> b.compareTo(a)).toList()) {
                if (!p.equals(dir)) Files.delete(p);
            }
        }
    }
}
