package ai.patchwork.registry.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Content-addressed blobs: the object {@code sha256/<hex>} in the bucket plus a row in the {@code artifacts} table.
 *
 * <p>Protocol against the garbage collector: {@link #put} first touches the row ({@code last_referenced_at = now()}),
 * so a collection that starts later leaves it alone for the grace period, and only then checks and uploads the object.
 * An upload may take longer than the grace period, so {@code put} ends by locking the row, checking that the object
 * is there and touching the row again, uploading once more if a collection removed it meanwhile: when {@code put}
 * returns, the object exists and the row is fresh for another grace period. The caller then inserts its referencing
 * row and calls {@link #markReferenced} in the same transaction.
 *
 * <p>Expired files are garbage like deleted ones; the artifacts of a fine-tuning job that has not finished are not.
 */
public final class Artifacts {
    /** Key prefix of every artifact object. */
    public static final String KEY_PREFIX = "sha256/";

    private static final Logger log = LoggerFactory.getLogger(Artifacts.class);
    private static final int GC_BATCH = 100;

    // An artifact is live while a row that is not deleted references it: an adapter, a file that has not expired, a
    // checkpoint, or a fine-tuning job that has not finished (what it stored for itself, and its training and
    // validation files even if the client deleted them).
    private static final String UNREFERENCED = """
      NOT EXISTS (SELECT 1 FROM adapters r WHERE r.artifact_sha256 = a.sha256 AND r.status <> 'deleted')
      AND NOT EXISTS (SELECT 1 FROM files r WHERE r.artifact_sha256 = a.sha256 AND r.status <> 'deleted'
                      AND (r.expires_at IS NULL OR r.expires_at > now()))
      AND NOT EXISTS (SELECT 1 FROM fine_tuning_checkpoints r WHERE r.artifact_sha256 = a.sha256)
      AND NOT EXISTS (SELECT 1 FROM fine_tuning_job_artifacts r JOIN fine_tuning_jobs j ON j.id = r.job_id
                      WHERE r.artifact_sha256 = a.sha256 AND j.status NOT IN ('succeeded', 'failed', 'cancelled'))
      AND NOT EXISTS (SELECT 1 FROM files f JOIN fine_tuning_jobs j
                        ON j.training_file = f.id OR j.validation_file = f.id
                      WHERE f.artifact_sha256 = a.sha256 AND j.status NOT IN ('succeeded', 'failed', 'cancelled'))""";

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final ObjectStore store;

    public Artifacts(DataSource dataSource, ObjectStore store) {
        this.jdbc = JdbcClient.create(dataSource);
        this.tx = new TransactionTemplate(new JdbcTransactionManager(dataSource));
        this.store = store;
    }

    /** The underlying store. */
    public ObjectStore store() {
        return store;
    }

    /**
     * Stores {@code file}, whose content is {@code hash}, unless an identical object is already stored; a new object
     * is uploaded once and its stored length checked before this returns.
     */
    public Artifact put(Path file, ContentHash hash) {
        String key = KEY_PREFIX + hash.sha256();
        Artifact artifact = new Artifact(hash.sha256(), hash.size(), key);
        jdbc.sql("""
        INSERT INTO artifacts (sha256, object_key, size_bytes) VALUES (?, ?, ?)
        ON CONFLICT (sha256) DO UPDATE SET last_referenced_at = now()""").params(hash.sha256(), key, hash.size()).update();
        for (int attempt = 1; ; attempt++) {
            OptionalLong stored = store.size(key);
            if (stored.isEmpty() || stored.getAsLong() != hash.size()) upload(file, artifact);
            if (Boolean.TRUE.equals(tx.execute(s -> confirm(artifact)))) return artifact;
            if (attempt == 3)
                throw new ObjectStoreException("object " + key + " was collected during every upload", null);
            log.info("artifact {} was collected while it was being uploaded; uploading it again", key);
        }
    }

    /**
     * Uploads once, hashing the bytes as they are sent, with no read-back: {@link #confirm} checks the stored length,
     * and readers verify the sha256 as they read ({@link #open}). Bytes that are not the artifact's (the file changed
     * since it was hashed) are removed again.
     */
    private void upload(Path file, Artifact artifact) {
        MessageDigest md = ContentHash.sha256Digest();
        String sent;
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            store.put(artifact.objectKey(), in, artifact.sizeBytes());
            in.transferTo(OutputStream.nullOutputStream()); // whatever the store did not read, if the file grew
            sent = HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new ObjectStoreException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (!sent.equals(artifact.sha256()) || sizeOf(file) != artifact.sizeBytes()) {
            store.remove(artifact.objectKey());
            throw new ObjectStoreException(
                    "stored object " + artifact.objectKey() + " failed verification and was removed: " + file
                            + " holds sha256 " + sent + ", not " + artifact.sha256(),
                    null);
        }
    }

    /** Key prefix of the objects {@link #roundTrip} writes and removes again: never an artifact's. */
    public static final String ROUND_TRIP_PREFIX = "warm-up/";

    /**
     * Uploads {@code file}, whose content is {@code hash}, as {@link #put} does but under a key of its own outside
     * {@link #KEY_PREFIX} ({@code warm-up/<random>}), reads it back as {@link #open} does (sha256 verified) and removes
     * it: the store's write and read paths run once, with no row written and no object left. For the start-up warm-up,
     * so that the first upload and the first load do not run these paths interpreted.
     *
     * @return the bytes read back
     */
    public byte[] roundTrip(Path file, ContentHash hash) {
        if (hash.size() > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("too large to read back: " + hash);
        Artifact scratch = new Artifact(hash.sha256(), hash.size(), ROUND_TRIP_PREFIX + UUID.randomUUID());
        try {
            upload(file, scratch);
            if (store.size(scratch.objectKey()).orElse(-1) != hash.size())
                throw new ObjectStoreException("object " + scratch.objectKey() + " was not stored whole", null);
            try (InputStream in = open(scratch)) {
                byte[] bytes = new byte[(int) hash.size()];
                if (in.readNBytes(bytes, 0, bytes.length) < bytes.length || in.read() >= 0)
                    throw new IOException("object " + scratch.objectKey() + " is not the length sent");
                return bytes;
            } catch (IOException e) {
                throw new ObjectStoreException("cannot read back " + scratch.objectKey() + ": " + e.getMessage(), e);
            }
        } finally {
            store.remove(scratch.objectKey());
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * With the row locked (a collection holds the lock while it removes the object): true, and the row touched, when
     * the object is stored; false when a collection removed it.
     */
    private boolean confirm(Artifact artifact) {
        jdbc.sql("SELECT sha256 FROM artifacts WHERE sha256 = ? FOR UPDATE")
                .param(artifact.sha256())
                .query(String.class)
                .single();
        OptionalLong stored = store.size(artifact.objectKey());
        if (stored.isEmpty() || stored.getAsLong() != artifact.sizeBytes()) return false;
        jdbc.sql("UPDATE artifacts SET last_referenced_at = now(), collected_at = NULL WHERE sha256 = ?")
                .param(artifact.sha256())
                .update();
        return true;
    }

    /**
     * Marks the artifact referenced and not collected; call it in the transaction that inserts the referencing row.
     */
    public void markReferenced(String sha256) {
        jdbc.sql("UPDATE artifacts SET collected_at = NULL, last_referenced_at = now() WHERE sha256 = ?")
                .param(sha256)
                .update();
    }

    /** The artifact with this sha256, if one was ever stored and is not collected. */
    public Optional<Artifact> find(String sha256) {
        return jdbc.sql(
                        "SELECT sha256, size_bytes, object_key FROM artifacts WHERE sha256 = ? AND collected_at IS NULL")
                .param(sha256)
                .query((rs, i) -> new Artifact(rs.getString(1), rs.getLong(2), rs.getString(3)))
                .optional();
    }

    /** The artifact's bytes; reading to the end throws an {@link IOException} if they are not its content. */
    public InputStream open(Artifact artifact) {
        return new VerifyingInputStream(
                store.get(artifact.objectKey()), artifact.hash(), "object " + artifact.objectKey());
    }

    /**
     * Removes the objects of artifacts that nothing live references and that were last referenced more than
     * {@code grace} ago, and marks them collected. Safe to run on several replicas at once (rows are claimed with
     * {@code FOR UPDATE SKIP LOCKED}).
     */
    public GcReport collectGarbage(Duration grace) {
        if (grace.isNegative()) throw new IllegalArgumentException("grace must not be negative");
        int collected = 0;
        int failed = 0;
        long bytes = 0;
        while (true) {
            GcReport batch = tx.execute(status -> collectBatch(grace));
            collected += batch.collected();
            bytes += batch.bytesFreed();
            failed += batch.failed();
            if (batch.collected() + batch.failed() < GC_BATCH || batch.collected() == 0) break;
        }
        int aborted = abortStaleUploads(grace);
        if (collected > 0 || failed > 0 || aborted > 0) {
            log.info(
                    "artifact GC: collected {} ({} bytes), {} failed, {} incomplete uploads aborted",
                    collected,
                    bytes,
                    failed,
                    aborted);
        }
        return new GcReport(collected, bytes, failed, aborted);
    }

    /**
     * Aborts the bucket's multipart uploads begun more than {@code grace} ago and never completed: the parts of a
     * process that died mid-upload, which take space no listing of objects shows. An upload still running after the
     * grace period fails and its caller's retry starts it again.
     */
    private int abortStaleUploads(Duration grace) {
        Instant cutoff = Instant.now().minus(grace);
        int aborted = 0;
        try {
            for (ObjectStore.PendingUpload u : store.pendingUploads()) {
                if (!u.initiated().isBefore(cutoff)) break; // oldest first
                try {
                    store.abort(u);
                    aborted++;
                } catch (ObjectStoreException e) {
                    log.warn("artifact GC: cannot abort the upload of {}: {}", u.key(), e.getMessage());
                }
            }
        } catch (ObjectStoreException e) {
            log.warn("artifact GC: cannot list incomplete uploads: {}", e.getMessage());
        }
        return aborted;
    }

    private GcReport collectBatch(Duration grace) {
        List<Artifact> candidates = jdbc.sql("""
        SELECT a.sha256, a.size_bytes, a.object_key FROM artifacts a
        WHERE a.collected_at IS NULL AND a.last_referenced_at < now() - make_interval(secs => ?)
          AND %s
        ORDER BY a.last_referenced_at
        LIMIT %d
        FOR UPDATE SKIP LOCKED""".formatted(UNREFERENCED, GC_BATCH))
                .param(grace.toMillis() / 1000.0)
                .query((rs, i) -> new Artifact(rs.getString(1), rs.getLong(2), rs.getString(3)))
                .list();
        int collected = 0;
        int failed = 0;
        long bytes = 0;
        for (Artifact a : candidates) {
            try {
                store.remove(a.objectKey());
                jdbc.sql("UPDATE artifacts SET collected_at = now() WHERE sha256 = ?")
                        .param(a.sha256())
                        .update();
                collected++;
                bytes += a.sizeBytes();
            } catch (ObjectStoreException e) {
                log.warn("artifact GC: cannot remove {}: {}", a.objectKey(), e.getMessage());
                failed++;
            }
        }
        return new GcReport(collected, bytes, failed, 0);
    }
}
