package ai.patchwork.testsupport.services;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * One real PostgreSQL server per JVM: a Testcontainers {@code postgres:17-alpine} when Docker works, otherwise an
 * embedded PostgreSQL 17 (zonky) on a random port. Started on first use and stopped when the JVM exits.
 *
 * @param host the server's host
 * @param port its port
 * @param database the default database
 * @param username the user tests connect as
 * @param password that user's password
 * @param backend what runs the server, e.g. "embedded PostgreSQL (zonky)"
 */
public record TestPostgres(String host, int port, String database, String username, String password, String backend) {
    private static final String IMAGE = "postgres:17-alpine";
    private static final AtomicInteger DATABASES = new AtomicInteger(); // numbers the databases createDatabase makes
    private static TestPostgres shared;

    public TestPostgres {
        if (host == null || database == null || username == null || password == null || backend == null)
            throw new IllegalArgumentException(
                    "host, database, username, password (may be empty) and backend are required");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port " + port + " is not a TCP port");
    }

    /** The server of this JVM, started on the first call. */
    public static synchronized TestPostgres shared() {
        if (shared == null) {
            shared = Docker.start(
                    "test PostgreSQL",
                    () -> new PostgreSQLContainer(IMAGE),
                    c -> new TestPostgres(
                            c.getHost(),
                            c.getMappedPort(5432),
                            c.getDatabaseName(),
                            c.getUsername(),
                            c.getPassword(),
                            "Testcontainers " + IMAGE),
                    TestPostgres::embedded,
                    s -> s.backend + " on port " + s.port);
        }
        return shared;
    }

    /** JDBC URL of the default database. */
    public String jdbcUrl() {
        return jdbcUrl(database);
    }

    /** JDBC URL of {@code databaseName} on this server. */
    public String jdbcUrl(String databaseName) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + databaseName;
    }

    /** An unpooled data source on the default database. */
    public DataSource dataSource() {
        return dataSource(database);
    }

    /** An unpooled data source on {@code databaseName}. */
    public DataSource dataSource(String databaseName) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(jdbcUrl(databaseName));
        ds.setUser(username);
        ds.setPassword(password);
        return ds;
    }

    /** Creates an empty database named {@code prefix_<n>} and returns its name. */
    public String createDatabase(String prefix) {
        String name = prefix.toLowerCase().replaceAll("[^a-z0-9_]", "_") + "_" + DATABASES.incrementAndGet();
        try (Connection c = dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name + ": " + e.getMessage(), e);
        }
        return name;
    }

    private static TestPostgres embedded() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setServerConfig("max_connections", "200")
                    .setRegisterShutdownHook(false) // stopped by StopAtExit, after the contexts
                    .start();
            StopAtExit.register("PostgreSQL", pg);
            return new TestPostgres(
                    "localhost", pg.getPort(), "postgres", "postgres", "", "embedded PostgreSQL (zonky)");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
        }
    }
}
