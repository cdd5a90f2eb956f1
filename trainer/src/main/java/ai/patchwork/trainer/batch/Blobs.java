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
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The job's intermediate files (tokenized data, checkpoints, the exported adapter) as content-addressed artifacts.
 * Each is referenced by the running job as it is stored, so the collector keeps it until the job has finished, however
 * long the job waits in the queue or trains.
 */
final class Blobs {

    /** Writes the content produced by {@code writer}. */
    interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private final Artifacts artifacts;
    private final JobRun run;
    private final JdbcClient jdbc;

    Blobs(Artifacts artifacts, JobRun run, DataSource dataSource) {
        this.artifacts = artifacts;
        this.run = run;
        this.jdbc = JdbcClient.create(dataSource);
    }

    /** Stores what {@code writer} writes; returns its sha256. */
    String put(Writer writer) {
        try {
            Path tmp = Files.createTempFile("patchwork-blob-", ".bin");
            try {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    writer.write(out);
                }
                ContentHash hash = ContentHash.of(tmp);
                String sha = artifacts.put(tmp, hash).sha256();
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

    /** The artifact's bytes, or empty when it was collected; touching it keeps it from being collected for a while. */
    Optional<InputStream> open(String sha256) {
        Optional<Artifact> a = sha256 == null ? Optional.empty() : artifacts.find(sha256);
        a.ifPresent(x -> artifacts.markReferenced(x.sha256()));
        return a.map(artifacts::open);
    }
}
