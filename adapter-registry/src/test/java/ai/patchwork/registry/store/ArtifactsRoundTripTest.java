package ai.patchwork.registry.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.registry.RegistryTestBed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** {@link Artifacts#roundTrip}: the store's write and read paths with nothing left behind. */
class ArtifactsRoundTripTest {
    private final RegistryTestBed bed = RegistryTestBed.shared();

    private long artifactRows(String sha256) {
        return bed.jdbc
                .sql("SELECT count(*) FROM artifacts WHERE sha256 = ?")
                .param(sha256)
                .query(Long.class)
                .single();
    }

    @Test
    void theBytesComeBackAndNoObjectOrRowIsLeft() throws IOException {
        Path f = RegistryTestBed.tempFile("round trip " + System.nanoTime());
        ContentHash hash = ContentHash.of(f);
        byte[] back = bed.artifacts.roundTrip(f, hash);
        assertArrayEquals(Files.readAllBytes(f), back);
        assertEquals(List.of(), bed.store.keys(Artifacts.ROUND_TRIP_PREFIX));
        assertEquals(OptionalLong.empty(), bed.store.size(Artifacts.KEY_PREFIX + hash.sha256()));
        assertEquals(0, artifactRows(hash.sha256()));
    }

    @Test
    void bytesThatAreNotTheirHashAreRefusedAndRemoved() throws IOException {
        Path f = RegistryTestBed.tempFile("not what the hash says " + System.nanoTime());
        ContentHash wrong = new ContentHash("0".repeat(64), Files.size(f));
        ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> bed.artifacts.roundTrip(f, wrong));
        assertTrue(e.getMessage().contains("failed verification"), e.getMessage());
        assertEquals(List.of(), bed.store.keys(Artifacts.ROUND_TRIP_PREFIX));
    }
}
