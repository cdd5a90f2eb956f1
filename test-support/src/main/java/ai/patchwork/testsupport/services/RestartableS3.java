package ai.patchwork.testsupport.services;

import java.net.URI;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/**
 * An S3 server of one test's own (S3Proxy in process, in memory) that the test can {@link #stop()} and
 * {@link #start()} again on the same port over the same storage: an object store that goes away and comes back with
 * everything it held. Not shared; close it when done.
 */
public final class RestartableS3 implements AutoCloseable {
    private static final String ACCESS = "patchwork-test";
    private static final String SECRET = "patchwork-test-secret";

    private final BlobStore storage;
    private int port;
    private S3Proxy proxy;

    private RestartableS3(BlobStore storage) {
        this.storage = storage;
    }

    /** A new server, started on a free port. */
    public static RestartableS3 create() {
        Properties p = new Properties();
        p.setProperty("jclouds.identity", ACCESS);
        p.setProperty("jclouds.credential", SECRET);
        RestartableS3 s3 = new RestartableS3(BlobStores.create("transient", p));
        s3.start();
        return s3;
    }

    /** Starts the server: on a free port the first time, on the same port after {@link #stop()}. */
    public synchronized void start() {
        if (proxy != null) return;
        try {
            S3Proxy p = S3Proxy.builder()
                    .blobStore(storage)
                    .endpoint(URI.create("http://127.0.0.1:" + port))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET)
                    .build();
            p.start();
            while (!"STARTED".equals(p.getState())) Thread.sleep(5);
            port = p.getPort();
            proxy = p;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start S3Proxy on port " + port + ": " + e.getMessage(), e);
        }
    }

    /** Stops the server: connections are refused until {@link #start()}; the storage is kept. */
    public synchronized void stop() {
        if (proxy == null) return;
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop S3Proxy: " + e.getMessage(), e);
        }
        proxy = null;
    }

    /** Base URL, e.g. {@code http://127.0.0.1:39451}; the same across restarts. */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public String accessKey() {
        return ACCESS;
    }

    public String secretKey() {
        return SECRET;
    }

    public String region() {
        return "us-east-1";
    }

    @Override
    public void close() {
        stop();
    }
}
