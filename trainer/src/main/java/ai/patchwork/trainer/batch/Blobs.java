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

/** The job's intermediate files (tokenized data, checkpoints, the exported adapter) as content-addressed artifacts. */
final class Blobs {

  /** Writes the content produced by {@code writer}. */
  interface Writer {
    void write(OutputStream out) throws IOException;
  }

  private final Artifacts artifacts;

  Blobs(Artifacts artifacts) {
    this.artifacts = artifacts;
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
        return artifacts.put(tmp, hash).sha256();
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
