package ai.patchwork.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.testsupport.fixtures.ArchiveBytes;
import ai.patchwork.testsupport.fixtures.PeftAdapter;
import ai.patchwork.testsupport.fixtures.SafetensorsBytes;
import ai.patchwork.testsupport.fixtures.TinyLlama;
import ai.patchwork.testsupport.http.MultipartBody;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

class FixturesTest {

    @Test
    void findsTheTinyLlamaFixture() {
        assertTrue(Files.isRegularFile(TinyLlama.model().resolve("config.json")));
        for (String a : TinyLlama.ADAPTERS) {
            assertTrue(Files.isRegularFile(TinyLlama.adapter(a).resolve(PeftAdapter.WEIGHTS_FILE)));
        }
    }

    @Test
    void generatedAdapterMatchesTheFixtureLayout() {
        PeftAdapter fixture = PeftAdapter.fromFolder(TinyLlama.adapter("all-r8"));
        PeftAdapter generated = PeftAdapter.tinyLlama(
                8, List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"), 1);
        // Same tensors, same shapes, same sizes: only the random values differ.
        assertEquals(dataBytes(fixture.weights()), dataBytes(generated.weights()));
        assertFalse(Arrays.equals(fixture.weights(), generated.weights()));
        assertFalse(Arrays.equals(
                generated.weights(),
                PeftAdapter.tinyLlama(8, List.of("q_proj"), 2).weights()));
    }

    private static long dataBytes(byte[] safetensors) {
        return safetensors.length
                - 8
                - ByteBuffer.wrap(safetensors, 0, 8)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .getLong();
    }

    @Test
    void safetensorsHeaderIsPaddedAndDeclared() {
        byte[] file = SafetensorsBytes.builder(0).tensor("t", "F32", 2, 3).build();
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        assertEquals(8 + n + 24, file.length);
        String header = new String(file, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.contains("\"t\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}"), header);
    }

    @Test
    void archivesKeepEntryNamesVerbatim() throws Exception {
        ArchiveBytes a =
                ArchiveBytes.create().file("../escape.txt", new byte[] {1}).symlink("link", "/etc/passwd");
        List<String> zipNames = new ArrayList<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(a.zip()))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) zipNames.add(e.getName());
        }
        assertEquals(List.of("../escape.txt", "link"), zipNames);
        List<String> tarNames = new ArrayList<>();
        try (TarArchiveInputStream tar =
                new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(a.tarGz())))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                tarNames.add(e.getName() + (e.isSymbolicLink() ? "->" + e.getLinkName() : ""));
            }
        }
        assertEquals(List.of("../escape.txt", "link->/etc/passwd"), tarNames);
    }

    @Test
    void multipartBodyHasBoundaries() {
        MultipartBody body = MultipartBody.create().field("name", "x").file("f", "a.bin", new byte[] {7});
        String text = new String(body.bytes(), StandardCharsets.ISO_8859_1);
        String boundary = body.contentType().substring(body.contentType().indexOf('=') + 1);
        assertTrue(text.startsWith("--" + boundary + "\r\n"));
        assertTrue(text.endsWith("--" + boundary + "--\r\n"));
        assertTrue(text.contains("name=\"f\"; filename=\"a.bin\""));
    }
}
