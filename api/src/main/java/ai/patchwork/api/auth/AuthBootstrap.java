package ai.patchwork.api.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The keys an installation starts with, installed by the api role under an advisory lock (several api replicas may
 * start at once): the bootstrap admin key or a generated one, the bootstrap project key, and the default project's
 * key of {@code ./patchwork up}.
 */
final class AuthBootstrap {
    private static final Logger log = LoggerFactory.getLogger(AuthBootstrap.class);
    private static final long LOCK = 0x7061746368L; // "patch"

    private AuthBootstrap() {}

    static void run(DataSource dataSource, KeyStore keys, AuthProperties p) {
        TransactionTemplate tx = new TransactionTemplate(new JdbcTransactionManager(dataSource));
        JdbcClient jdbc = JdbcClient.create(dataSource);
        tx.executeWithoutResult(s -> {
            jdbc.sql("SELECT pg_advisory_xact_lock(?)").param(LOCK).query().singleValue();
            adminKey(keys, p);
            if (p.bootstrapProjectKey() != null && !keys.exists(p.bootstrapProjectKey())) {
                keys.insert(p.bootstrapProjectKey(), Project.DEFAULT, "bootstrap", Caller.Permission.ALL);
                log.info("installed the bootstrap project key into project {}", Project.DEFAULT);
            }
            if (p.projectKeyFile() != null) projectKey(keys, p.projectKeyFile());
        });
    }

    private static void adminKey(KeyStore keys, AuthProperties p) {
        if (keys.hasAdminKey()) return;
        if (p.bootstrapAdminKey() != null) {
            if (!keys.exists(p.bootstrapAdminKey())) {
                keys.insert(p.bootstrapAdminKey(), null, "bootstrap", Caller.Permission.ADMIN);
            }
            log.info("installed the bootstrap admin key (patchwork.auth.bootstrap-admin-key)");
            return;
        }
        ApiKey.Created admin = keys.create(null, "generated", Caller.Permission.ADMIN);
        writeSecret(p.adminKeyFile(), admin.secret());
        System.out.println("patchwork: generated the admin key " + admin.secret() + " (shown once; also in "
                + p.adminKeyFile().toAbsolutePath()
                + ", mode 0600). It manages projects and keys at /v1/organization.");
    }

    /** Keeps a working default-project key in {@code file}: an existing one if it still authenticates, else a new one. */
    private static void projectKey(KeyStore keys, Path file) {
        try {
            if (Files.exists(file)) {
                String secret = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (Secrets.wellFormed(secret)
                        && keys.authenticate(Secrets.hash(secret)).isPresent()) return;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ApiKey.Created key = keys.create(Project.DEFAULT, "default", Caller.Permission.ALL);
        writeSecret(file, key.secret());
        log.info("created a key for project {}, written to {}", Project.DEFAULT, file);
    }

    /** Writes a secret to a file only its owner can read (0600 where the file system has POSIX permissions). */
    static void writeSecret(Path file, String secret) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".key-", ".tmp");
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the directory's permissions protect it
            }
            Files.writeString(tmp, secret + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
