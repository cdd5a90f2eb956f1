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
