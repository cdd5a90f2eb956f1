package ai.patchwork.bench.serve;

import ai.patchwork.bench.BenchModels;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.fixture.TinyAdapterSpec;
import ai.patchwork.model.fixture.TinyAdapterWriter;
import ai.patchwork.model.fixture.TinyModelWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * The checkpoint and PEFT adapters a sized {@code bench serve} run serves: a generated model of a named shape
 * ({@link BenchModels}) or a user's Hugging Face folder, and rank-r adapters on all seven projections, adapter i
 * seeded with 1000 + i. Generated files are kept in a cache folder and reused by later runs; a folder counts only once
 * its {@value #COMPLETE} marker is written, so an interrupted generation is redone.
 *
 * @param id the base model's id on the server
 * @param model the Hugging Face model folder
 * @param config its config
 * @param adapters PEFT folders
 * @param generatedSeconds seconds spent writing files in this run (0 when everything was reused)
 */
record BenchCheckpoint(String id, Path model, ModelConfig config, List<Path> adapters, double generatedSeconds) {

    static final String COMPLETE = ".complete";

    /** The options that choose the checkpoint and its adapters, mixed into {@link SizedServeBench}. */
    static final class Options {
        static final class Checkpoint {
            @Option(
                    names = "--model-shape",
                    required = true,
                    description = "generate a checkpoint of this shape: tinyllama-1.1b, llama-7b (or 3.4M, hidden1024)")
            String shape;

            @Option(names = "--model", required = true, description = "a Hugging Face model folder to serve instead")
            Path dir;
        }

        @ArgGroup(multiplicity = "1")
        Checkpoint checkpoint;

        @Option(
                names = "--cache-dir",
                description = "where generated checkpoints and adapters are kept and reused "
                        + "(default: $XDG_CACHE_HOME/patchwork/bench or ~/.cache/patchwork/bench)")
        Path cacheDir;

        @Option(names = "--adapters", defaultValue = "16", description = "PEFT adapters registered and used")
        int adapters;

        @Option(names = "--rank", defaultValue = "8", description = "their rank, on all seven projections")
        int rank;

        /** The generated shape asked for, or null for a user's folder. */
        String shape() {
            return checkpoint.shape;
        }

        /** The checkpoint, generated (or found) in the cache folder, or the user's, with its adapters. */
        BenchCheckpoint resolve() {
            if (adapters < 1 || rank < 1)
                throw new IllegalArgumentException("--adapters and --rank must be at least 1");
            Path cache = cacheDir != null ? cacheDir : defaultCache();
            return checkpoint.shape != null
                    ? generated(checkpoint.shape, cache, adapters, rank)
                    : existing(checkpoint.dir, cache, adapters, rank);
        }

        private static Path defaultCache() {
            String xdg = System.getenv("XDG_CACHE_HOME");
            Path base =
                    xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
            return base.resolve("patchwork").resolve("bench");
        }
    }

    BenchCheckpoint {
        adapters = List.copyOf(adapters);
    }

    /** A generated model of this shape under {@code cache/<shape>/model}, with its adapters beside it. */
    static BenchCheckpoint generated(String shape, Path cache, int adapterCount, int rank) {
        long t0 = System.nanoTime();
        Path dir = cache.resolve(shape);
        Path model = dir.resolve("model");
        if (!Files.exists(model.resolve(COMPLETE))) {
            System.err.println("bench serve: generating the " + shape + " checkpoint in " + model);
            TinyModelWriter.write(BenchModels.spec(shape), model);
            mark(model);
        }
        ModelConfig config = ModelConfig.load(model);
        List<Path> adapters = adapters(config, dir.resolve("adapters-r" + rank), adapterCount, rank);
        return new BenchCheckpoint(id(shape), model, config, adapters, (System.nanoTime() - t0) / 1e9);
    }

    /** A user's checkpoint, served as id {@code <folder name>}, with generated adapters under {@code cache}. */
    static BenchCheckpoint existing(Path model, Path cache, int adapterCount, int rank) {
        long t0 = System.nanoTime();
        Path abs = model.toAbsolutePath().normalize();
        ModelConfig config = ModelConfig.load(abs);
        String id = id(abs.getFileName().toString());
        // Keyed by the folder's path, so that two checkpoints with the same folder name get their own adapters.
        Path dir = cache.resolve("checkpoints")
                .resolve(id + "-" + Integer.toHexString(abs.toString().hashCode()));
        List<Path> adapters = adapters(config, dir.resolve("adapters-r" + rank), adapterCount, rank);
        return new BenchCheckpoint(id, abs, config, adapters, (System.nanoTime() - t0) / 1e9);
    }

    /** A base model id from a name: a dot would split the {@code patchwork.base-models.<id>.path} property. */
    static String id(String name) {
        return name.replaceAll("[^A-Za-z0-9_-]", "-");
    }

    private static List<Path> adapters(ModelConfig config, Path dir, int count, int rank) {
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Path a = dir.resolve("bench-" + i);
            if (!Files.exists(a.resolve(COMPLETE))) {
                TinyAdapterWriter.write(
                        config,
                        TinyAdapterSpec.builder()
                                .optRank(rank)
                                .optAlpha(2.0 * rank)
                                .optSeed(1000 + i)
                                .build(),
                        a);
                mark(a);
            }
            out.add(a);
        }
        return out;
    }

    private static void mark(Path dir) {
        try {
            Files.writeString(dir.resolve(COMPLETE), "written by ./patchwork bench serve\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bytes of the checkpoint's weight files. */
    long checkpointBytes() {
        try (var files = Files.list(model)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".safetensors"))
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
