package ai.patchwork.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.testsupport.fixtures.ArchiveBytes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Archives whose entries are each within the limits but that together, or by their ratio, are bombs. */
class ArchiveBombTest {

    static final byte[] CONFIG = "{\"peft_type\": \"LORA\"}".getBytes();
    static final RegistryLimits LIMITS = new RegistryLimits(1 << 20, 16 << 10, 2 << 20, 200, 4 << 20, 100, 16);

    @TempDir
    Path dir;

    RegistryException refused(byte[] archive, String name) throws IOException {
        Path file = Files.write(dir.resolve(name), archive);
        Path work = Files.createDirectories(dir.resolve("work-" + name));
        RegistryException e = assertThrows(
                RegistryException.class,
                () -> new ArchiveExtractor(LIMITS).extract(new AdapterFiles.Archive(file, name), work));
        try (Stream<Path> written = Files.list(work)) {
            long bytes = written.mapToLong(p -> p.toFile().length()).sum();
            assertTrue(bytes <= 4 << 20, "extracted " + bytes + " bytes");
        }
        return e;
    }

    @Test
    void manyFoldersOfWeightsWithinTheEntryLimitAreRefusedByTheTotal() throws IOException {
        ArchiveBytes many = ArchiveBytes.create();
        for (int i = 0; i < 40; i++) {
            many.file("a" + i + "/adapter_config.json", CONFIG)
                    .file("a" + i + "/adapter_model.safetensors", new byte[1000 << 10]);
        }
        for (byte[] archive : new byte[][] {many.zip(), many.tarGz()}) {
            RegistryException e = refused(archive, archive[0] == 'P' ? "many.zip" : "many.tgz");
            assertEquals(RegistryException.Reason.TOO_LARGE, e.refusal().reason());
            assertTrue(
                    e.getMessage().contains("decompresses to more than 4194304 bytes")
                            || e.getMessage().contains("decompression bomb"),
                    e.getMessage());
        }
    }

    @Test
    void aSkippedEntryOfZerosIsRefusedByItsRatioWithoutBeingInflated() throws IOException {
        ArchiveBytes bomb =
                ArchiveBytes.create().file("adapter_config.json", CONFIG).file("padding.bin", new byte[3 << 20]);
        RegistryException zip = refused(bomb.zip(), "bomb.zip");
        assertTrue(zip.getMessage().contains("entry 'padding.bin' claims 3145728 bytes"), zip.getMessage());
        RegistryException tar = refused(bomb.tarGz(), "bomb.tgz");
        assertTrue(tar.getMessage().contains("refused as a decompression bomb"), tar.getMessage());
    }

    @Test
    void tooManyEntriesAreRefusedFromTheZipDirectory() throws IOException {
        ArchiveBytes many = ArchiveBytes.create();
        for (int i = 0; i < 201; i++) many.file("f" + i, new byte[0]);
        RegistryException e = refused(many.zip(), "entries.zip");
        assertTrue(e.getMessage().contains("has more than 200 entries"), e.getMessage());
    }
}
