package ai.patchwork.registry.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A temporary directory for files on their way into or out of the store (an upload's parts, a checkpoint or an
 * adapter being zipped or unzipped), deleted with everything in it when closed:
 * {@code try (ScratchDir dir = ScratchDir.create("patchwork-export-")) { ... dir.path() ... }}.
 *
 * @param path the directory
 */
public record ScratchDir(Path path) implements AutoCloseable {
    public ScratchDir {
        Objects.requireNonNull(path, "path");
    }

    /** Creates a directory in the system's temporary directory, its name starting with {@code prefix}. */
    public static ScratchDir create(String prefix) throws IOException {
        return new ScratchDir(Files.createTempDirectory(prefix));
    }

    /** The path of {@code name} in the directory. */
    public Path resolve(String name) {
        return path.resolve(name);
    }

    /** Deletes the directory and its contents; what cannot be deleted is left behind (harmless in a temp folder). */
    @Override
    public void close() {
        try (Stream<Path> paths = Files.walk(path)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp folder left behind is harmless
        }
    }
}
