package ai.patchwork.trainer.batch;

import ai.patchwork.registry.store.Artifact;
import ai.patchwork.registry.store.Artifacts;
import ai.patchwork.registry.store.ContentHash;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The job's intermediate files (tokenized data, checkpoints, the exported adapter) as content-addressed artifacts.
 * Each is referenced by the running job as it is stored, so the collector keeps it until the job has finished, however
 * long the job waits in the queue or trains.
 *
 * @param retry the retry policy of this job's object store calls
 */
record Blobs(Artifacts artifacts, JobRun run, JdbcClient jdbc, StoreRetry retry) {

    /** Writes the content produced by {@code writer}. */
    interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Reads an artifact's bytes. */
    interface Reader<T> {
        T read(InputStream in) throws IOException;
    }

    /**
     * Stores what {@code writer} writes; returns its sha256. While the store is unreachable the upload is retried
     * ({@link StoreRetry}).
     *
     * @param what what is stored, for the job's error if the store stays unreachable ("a checkpoint")
     */
    String put(String what, Writer writer) {
        try {
            Path tmp = Files.createTempFile("patchwork-blob-", ".bin");
            try {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    writer.write(out);
                }
                ContentHash hash = ContentHash.of(tmp);
                String sha = retry.call("storing " + what, () -> artifacts.put(tmp, hash))
                        .sha256();
                jdbc.sql(
                                "INSERT INTO fine_tuning_job_artifacts (job_id, artifact_sha256) VALUES (?, ?) ON CONFLICT DO NOTHING")
                        .params(run.jobId(), sha)
                        .update();
                return sha;
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads the artifact with {@code reader}, again from the start while the store is unreachable; touching it keeps it
     * from being collected for a while.
     *
     * @param what what is read, for errors ("the final checkpoint")
     * @throws IllegalStateException when the artifact is gone (collected)
     */
    <T> T read(String sha256, String what, Reader<T> reader) {
        Optional<Artifact> a = sha256 == null ? Optional.empty() : artifacts.find(sha256);
        Artifact artifact = a.orElseThrow(() -> new IllegalStateException(what + " " + sha256 + " is gone"));
        artifacts.markReferenced(artifact.sha256());
        return retry.call("reading " + what, () -> {
            try (InputStream in = artifacts.open(artifact)) {
                return reader.read(in);
            }
        });
    }
}
