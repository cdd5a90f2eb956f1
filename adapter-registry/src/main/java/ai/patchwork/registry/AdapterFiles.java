package ai.patchwork.registry;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The files of an adapter upload, on local disk: either the two PEFT files, or one archive that holds them (at its
 * top or inside one folder). File names are the client's names, used for messages and to recognise pickles.
 */
public sealed interface AdapterFiles {

    /**
     * {@code adapter_config.json} and {@code adapter_model.safetensors} as separate files.
     *
     * @param scan what a pass over the weights found as they were received and written to {@code weights}, or null
     *     for the registry to read them once itself
     */
    record Peft(Path config, Path weights, String weightsFilename, WeightsScan scan) implements AdapterFiles {
        public Peft {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(weights, "weights");
            weightsFilename = weightsFilename == null || weightsFilename.isBlank()
                    ? "adapter_model.safetensors"
                    : weightsFilename;
        }

        public Peft(Path config, Path weights, String weightsFilename) {
            this(config, weights, weightsFilename, null);
        }
    }

    /** A {@code .zip} or {@code .tar.gz} holding the PEFT files. */
    record Archive(Path file, String filename) implements AdapterFiles {
        public Archive {
            Objects.requireNonNull(file, "file");
            filename =
                    filename == null || filename.isBlank() ? file.getFileName().toString() : filename;
        }
    }

    /** A PEFT folder as {@code save_pretrained} writes it. */
    static AdapterFiles folder(Path dir) {
        return new Peft(
                dir.resolve("adapter_config.json"),
                dir.resolve("adapter_model.safetensors"),
                "adapter_model.safetensors");
    }
}
