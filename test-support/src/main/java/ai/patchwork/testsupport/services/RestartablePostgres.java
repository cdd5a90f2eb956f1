package ai.patchwork.testsupport.services;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * An embedded PostgreSQL (zonky) of one test's own that the test can {@link #stop()} and {@link #start()} again on
 * the same port and data directory: a database server that restarts under a running application and comes back with
 * everything it held. Not shared; close it when done (the data directory is deleted).
 */
public final class RestartablePostgres implements AutoCloseable {
    private final Path data;
    private int port;
    private EmbeddedPostgres server;

    private RestartablePostgres(Path data) {
        this.data = data;
    }

    /** A new server with an empty cluster, started on a free port. */
    public static RestartablePostgres create() {
        try {
            RestartablePostgres pg = new RestartablePostgres(Files.createTempDirectory("patchwork-pg-"));
            pg.start();
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server: on a free port the first time, on the same port and data after {@link #stop()}. */
    public synchronized void start() {
        if (server != null) return;
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false);
        if (port > 0) builder.setPort(port);
        try {
            server = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL on port " + port, e);
        }
        port = server.getPort();
    }

    /** Stops the server (a fast shutdown: open connections are closed); the data stays. */
    public synchronized void stop() {
        if (server == null) return;
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop embedded PostgreSQL", e);
        }
        server = null;
    }

    /** JDBC URL of the {@code postgres} database; the same across restarts. */
    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/postgres";
    }

    public String username() {
        return "postgres";
    }

    public String password() {
        return "";
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> paths = Files.walk(data)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: left to the system
        }
    }
}
