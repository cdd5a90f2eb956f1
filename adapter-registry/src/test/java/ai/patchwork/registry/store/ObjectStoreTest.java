package ai.patchwork.registry.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.registry.RegistryTestBed;
import ai.patchwork.testsupport.services.TestS3;
import io.minio.StatObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ObjectStoreTest {

    @Test
    void createsItsBucketWhenMissing() {
        TestS3 s3 = TestS3.shared();
        ObjectStore store = new ObjectStore(new StoreSettings(
                s3.endpoint(), s3.accessKey(), s3.secretKey(), s3.region(), "fresh-bucket-" + System.nanoTime()));
        store.ensureBucket();
        store.ensureBucket();
        assertTrue(store.keys("").isEmpty());
    }

    @Test
    void largeFilesGoUpInPartsAndComeBackIdentical() throws Exception {
        // given: 12 MiB with 5 MiB parts, so three parts
        TestS3 s3 = TestS3.shared();
        ObjectStore store = new ObjectStore(new StoreSettings(
                s3.endpoint(),
                s3.accessKey(),
                s3.secretKey(),
                s3.region(),
                RegistryTestBed.BUCKET,
                StoreSettings.MIN_PART_SIZE));
        store.ensureBucket();
        byte[] bytes = new byte[12 << 20];
        new Random(7).nextBytes(bytes);
        Path file = RegistryTestBed.tempDir().resolve("big.bin");
        Files.write(file, bytes);
        // when
        store.put("test/big.bin", file);
        // then
        assertEquals(OptionalLong.of(bytes.length), store.size("test/big.bin"));
        String etag = etag("test/big.bin");
        assertTrue(etag.endsWith("-3"), "a multipart upload's ETag ends with its part count: " + etag);
        try (InputStream in = store.get("test/big.bin")) {
            assertArrayEquals(bytes, in.readAllBytes());
        }
        store.remove("test/big.bin");
        assertEquals(OptionalLong.empty(), store.size("test/big.bin"));
        store.remove("test/big.bin");
    }

    @Test
    void aSinglePartGoesUpInOneRequestAndAShortStreamStoresNothing() throws Exception {
        ObjectStore store = RegistryTestBed.shared().store;
        byte[] bytes = new byte[1 << 20];
        new Random(8).nextBytes(bytes);
        store.put("test/one-part.bin", new ByteArrayInputStream(bytes), bytes.length);
        String etag = etag("test/one-part.bin");
        assertFalse(etag.contains("-"), "one request, not a multipart upload: " + etag);
        try (InputStream in = store.get("test/one-part.bin")) {
            assertArrayEquals(bytes, in.readAllBytes());
        }
        store.remove("test/one-part.bin");
        ObjectStoreException e = assertThrows(
                ObjectStoreException.class,
                () -> store.put("test/short.bin", new ByteArrayInputStream(bytes), bytes.length + 1L));
        assertTrue(e.getMessage().contains("ended after " + bytes.length), e.getMessage());
        assertEquals(OptionalLong.empty(), store.size("test/short.bin"));
    }

    @Test
    void settingsAreValidated() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new StoreSettings("http://x", "a", "b", "us-east-1", "bucket", 1024));
        assertEquals("object store part size must be at least 5 MiB, got 1024", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new StoreSettings(" ", "a", "b", "us-east-1", "bucket"));
    }

    @Test
    void anUnreachableStoreFailsWithAMessageNamingIt() {
        ObjectStore store = new ObjectStore(new StoreSettings("http://127.0.0.1:9", "a", "b", "us-east-1", "nowhere"));
        ObjectStoreException e = assertThrows(ObjectStoreException.class, () -> store.size("k"));
        assertTrue(
                e.getMessage().startsWith("object store (http://127.0.0.1:9, bucket nowhere): cannot stat k"),
                e.getMessage());
    }

    /** The ETag the test bucket's store gives {@code key}, asked with a client of its own. */
    private static String etag(String key) throws Exception {
        return TestS3.shared()
                .client()
                .statObject(StatObjectArgs.builder()
                        .bucket(RegistryTestBed.BUCKET)
                        .object(key)
                        .build())
                .etag();
    }
}
