package ai.patchwork.registry.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.registry.Adapter;
import ai.patchwork.registry.AdapterUpload;
import ai.patchwork.registry.RegistryTestBed;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ArtifactsTest {
    private final RegistryTestBed bed = RegistryTestBed.shared();

    @Test
    void identicalContentIsOneObjectUnderItsSha256() throws IOException {
        Path a = RegistryTestBed.tempFile("same bytes " + System.nanoTime());
        Path b = RegistryTestBed.tempDir().resolve("copy");
        Files.copy(a, b);
        Artifact first = bed.artifacts.put(a, ContentHash.of(a));
        Artifact second = bed.artifacts.put(b, ContentHash.of(b));
        assertEquals(first, second);
        assertEquals("sha256/" + first.sha256(), first.objectKey());
        assertEquals(1, bed.store.keys(first.objectKey()).size());
    }

    @Test
    void anObjectThatFailsVerificationIsRemoved() throws IOException {
        Path f = RegistryTestBed.tempFile("real content " + System.nanoTime());
        ContentHash wrong = new ContentHash("0".repeat(64), Files.size(f));
        ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> bed.artifacts.put(f, wrong));
        assertTrue(
                e.getMessage().startsWith("stored object sha256/" + "0".repeat(64) + " failed verification"),
                e.getMessage());
        assertEquals(OptionalLong.empty(), bed.store.size("sha256/" + "0".repeat(64)));
    }

    @Test
    void readsAreVerified() throws IOException {
        Path f = RegistryTestBed.tempFile("to be tampered with " + System.nanoTime());
        Artifact a = bed.artifacts.put(f, ContentHash.of(f));
        Files.writeString(f, "tampered content here " + System.nanoTime());
        bed.store.put(a.objectKey(), f);
        try (InputStream in = bed.artifacts.open(a)) {
            IOException e = assertThrows(IOException.class, () -> in.transferTo(OutputStream.nullOutputStream()));
            assertTrue(e.getMessage().startsWith("object " + a.objectKey() + " is corrupt"), e.getMessage());
        }
    }

    @Test
    void garbageCollectionRemovesOnlyUnreferencedArtifactsAndReuploadRevives() throws IOException {
        // given: two deleted adapters, one sharing its weights with a live adapter
        Adapter lonely = register(600);
        Adapter shared = register(601);
        Adapter sharedTwin = register(601);
        bed.registry.delete(lonely.id());
        bed.registry.delete(shared.id());
        // when: a collection that spares everything touched within the hour, then one without grace
        GcReport spared = bed.registry.collectGarbage(Duration.ofHours(1));
        boolean stillThere = bed.store.size("sha256/" + lonely.sha256()).isPresent();
        GcReport report = bed.registry.collectGarbage(Duration.ZERO);
        // then
        assertTrue(stillThere, "within the grace period: " + spared);
        assertTrue(report.collected() >= 1, report.toString());
        assertEquals(OptionalLong.empty(), bed.store.size("sha256/" + lonely.sha256()));
        assertTrue(bed.store.size("sha256/" + sharedTwin.sha256()).isPresent(), "a live adapter still uses it");
        assertFalse(bed.artifacts.find(lonely.sha256()).isPresent());
        // and: uploading the same weights again stores them again
        Adapter again = register(600);
        assertEquals(lonely.sha256(), again.sha256());
        try (InputStream in = bed.registry.openWeights(again)) {
            assertEquals(again.sizeBytes(), in.transferTo(OutputStream.nullOutputStream()));
        }
    }

    private Adapter register(long seed) {
        return bed.registry.register(
                RegistryTestBed.PROJECT,
                AdapterUpload.of(
                        RegistryTestBed.uniqueName("gc"),
                        RegistryTestBed.BASE,
                        RegistryTestBed.files(RegistryTestBed.adapter(seed))));
    }
}
