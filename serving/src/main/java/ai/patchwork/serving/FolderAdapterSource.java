package ai.patchwork.serving;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Adapters as PEFT folders under one root: id {@code x} is {@code root/x/}. Ids are checked so they cannot escape
 * the root. Rewriting a folder and calling {@link AdapterCache#invalidate} publishes a new version.
 *
 * @param root the folder holding one subfolder per adapter
 */
public record FolderAdapterSource(Path root) implements AdapterSource {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]*");

    public FolderAdapterSource {
        if (root == null) throw new IllegalArgumentException("root is required");
        root = root.toAbsolutePath().normalize();
    }

    @Override
    public AdapterWeights load(String adapterId, ModelConfig base) {
        if (!ID.matcher(adapterId).matches() || adapterId.contains("..")) {
            throw new AdapterNotFoundException(adapterId, "(not a valid folder name)");
        }
        Path dir = root.resolve(adapterId);
        if (!Files.isDirectory(dir)) throw new AdapterNotFoundException(adapterId, root.toString());
        return AdapterWeights.load(adapterId, dir, base);
    }
}
