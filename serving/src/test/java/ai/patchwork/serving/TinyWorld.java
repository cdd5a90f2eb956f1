package ai.patchwork.serving;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.fixture.TinyAdapterSpec;
import ai.patchwork.model.fixture.TinyAdapterWriter;
import ai.patchwork.model.fixture.TinyModelSpec;
import ai.patchwork.model.fixture.TinyModelWriter;
import ai.patchwork.model.sample.SamplingParams;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/** Generated tiny models and adapters on disk, plus request shorthands. */
final class TinyWorld {

    private TinyWorld() {}

    /** A tiny model with the fixture's shape and {@code positions} positions. */
    static ModelConfig model(Path dir, int positions) {
        return TinyModelWriter.write(
                TinyModelSpec.builder().optMaxPositions(positions).optSeed(11).build(), dir);
    }

    /** A rank-r adapter on all 7 projections. */
    static Path adapter(ModelConfig base, Path root, String id, int rank, long seed) {
        Path dir = root.resolve(id);
        TinyAdapterWriter.write(
                base,
                TinyAdapterSpec.builder()
                        .optRank(rank)
                        .optAlpha(2.0 * rank)
                        .optSeed(seed)
                        .build(),
                dir);
        return dir;
    }

    static int[] prompt(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = r.nextInt(256); // byte tokens: no special ids
        return ids;
    }

    /** Greedy, ignoring EOS, exactly {@code n} tokens. */
    static EngineRequest greedy(int[] prompt, String adapter, int n) {
        return new EngineRequest(prompt, adapter, SamplingParams.greedy(n), true);
    }

    static SamplingParams sampled(int n, long seed) {
        return new SamplingParams(0.8, 0.9, 0, seed, n, Set.of(), List.of());
    }
}
