package ai.patchwork.launcher;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

/**
 * PostgreSQL (zonky's embedded binaries) and an S3 server (S3Proxy, filesystem backend), both keeping their data
 * under one folder so that a restart finds the adapters, files and jobs of the last run. Close stops both.
 */
public final class EmbeddedServices implements AutoCloseable {

    static final String ACCESS_KEY = "patchwork";
    static final String SECRET_KEY = "patchwork-local-secret";

    private EmbeddedPostgres postgres;
    private S3Proxy s3;

    /**
     * Starts PostgreSQL unless {@code database} is false, and S3 unless {@code objectStore} is false, side by side:
     * PostgreSQL's start (initdb on a first one) runs in processes of its own, S3's in this JVM, so neither waits for
     * the other before the application can start.
     */
    public static EmbeddedServices start(Path dataDir, boolean database, boolean objectStore) throws Exception {
        EmbeddedServices services = new EmbeddedServices();
        FutureTask<S3Proxy> s3 = objectStore ? new FutureTask<>(() -> startS3(dataDir.resolve("s3"))) : null;
        if (s3 != null) Thread.ofPlatform().name("embedded-s3-start").start(s3);
        Exception failure = null;
        try {
            if (database) services.postgres = startPostgres(dataDir.resolve("postgres"));
        } catch (Exception e) {
            failure = e;
        }
        if (s3 != null) {
            try {
                services.s3 = s3.get();
            } catch (ExecutionException e) {
                Exception cause = e.getCause() instanceof Exception c ? c : e;
                if (failure == null) failure = cause;
                else failure.addSuppressed(cause);
            }
        }
        if (failure != null) {
            services.close();
            throw failure;
        }
        return services;
    }

    private static EmbeddedPostgres startPostgres(Path dir) throws IOException {
        Files.createDirectories(dir);
        return EmbeddedPostgres.builder()
                .setDataDirectory(dir)
                .setCleanDataDirectory(false)
                // Stopped by PatchworkUp after the application context closed: a job going back to the queue, a replica
                // removing its row, need the database during shutdown (zonky's own hook would race them).
                .setRegisterShutdownHook(false)
                .setServerConfig("max_connections", "100")
                .start();
    }

    private static S3Proxy startS3(Path dir) throws Exception {
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("jclouds.filesystem.basedir", dir.toAbsolutePath().toString());
        p.setProperty("jclouds.identity", ACCESS_KEY);
        p.setProperty("jclouds.credential", SECRET_KEY);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(BlobStores.create("filesystem", p))
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("the embedded S3 server did not start");
            Thread.sleep(5);
        }
        return proxy;
    }

    /** Spring properties pointing the application at these services. */
    public Map<String, String> properties() {
        Map<String, String> props = new LinkedHashMap<>();
        if (postgres != null) {
            props.put("spring.datasource.url", postgres.getJdbcUrl("postgres", "postgres"));
            props.put("spring.datasource.username", "postgres");
            props.put("spring.datasource.password", "");
        }
        if (s3 != null) {
            props.put("patchwork.s3.endpoint", "http://127.0.0.1:" + s3.getPort());
            props.put("patchwork.s3.access-key", ACCESS_KEY);
            props.put("patchwork.s3.secret-key", SECRET_KEY);
        }
        return props;
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        if (s3 != null) {
            try {
                s3.stop();
            } catch (Exception e) {
                first = e;
            }
        }
        if (postgres != null) {
            try {
                postgres.close();
            } catch (Exception e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }
}
