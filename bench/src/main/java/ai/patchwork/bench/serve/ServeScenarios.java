package ai.patchwork.bench.serve;

import ai.patchwork.bench.BenchReport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleBinaryOperator;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The two scenario modes of a sized {@code bench serve} run, beside the throughput cells:
 *
 * <ul>
 *   <li>{@code prefix}: a shared system prompt of {@code --prefix-tokens} token ids followed by a short question; the
 *       first request with a system prompt computes it, the second (another question) finds it in the prefix cache.
 *       Time to first token of both, one request at a time, for {@code --prefix-pairs} different system prompts.
 *   <li>{@code structured}: {@code --structured-batch} requests at once, every one unconstrained, then every one
 *       constrained by a JSON schema ({@code response_format}), taking turns {@code --structured-rounds} times. The
 *       schema's only property is a string of at least 100,000 characters, so no constrained row ends before
 *       {@code max_tokens} and both variants decode the same number of tokens, nearly all of them inside a string
 *       (where almost every token is allowed: the dearest case for computing the mask).
 * </ul>
 */
final class ServeScenarios {

    static final List<String> MODES = List.of("prefix", "structured");

    /** The prefix scenario's options, mixed into {@link SizedServeBench}. */
    static final class PrefixOptions {
        @Option(names = "--prefix-tokens", defaultValue = "1000", description = "prefix mode: system prompt tokens")
        int tokens;

        @Option(names = "--prefix-pairs", defaultValue = "3", description = "prefix mode: system prompts measured")
        int pairs;
    }

    /** The structured scenario's options, mixed into {@link SizedServeBench}. */
    static final class StructuredOptions {
        @Option(names = "--structured-batch", defaultValue = "32", description = "structured mode: requests at once")
        int batch;

        @Option(names = "--structured-rounds", defaultValue = "2", description = "structured mode: turns per variant")
        int rounds;
    }

    private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\","
            + "\"minLength\":100000}},\"required\":[\"text\"],\"additionalProperties\":false}";

    static final String RESPONSE_FORMAT =
            ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"bench\",\"schema\":" + SCHEMA
                    + "}}";

    private ServeScenarios() {}

    /** Time to first token without and with the system prompt in the prefix cache. */
    static ObjectNode prefix(LoadClient client, String model, int vocab, PrefixOptions o, int maxTokens)
            throws Exception {
        ObjectNode cell = JsonMapper.shared().createObjectNode();
        cell.put("mode", "prefix");
        cell.put("system_prompt_tokens", o.tokens);
        cell.put("question_tokens", 8);
        ArrayNode pairs = cell.putArray("pairs");
        List<Double> first = new ArrayList<>();
        List<Double> second = new ArrayList<>();
        for (int p = 0; p < o.pairs; p++) {
            int[] system = ids(o.tokens, vocab, 100 + p);
            LoadClient.Outcome a = one(client, model, concat(system, ids(8, vocab, 1000 + 2 * p)), maxTokens);
            LoadClient.Outcome b = one(client, model, concat(system, ids(8, vocab, 1001 + 2 * p)), maxTokens);
            if (a.status() != 200 || b.status() != 200 || a.error() != null || b.error() != null) {
                throw new IllegalStateException("a prefix request failed: " + a + " / " + b);
            }
            first.add(a.firstChunk() / 1e6);
            second.add(b.firstChunk() / 1e6);
            pairs.addObject()
                    .put("first_ttft_ms", Stats.round(a.firstChunk() / 1e6))
                    .put("first_cached_tokens", a.cachedTokens())
                    .put("second_ttft_ms", Stats.round(b.firstChunk() / 1e6))
                    .put("second_cached_tokens", b.cachedTokens());
        }
        medians(cell, "first_ttft_ms", first, "second_ttft_ms", second, "speedup", (f, s) -> f / s);
        System.err.println("bench serve: " + cell);
        return cell;
    }

