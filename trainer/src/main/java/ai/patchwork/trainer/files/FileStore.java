package ai.patchwork.trainer.files;

import ai.patchwork.registry.Page;
import ai.patchwork.registry.StorageUnavailableException;
import ai.patchwork.registry.store.Artifact;
import ai.patchwork.registry.store.Artifacts;
import ai.patchwork.registry.store.ContentHash;
import ai.patchwork.registry.store.ObjectStoreException;
import ai.patchwork.trainer.Ids;
import ai.patchwork.trainer.TrainerException;
import ai.patchwork.trainer.dataset.InvalidDatasetException;
import ai.patchwork.trainer.dataset.JsonlParser;
import ai.patchwork.trainer.dataset.PreferenceParser;
import ai.patchwork.trainer.dataset.PromptParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Files (OpenAI's {@code /v1/files}): bytes content-addressed in the object store through {@link Artifacts}, one
 * row per upload in {@code files}. A {@code fine-tune} upload is checked line by line before it is stored, so a bad
 * training file is refused at upload with the line and the problem. Delete is soft; the bytes are collected by the
 * registry's artifact collector once nothing references them.
 *
 * <p>Every file belongs to a project: the methods that take a {@code project} see that project's files only, so
 * another project's file is simply not found. {@link #find(String)} without a project is for workers, which read the
 * files of the jobs they run.
 */
public final class FileStore {

    /** Purposes a client may upload with (OpenAI's {@code FilePurpose}). */
    public static final Set<String> UPLOAD_PURPOSES =
            Set.of("assistants", "batch", "fine-tune", "vision", "user_data", "evals");

    /** The purpose of a training or validation file. */
    public static final String FINE_TUNE = "fine-tune";

    /** The purpose of a job's metrics CSV. */
    public static final String RESULTS = "fine-tune-results";

    /** The fine-tune formats' checks, in the order a tie is decided: supervised, reinforcement prompts, DPO pairs. */
    /** A fine-tune file format's check of a whole file, line by line with a line-length limit. */
    private interface FineTuneFormat {
        void check(InputStream in, int maxLineBytes);
    }

    private static final List<FineTuneFormat> FINE_TUNE_FORMATS =
            List.of(JsonlParser::check, PromptParser::checkShape, PreferenceParser::checkShape);

    private static final String COLUMNS =
            "id, bytes, created_at, filename, purpose, status, expires_at, artifact_sha256";

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final Artifacts artifacts;
    private final long maxBytes;
    private final int maxLineBytes;

    /**
     * @param maxBytes largest file accepted
     * @param maxLineBytes longest line of a {@code fine-tune} file, at upload and when a job reads it
     */
    public FileStore(DataSource dataSource, Artifacts artifacts, long maxBytes, int maxLineBytes) {
        if (maxBytes < 1 || maxLineBytes < 1) throw new IllegalArgumentException("limits must be positive");
        this.jdbc = JdbcClient.create(dataSource);
        this.tx = new TransactionTemplate(new JdbcTransactionManager(dataSource));
        this.artifacts = artifacts;
        this.maxBytes = maxBytes;
        this.maxLineBytes = maxLineBytes;
    }

    /** The longest line of a {@code fine-tune} file. */
    public int maxLineBytes() {
        return maxLineBytes;
    }

    /**
     * Stores an upload.
     *
     * @param content the bytes, on local disk
     * @param expiresAfter how long the file stays available, or null for ever
     * @throws TrainerException for an unknown purpose, an empty or too large file, or a {@code fine-tune} file that is
     *     not valid JSONL training data (naming the line)
     */
    public FileObject upload(String project, String purpose, String filename, Path content, Duration expiresAfter) {
        if (purpose == null || purpose.isBlank())
            throw TrainerException.invalid("purpose", "missing_purpose", "purpose is required");
        if (!UPLOAD_PURPOSES.contains(purpose)) {
            throw TrainerException.invalid(
                    "purpose",
                    "invalid_purpose",
                    "purpose '" + purpose + "' is not one of "
                            + String.join(
                                    ", ", UPLOAD_PURPOSES.stream().sorted().toList()));
        }
        String name = filename == null || filename.isBlank() ? "upload" : filename;
        if (name.length() > 512)
            throw TrainerException.invalid("file", "invalid_filename", "the file name is longer than 512 characters");
        long size = size(content);
        if (size > maxBytes) {
            throw new TrainerException(
                    TrainerException.Reason.TOO_LARGE,
                    "file",
                    "file_too_large",
                    "the file is " + size + " bytes, more than the limit of " + maxBytes);
        }
        String status = "uploaded";
        Integer examples = null;
        if (purpose.equals(FINE_TUNE)) {
            if (size == 0)
                throw TrainerException.invalid(
                        "file",
                        "invalid_file_format",
                        "the file is empty: a fine-tune file " + "needs at least one JSONL example");
            checkFineTuneFile(content, name);
            examples = records(content);
            status = "processed";
        }
        return store(project, purpose, name, content, status, expiresAfter, examples);
    }

    /**
     * A fine-tune file holds supervised examples (chat or prompt/completion), preference pairs (DPO) or reinforcement
     * prompts (conversations ending with the user's turn, plus fields for the grader). When it is none, the error
     * describes the format that got furthest into the file (supervised on a tie).
     */
    private void checkFineTuneFile(Path content, String name) {
        InvalidDatasetException shown = null;
        for (FineTuneFormat format : FINE_TUNE_FORMATS) {
            try (InputStream in = Files.newInputStream(content)) {
                format.check(in, maxLineBytes);
                return;
            } catch (InvalidDatasetException e) {
                if (shown == null || e.firstLine() > shown.firstLine()) shown = e;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw TrainerException.invalid(
                "file", "invalid_file_format", "invalid fine-tune file '" + name + "': " + shown.getMessage());
    }

    /**
     * Stores a file a job produced (its results), without validation, in the job's project. Storing the same content
     * under the same name again returns the file stored before: a step that runs again after its worker died leaves
     * one file, not two.
     */
    public FileObject storeOutput(String jobId, String purpose, String filename, byte[] content) {
        String project = jdbc.sql("SELECT project_id FROM fine_tuning_jobs WHERE id = ?")
                .param(jobId)
                .query(String.class)
                .optional()
                .orElseThrow(() -> new IllegalArgumentException("no fine-tuning job '" + jobId + "'"));
        try {
            Path tmp = Files.createTempFile("patchwork-file-", ".bin");
            try {
                Files.write(tmp, content);
                Optional<FileObject> stored = jdbc.sql("SELECT " + COLUMNS + " FROM files WHERE project_id = ? "
                                + "AND purpose = ? AND filename = ? AND artifact_sha256 = ? AND status <> 'deleted' "
                                + "ORDER BY seq LIMIT 1")
                        .params(project, purpose, filename, ContentHash.of(tmp).sha256())
                        .query(FileStore::row)
                        .optional();
                if (stored.isPresent()) return stored.get();
                return store(project, purpose, filename, tmp, "processed", null, null);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The non-blank lines of a validated JSONL file: its examples, preference pairs or prompts. */
    private static int records(Path content) {
        try (var lines = Files.lines(content, StandardCharsets.UTF_8)) {
            return (int)
                    Math.min(Integer.MAX_VALUE, lines.filter(l -> !l.isBlank()).count());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * How many examples (JSONL records) a fine-tune file holds, counted when it was uploaded; empty for other files
     * and for files uploaded before the count was kept.
     */
    public OptionalInt examples(String id) {
        Integer n = jdbc.sql("SELECT examples FROM files WHERE id = ?")
                .param(id)
                .query(Integer.class)
                .optional()
                .orElse(null);
        return n == null ? OptionalInt.empty() : OptionalInt.of(n);
    }

    private FileObject store(
            String project,
            String purpose,
            String filename,
            Path content,
            String status,
            Duration expiresAfter,
            Integer examples) {
        ContentHash hash = ContentHash.of(content);
        Artifact artifact;
        try {
            artifact = artifacts.put(content, hash);
        } catch (ObjectStoreException e) {
            throw new StorageUnavailableException(e);
        }
        String id = Ids.next("file-");
        Timestamp expires =
                expiresAfter == null ? null : Timestamp.from(Instant.now().plus(expiresAfter));
        return tx.execute(s -> {
            artifacts.markReferenced(artifact.sha256());
            return jdbc.sql(
                            "INSERT INTO files (id, project_id, purpose, filename, bytes, artifact_sha256, status, expires_at, "
                                    + "examples) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING " + COLUMNS)
                    .params(id, project, purpose, filename, hash.size(), artifact.sha256(), status, expires, examples)
                    .query(FileStore::row)
                    .single();
        });
    }

    /** The file in any project, unless it does not exist, was deleted or has expired: for workers. */
    public Optional<FileObject> find(String id) {
        if (id == null) return Optional.empty();
        return jdbc.sql("SELECT " + COLUMNS + " FROM files WHERE id = ? AND status <> 'deleted' "
                        + "AND (expires_at IS NULL OR expires_at > now())")
                .param(id)
                .query(FileStore::row)
                .optional();
    }

    /** The project's file, unless it does not exist, is another project's, was deleted or has expired. */
    public Optional<FileObject> find(String project, String id) {
        if (id == null) return Optional.empty();
        return jdbc.sql("SELECT " + COLUMNS + " FROM files WHERE id = ? AND project_id = ? AND status <> 'deleted' "
                        + "AND (expires_at IS NULL OR expires_at > now())")
                .params(id, project)
                .query(FileStore::row)
                .optional();
    }

    /** The project's file, or a 404 naming {@code param}. */
    public FileObject get(String project, String id, String param) {
        return find(project, id)
                .orElseThrow(() -> TrainerException.notFound(param, "file_not_found", "no file '" + id + "'"));
    }

    /**
     * Files newest first (or oldest first with {@code ascending}), optionally of one purpose, after a cursor.
     */
    public Page<FileObject> list(String project, String purpose, int limit, String after, boolean ascending) {
        if (limit < 1 || limit > 10_000)
            throw TrainerException.invalid("limit", "invalid_limit", "limit must be between 1 and 10000");
        Long afterSeq = null;
        if (after != null) {
            afterSeq = jdbc.sql("SELECT seq FROM files WHERE id = ? AND project_id = ?")
                    .params(after, project)
                    .query(Long.class)
                    .optional()
                    .orElseThrow(() ->
                            TrainerException.invalid("after", "invalid_cursor", "after: no file '" + after + "'"));
        }
        String cmp = ascending ? ">" : "<";
        List<FileObject> rows = jdbc.sql(
                        "SELECT " + COLUMNS + " FROM files WHERE project_id = ? AND status <> 'deleted' "
                                + "AND (expires_at IS NULL OR expires_at > now()) AND (?::text IS NULL OR purpose = ?) "
                                + "AND (?::bigint IS NULL OR seq " + cmp + " ?) ORDER BY seq "
                                + (ascending ? "ASC" : "DESC") + " LIMIT ?")
                .params(project, purpose, purpose, afterSeq, afterSeq, limit + 1)
                .query(FileStore::row)
                .list();
        return Page.of(rows, limit);
    }

    /** Soft-deletes one of the project's files; 404 if it does not exist there. */
    public FileObject delete(String project, String id) {
        FileObject f = get(project, id, "file_id");
        jdbc.sql("UPDATE files SET status = 'deleted', deleted_at = now() WHERE id = ? AND status <> 'deleted'")
                .param(id)
                .update();
        return f;
    }

    /** The file's bytes; reading to the end throws if they do not match the stored hash. */
    public InputStream open(FileObject file) {
        Artifact a = artifacts
                .find(file.sha256())
                .orElseThrow(() -> TrainerException.notFound(
                        "file_id", "file_not_found", "the content of file '" + file.id() + "' is no longer stored"));
        try {
            return artifacts.open(a);
        } catch (ObjectStoreException e) {
            throw new StorageUnavailableException(e);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileObject row(ResultSet rs, int i) throws SQLException {
        Timestamp expires = rs.getTimestamp("expires_at");
        return new FileObject(
                rs.getString("id"),
                rs.getLong("bytes"),
                rs.getTimestamp("created_at").toInstant(),
                rs.getString("filename"),
                rs.getString("purpose"),
                rs.getString("status"),
                expires == null ? null : expires.toInstant(),
                rs.getString("artifact_sha256"));
    }
}
