package ai.patchwork.registry.store;

import io.minio.AbortMultipartUploadArgs;
import io.minio.BucketExistsArgs;
import io.minio.Checksum;
import io.minio.GetObjectArgs;
import io.minio.ListMultipartUploadsArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import io.minio.messages.Item;
import io.minio.messages.ListMultipartUploadsResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import okhttp3.OkHttpClient;

/**
 * One bucket of an S3-compatible object store, through the MinIO Java client. Files larger than the configured part
 * size are uploaded as multipart uploads. Thread-safe.
 */
public final class ObjectStore implements AutoCloseable {
    private static final Set<String> MISSING = Set.of("NoSuchKey", "NoSuchObject", "NoSuchBucket", "NotFound");

    private final StoreSettings settings;
    private final MinioClient client;
    private final MinioAsyncClient async; // the multipart-upload listing and abort, which MinioClient does not offer

    public ObjectStore(StoreSettings settings) {
        this.settings = settings;
        // Our own OkHttp client: MinIO's default one reads every system CA certificate on construction (about a
        // second), and its timeouts suit small objects rather than adapter weights.
        OkHttpClient http = new OkHttpClient.Builder()
                .connectTimeout(Duration.ofSeconds(10))
                .readTimeout(Duration.ofMinutes(5))
                .writeTimeout(Duration.ofMinutes(5))
                .build();
        this.client = MinioClient.builder()
                .endpoint(settings.endpoint())
                .credentials(settings.accessKey(), settings.secretKey())
                .region(settings.region())
                .httpClient(http, true)
                .build();
        this.async = MinioAsyncClient.builder()
                .endpoint(settings.endpoint())
                .credentials(settings.accessKey(), settings.secretKey())
                .region(settings.region())
                .httpClient(http, true)
                .build();
    }

    /** A multipart upload that was begun and neither completed nor aborted: its parts take space unseen. */
    public record PendingUpload(String key, String uploadId, Instant initiated) {
        public PendingUpload {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(uploadId, "uploadId");
            Objects.requireNonNull(initiated, "initiated");
        }
    }

    /** Every multipart upload of the bucket that is still open, oldest first. */
    public List<PendingUpload> pendingUploads() {
        return call("list multipart uploads", () -> {
            List<PendingUpload> uploads = new ArrayList<>();
            String keyMarker = null;
            String uploadIdMarker = null;
            while (true) {
                ListMultipartUploadsResult page = join(async.listMultipartUploads(ListMultipartUploadsArgs.builder()
                                .bucket(bucket())
                                .keyMarker(keyMarker)
                                .uploadIdMarker(uploadIdMarker)
                                .maxUploads(1000)
                                .build()))
                        .result();
                for (ListMultipartUploadsResult.Upload u : page.uploads()) {
                    Instant initiated = u.initiated() == null
                            ? Instant.EPOCH
                            : u.initiated().toInstant();
                    uploads.add(new PendingUpload(u.objectName(), u.uploadId(), initiated));
                }
                if (!page.isTruncated() || page.nextKeyMarker() == null) break;
                keyMarker = page.nextKeyMarker();
                uploadIdMarker = page.nextUploadIdMarker();
            }
            uploads.sort(Comparator.comparing(PendingUpload::initiated));
            return uploads;
        });
    }

    /** Aborts an open multipart upload, freeing its parts; aborting one that is gone is not an error. */
    public void abort(PendingUpload upload) {
        call("abort the multipart upload of " + upload.key(), () -> {
            try {
                join(async.abortMultipartUpload(AbortMultipartUploadArgs.builder()
                        .bucket(bucket())
                        .object(upload.key())
                        .uploadId(upload.uploadId())
                        .build()));
            } catch (ErrorResponseException e) {
                if (!"NoSuchUpload".equals(e.errorResponse().code())) throw e;
            }
            return null;
        });
    }

    /** The result of an async call, its failure unwrapped. */
    private static <T> T join(CompletableFuture<T> future) throws MinioException, IOException {
        try {
            return future.join();
        } catch (CompletionException e) {
            switch (e.getCause()) {
                case MinioException m -> throw m;
                case IOException io -> throw io;
                case RuntimeException r -> throw r;
                case null, default -> throw e;
            }
        }
    }

