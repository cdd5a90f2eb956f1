package ai.patchwork.model.cli;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.LoraMerge;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./patchwork merge}: folds a PEFT LoRA adapter into its base model (W' = W + s·B·A) and writes one
 * standalone Hugging Face folder, for runtimes that cannot load adapters. Serving never merges.
 */
@Command(
        name = "merge",
        mixinStandardHelpOptions = true,
        description = "Merge a PEFT LoRA adapter into its base model and write a standalone Hugging Face model folder.")
public final class MergeCommand implements Callable<Integer> {

    @Mixin
    ModelFolder model = new ModelFolder();

    @Option(names = "--adapter", required = true, description = "PEFT adapter folder")
    Path adapter;

    @Option(names = "--out", required = true, description = "output folder; must not exist or be empty")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Path model = this.model.path();
        if (!Files.isDirectory(adapter)) throw new IllegalArgumentException("adapter folder not found: " + adapter);
        if (!isEmptyOrAbsent(out)) throw new IllegalArgumentException("output folder is not empty: " + out);
        ModelConfig config = ModelConfig.load(model);
        AdapterWeights weights = AdapterWeights.load(adapter.getFileName().toString(), adapter, config);
        LoraMerge.export(model, weights, out);
        spec.commandLine().getOut().println("merged " + adapter + " into " + model + ": " + out);
        return 0;
    }

    private static boolean isEmptyOrAbsent(Path dir) {
        if (!Files.exists(dir)) return true;
        if (!Files.isDirectory(dir)) return false;
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
