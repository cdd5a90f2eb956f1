package ai.patchwork.model.cli;

import ai.patchwork.model.sample.SamplingParams;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/** The sampling options of {@code ./patchwork generate}: how tokens are picked and when generation stops. */
final class SamplingOptions {

    @Option(names = "--max-tokens", defaultValue = "32")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "1.0", description = "0 is greedy (lowest id wins ties)")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1.0")
    double topP;

    @Option(names = "--top-k", defaultValue = "0")
    int topK;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(names = "--stop", description = "stop string (repeatable)")
    List<String> stop = List.of();

    @Option(names = "--stop-eos", description = "stop at the model's EOS ids")
    boolean stopEos;

    /** The options as the generator takes them; {@code eosIds} stop generation when --stop-eos is given. */
    SamplingParams params(Set<Integer> eosIds) {
        return new SamplingParams(temperature, topP, topK, seed, maxTokens, stopEos ? eosIds : Set.of(), stop);
    }
}
