package ai.patchwork.testsupport.services;

import io.minio.BucketExistsArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.errors.MinioException;
import io.minio.messages.Item;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.OkHttpClient;
import org.testcontainers.containers.MinIOContainer;

/**
 * One real S3 server per JVM: a Testcontainers MinIO when Docker works, otherwise S3Proxy in process with an
 * in-memory store, both speaking AWS signature V4 on a random local port. Started on first use.
 *
 * @param endpoint base URL, e.g. {@code http://127.0.0.1:39451}
 * @param accessKey the access key tests sign with
 * @param secretKey its secret key
 * @param backend what runs the server, e.g. "S3Proxy (in process)"
 */
public record TestS3(String endpoint, String accessKey, String secretKey, String backend) {
    private static final String IMAGE = "minio/minio:RELEASE.2023-09-04T19-57-37Z";
    private static final String REGION = "us-east-1";
    private static final Map<TestS3, MinioClient> CLIENTS = new ConcurrentHashMap<>(); // one client per server
    private static TestS3 shared;

    public TestS3 {
        if (endpoint == null || accessKey == null || secretKey == null || backend == null)
            throw new IllegalArgumentException("endpoint, accessKey, secretKey and backend are required");
    }

    /** The server of this JVM, started on the first call. */
    public static synchronized TestS3 shared() {
        if (shared == null) {
            shared = Docker.start(
                    "test S3",
                    () -> new MinIOContainer(IMAGE),
                    c -> new TestS3(c.getS3URL(), c.getUserName(), c.getPassword(), "Testcontainers " + IMAGE),
                    TestS3::inProcess,
                    s -> s.backend + " at " + s.endpoint);
        }
        return shared;
    }

    public String region() {
        return REGION;
    }

    /**
     * A client for this server, shared. It brings its own OkHttp client: MinIO's default one reads every system CA
     * certificate on construction, which takes about a second.
     */
    public MinioClient client() {
        return CLIENTS.computeIfAbsent(
                this,
                s -> MinioClient.builder()
                        .endpoint(s.endpoint)
                        .credentials(s.accessKey, s.secretKey)
                        .region(REGION)
                        .httpClient(new OkHttpClient(), true)
                        .build());
    }

    /** Creates {@code bucket} unless it exists. */
    public void ensureBucket(String bucket) {
        MinioClient c = client();
        try {
            if (!c.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                c.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            }
        } catch (MinioException e) {
            throw new IllegalStateException("cannot create bucket " + bucket + ": " + e.getMessage(), e);
        }
    }

    /** Every object key in {@code bucket}, or none when the bucket does not exist. */
    public List<String> keys(String bucket) {
        MinioClient c = client();
        List<String> keys = new ArrayList<>();
        try {
            if (!c.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) return keys;
            for (Result<Item> r : c.listObjects(
                    ListObjectsArgs.builder().bucket(bucket).recursive(true).build())) {
                keys.add(r.get().objectName());
            }
        } catch (MinioException e) {
            throw new IllegalStateException("cannot list bucket " + bucket + ": " + e.getMessage(), e);
        }
        return keys;
    }

    /** The same in-memory S3Proxy a test gets from {@link RestartableS3}, never restarted. */
    private static TestS3 inProcess() {
        RestartableS3 s3 = RestartableS3.create();
        StopAtExit.register("S3Proxy", s3);
        return new TestS3(s3.endpoint(), s3.accessKey(), s3.secretKey(), "S3Proxy (in process, in memory)");
    }
}
