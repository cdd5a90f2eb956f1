package ai.patchwork.trainer.files;

import java.time.Instant;
import java.util.Objects;

/**
 * A stored file (OpenAI's {@code file} object).
 *
 * @param id {@code file-…}
 * @param bytes its size
 * @param createdAt when it was uploaded
 * @param filename the client's file name
 * @param purpose {@code fine-tune}, {@code fine-tune-results}, …
 * @param status {@code processed} (a validated training file), {@code uploaded} or {@code error}
 * @param expiresAt when it stops being available, or null
 * @param sha256 the artifact holding its bytes
 */
public record FileObject(
        String id,
        long bytes,
        Instant createdAt,
        String filename,
        String purpose,
        String status,
        Instant expiresAt,
        String sha256) {

    public FileObject {
        if (bytes < 0) throw new IllegalArgumentException("bytes must not be negative");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(purpose, "purpose");
        Objects.requireNonNull(status, "status");
    }
}
