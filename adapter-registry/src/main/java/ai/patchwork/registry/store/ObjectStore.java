package ai.patchwork.registry.store;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import io.minio.messages.Item;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import okhttp3.OkHttpClient;

/**
 * One bucket of an S3-compatible object store, through the MinIO Java client. Files larger than the configured part
 * size are uploaded as multipart uploads. Thread-safe.
 */
public final class ObjectStore implements AutoCloseable {
    private static final Set<String> MISSING = Set.of("NoSuchKey", "NoSuchObject", "NoSuchBucket", "NotFound");

    private final StoreSettings settings;
    private final MinioClient client;

    public ObjectStore(StoreSettings settings) {
        this.settings = settings;
        // Our own OkHttp client: MinIO's default one reads every system CA certificate on construction (about a
        // second),
        // and its timeouts suit small objects rather than adapter weights.
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
            long size = Files.size(file);
            try (InputStream in = Files.newInputStream(file)) {
                client.putObject(
                        PutObjectArgs.builder().bucket(bucket()).object(key).stream(in, size, settings.partSize())
                                .contentType("application/octet-stream")
                                .build());
            }
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