    /** Decode throughput of a full batch, unconstrained and constrained, taking turns. */
    static ObjectNode structured(LoadClient client, String model, StructuredOptions o, int maxTokens) throws Exception {
        IntFunction<String> prompt = i ->
                JsonMapper.shared().writeValueAsString(SizedServeBench.PROMPTS.get(i % SizedServeBench.PROMPTS.size()));
        ObjectNode cell = JsonMapper.shared().createObjectNode();
        cell.put("mode", "structured");
        cell.put("batch", o.batch);
        cell.put("max_tokens", maxTokens);
        cell.put("schema", SCHEMA);
        ArrayNode rounds = cell.putArray("rounds");
        client.run(o.batch, o.batch, i -> model, prompt, 4, RESPONSE_FORMAT); // warm the grammar
        List<Double> free = new ArrayList<>();
        List<Double> constrained = new ArrayList<>();
        for (int r = 0; r < o.rounds; r++) {
            for (boolean masked : new boolean[] {false, true}) {
                LoadClient.Run run =
                        client.run(o.batch, o.batch, i -> model, prompt, maxTokens, masked ? RESPONSE_FORMAT : "");
                ObjectNode c = rounds.addObject();
                c.put("round", r);
                c.put("variant", masked ? "constrained" : "unconstrained");
                double decode = decodeRate(run, o.batch);
                c.put("errors", o.batch - run.ok().size());
                c.put("tokens", run.tokens());
                c.put("tokens_per_s", Stats.round(run.tokens() / (run.wallNanos() / 1e9)));
                c.put("decode_tokens_per_s", Stats.round(decode));
                c.put("ttft_ms_p50", Stats.percentileMs(run.ok(), LoadClient.Outcome::firstChunk, 50));
                (masked ? constrained : free).add(decode);
                System.err.println("bench serve: " + c);
            }
        }
        medians(
                cell,
                "unconstrained_decode_tokens_per_s",
                free,
                "constrained_decode_tokens_per_s",
                constrained,
                "constrained_over_unconstrained",
                (f, m) -> m / f);
        return cell;
    }

    /**
     * Tokens per second of the batch while it decodes: every request's tokens after its first over the time from its
     * first token to its last, summed over the requests (they decode side by side). A request with an error fails
     * the run: a short row would flatter its variant.
     */
    private static double decodeRate(LoadClient.Run run, int expected) {
        List<LoadClient.Outcome> ok = run.ok();
        if (ok.size() != expected) throw new IllegalStateException("requests failed: " + run.statuses());
        double rate = 0;
        for (LoadClient.Outcome o : ok) {
            long nanos = o.total() - o.firstChunk();
            if (o.completionTokens() > 1 && nanos > 0) rate += (o.completionTokens() - 1) / (nanos / 1e9);
        }
        return rate;
    }

    private static LoadClient.Outcome one(LoadClient client, String model, int[] prompt, int maxTokens)
            throws InterruptedException {
        String ids = Arrays.stream(prompt).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
        return client.run(1, 1, i -> model, i -> ids, maxTokens).outcomes().getFirst();
    }

    /** Token ids of the byte-level vocabulary's merges, away from its first 256 (bytes) and last ids (special). */
    private static int[] ids(int n, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int hi = Math.max(300, vocab - 16);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = 256 + r.nextInt(hi - 256);
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * Puts the medians of two variants' figures ({@code a}{@code _median}, {@code b}{@code _median}), their ratio
     * ({@code ratio} of the two medians) and the load average.
     */
    private static void medians(
            ObjectNode cell,
            String a,
            List<Double> as,
            String b,
            List<Double> bs,
            String ratio,
            DoubleBinaryOperator of) {
        double x = Stats.median(as);
        double y = Stats.median(bs);
        cell.put(a + "_median", Stats.round(x));
        cell.put(b + "_median", Stats.round(y));
        cell.put(ratio, Stats.ratio(of.applyAsDouble(x, y)));
        cell.put("load_average", Stats.round(BenchReport.loadAverage()));
    }
}
