package ai.patchwork.api.docs;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's user documentation: the root folder holding {@code README.md}, {@code docs/} and the launcher. */
final class Docs {
    private Docs() {}

    static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("patchwork")) && Files.isDirectory(dir.resolve("docs"))) return dir;
        }
        throw new IllegalStateException("the repository root (with ./patchwork and docs/) not found above "
                + Path.of("").toAbsolutePath());
    }
}
