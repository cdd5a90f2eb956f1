package ai.patchwork.registry.store;

/**
 * Where the object store is and how to reach it.
 *
 * @param endpoint base URL of an S3-compatible server, e.g. {@code http://127.0.0.1:9000}
 * @param accessKey access key id
 * @param secretKey secret access key
 * @param region signing region ({@code us-east-1} for MinIO unless configured otherwise)
 * @param bucket the bucket every object goes to; created when missing
 * @param partSize part size of multipart uploads in bytes; files larger than this are uploaded in parts
 */
public record StoreSettings(
        String endpoint, String accessKey, String secretKey, String region, String bucket, long partSize) {

    /** The smallest part S3 accepts (except for the last one). */
    public static final long MIN_PART_SIZE = 5L << 20;

    /**
     * The default part size: 32 MiB, so that an adapter of a 1B-parameter model (rank 8 on every projection, 25 MB)
     * goes up in one request; a multipart upload costs a round trip per part and, in the embedded S3 server, a second
     * copy of the bytes when the parts are joined. The client holds one part in memory per upload.
     */
    public static final long DEFAULT_PART_SIZE = 32L << 20;

    public StoreSettings {
        require("endpoint", endpoint);
        require("access key", accessKey);
        require("secret key", secretKey);
        require("region", region);
        require("bucket", bucket);
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("object store part size must be at least 5 MiB, got " + partSize);
        }
    }

    /** Settings with the default part size. */
    public StoreSettings(String endpoint, String accessKey, String secretKey, String region, String bucket) {
        this(endpoint, accessKey, secretKey, region, bucket, DEFAULT_PART_SIZE);
    }

    private static void require(String what, String value) {
        if (value == null || value.isBlank())
            throw new IllegalArgumentException("object store " + what + " is not set");
    }

    @Override
    public String toString() {
        return "StoreSettings[" + endpoint + ", bucket " + bucket + ", region " + region + "]";
    }
}
