package ai.patchwork.model.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --model} option of a command that reads a Hugging Face model folder. */
final class ModelFolder {

    @Option(names = "--model", required = true, description = "Hugging Face model folder (config.json, safetensors)")
    Path model;

    /** The folder, checked to exist. */
    Path path() {
        if (!Files.isDirectory(model)) throw new IllegalArgumentException("model folder not found: " + model);
        return model;
    }
}