    public String bucket() {
        return settings.bucket();
    }

    /** Creates the bucket unless it exists. */
    public void ensureBucket() {
        call("create bucket " + bucket(), () -> {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket()).build())) {
                client.makeBucket(MakeBucketArgs.builder().bucket(bucket()).build());
            }
            return null;
        });
    }

    /** Uploads {@code file} as {@code key}, in parts when it is larger than the part size. */
    public void put(String key, Path file) {
        call("upload " + key, () -> {
            try (InputStream in = Files.newInputStream(file)) {
                put(key, in, Files.size(file));
            }
            return null;
        });
    }

    /**
     * Uploads the next {@code size} bytes of {@code in} as {@code key}, in parts when they are more than the part
     * size; the caller closes the stream. The store checks each request's bytes against their CRC32, which the JDK
     * computes with the CPU's carry-less multiply (the client's default, CRC32C, is computed byte by byte in Java and
     * cost more than the transfer itself).
     *
     * <p>Bytes that fit in one part are read into one array of their size and sent from it: the client would read
     * the stream into a buffer that grows by doubling, copying the bytes again at every step. Either way one part is
     * held in memory.
     */
    public void put(String key, InputStream in, long size) {
        call("upload " + key, () -> {
            PutObjectArgs.Builder args = PutObjectArgs.builder()
                    .bucket(bucket())
                    .object(key)
                    .checksum(Checksum.Algorithm.CRC32)
                    .contentType("application/octet-stream");
            if (size <= Math.min(settings.partSize(), Integer.MAX_VALUE - 8)) {
                byte[] data = new byte[(int) size]; // readNBytes(int) would read in chunks and copy them again
                int read = in.readNBytes(data, 0, data.length);
                if (read < size) throw new IOException("the stream ended after " + read + " of " + size + " bytes");
                args.data(data, data.length);
            } else {
                args.stream(in, size, settings.partSize());
            }
            client.putObject(args.build());
            return null;
        });
    }

    /** The size of {@code key}, or empty when there is no such object. */
    public OptionalLong size(String key) {
        return call("stat " + key, () -> {
            try {
                return OptionalLong.of(client.statObject(StatObjectArgs.builder()
                                .bucket(bucket())
                                .object(key)
                                .build())
                        .size());
            } catch (ErrorResponseException e) {
                if (MISSING.contains(e.errorResponse().code())) return OptionalLong.empty();
                throw e;
            }
        });
    }

    /** The bytes of {@code key}; the caller closes the stream. */
    public InputStream get(String key) {
        return call(
                "download " + key,
                () -> client.getObject(
                        GetObjectArgs.builder().bucket(bucket()).object(key).build()));
    }

    /** Removes {@code key}; removing a missing object is not an error. */
    public void remove(String key) {
        call("remove " + key, () -> {
            client.removeObject(
                    RemoveObjectArgs.builder().bucket(bucket()).object(key).build());
            return null;
        });
    }

    /** Every key under {@code prefix} (empty for all). */
    public List<String> keys(String prefix) {
        return call("list " + prefix, () -> {
            List<String> keys = new ArrayList<>();
            for (Result<Item> r : client.listObjects(ListObjectsArgs.builder()
                    .bucket(bucket())
                    .prefix(prefix)
                    .recursive(true)
                    .build())) {
                keys.add(r.get().objectName());
            }
            return keys;
        });
    }

    @Override
    public void close() {
        try {
            client.close();
            async.close();
        } catch (Exception e) {
            // closing only releases the HTTP client's pools
        }
    }

    private interface StoreCall<T> {
        T run() throws MinioException, IOException;
    }

    private <T> T call(String what, StoreCall<T> body) {
        try {
            return body.run();
        } catch (MinioException | IOException | RuntimeException e) {
            // The client reports some network failures as IllegalStateException wrapping the IOException.
            if (e instanceof ObjectStoreException ose) throw ose;
            throw new ObjectStoreException(
                    "object store (" + settings.endpoint() + ", bucket " + bucket() + "): cannot " + what + ": "
                            + e.getMessage(),
                    e);
        }
    }

    @Override
    public String toString() {
        return "ObjectStore[" + settings.endpoint() + "/" + bucket() + "]";
    }
}
