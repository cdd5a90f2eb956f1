package ai.patchwork.registry.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.registry.RegistryTestBed;
import ai.patchwork.testsupport.services.TestS3;
import io.minio.CreateMultipartUploadArgs;
import io.minio.MinioAsyncClient;
import io.minio.UploadPartArgs;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A process that dies in the middle of a multipart upload leaves its parts in the bucket, invisible to a listing of
 * objects; the collector aborts such uploads once they are older than the grace period.
 */
class IncompleteUploadsTest {
    private final RegistryTestBed bed = RegistryTestBed.shared();

    @Test
    void theCollectorAbortsUploadsOlderThanTheGracePeriod() throws Exception {
        // given: an upload begun with one part sent, never completed (its process was killed)
        TestS3 s3 = TestS3.shared();
        String key = "sha256/incomplete-" + System.nanoTime();
        String uploadId;
        try (MinioAsyncClient client = MinioAsyncClient.builder()
                .endpoint(s3.endpoint())
                .credentials(s3.accessKey(), s3.secretKey())
                .region(s3.region())
                .build()) {
            uploadId = client.createMultipartUpload(CreateMultipartUploadArgs.builder()
                            .bucket(bed.store.bucket())
                            .object(key)
                            .build())
                    .join()
                    .result()
                    .uploadId();
            byte[] part = new byte[5 << 20];
            client.uploadPart(UploadPartArgs.builder()
                            .bucket(bed.store.bucket())
                            .object(key)
                            .uploadId(uploadId)
                            .partNumber(1)
                            .data(part, part.length)
                            .build())
                    .join();
        }
        assertTrue(pending(key, uploadId), "the store lists the open upload: " + bed.store.pendingUploads());
        // when: a collection with an hour's grace, then one after the upload is older than the grace
        GcReport spared = bed.registry.collectGarbage(Duration.ofHours(1));
        boolean stillOpen = pending(key, uploadId);
        Thread.sleep(1100); // the store dates uploads to the second
        GcReport report = bed.registry.collectGarbage(Duration.ofMillis(1));
        // then
        assertTrue(stillOpen, "an upload within the grace period is left alone: " + spared);
        assertTrue(report.abortedUploads() >= 1, report.toString());
        assertFalse(pending(key, uploadId), "aborted: " + bed.store.pendingUploads());
        assertEquals(0, bed.store.keys(key).size(), "and no object was made of it");
    }

    private boolean pending(String key, String uploadId) {
        return bed.store.pendingUploads().stream()
                .anyMatch(u -> u.key().equals(key) && u.uploadId().equals(uploadId));
    }
}
