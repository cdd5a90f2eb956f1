package ai.patchwork.bench.serve;

import ai.patchwork.bench.BenchModels;
import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.fixture.TinyAdapterSpec;
import ai.patchwork.model.fixture.TinyAdapterWriter;
import ai.patchwork.model.fixture.TinyModelWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The generated model and adapters of {@code bench serve}: the 3.4M-parameter Llama shape (hidden 256, 4
 * layers, 8 heads, 4 KV heads, intermediate 768, vocab 512) and rank-8 PEFT adapters on all seven projections, each
 * with its own seed. Random weights: the text is gibberish, the cost is real.
 *
 * @param model the Hugging Face model folder
 * @param config its config
 * @param adapters PEFT folders, adapter i seeded with 1000 + i
 */
record BenchWorld(Path model, ModelConfig config, List<Path> adapters) {

    static final int RANK = 8;

    BenchWorld {
        adapters = List.copyOf(adapters);
    }

    static BenchWorld generate(Path dir, int adapterCount) {
        Path model = dir.resolve("model");
        ModelConfig config = TinyModelWriter.write(BenchModels.spec(BenchModels.SMALL), model);
        List<Path> adapters = new ArrayList<>();
        for (int i = 0; i < adapterCount; i++) {
            Path a = dir.resolve("adapters").resolve("bench-" + i);
            TinyAdapterWriter.write(
                    config,
                    TinyAdapterSpec.builder()
                            .optRank(RANK)
                            .optAlpha(2.0 * RANK)
                            .optSeed(1000 + i)
                            .build(),
                    a);
            adapters.add(a);
        }
        return new BenchWorld(model, config, adapters);
    }
}
