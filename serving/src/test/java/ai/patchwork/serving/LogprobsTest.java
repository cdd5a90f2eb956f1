package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.sample.SamplingParams;
import ai.patchwork.model.sample.TokenLogprob;
import ai.patchwork.model.vector.AdapterStorage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Logprobs are the log-softmax of the runtime's logits: the first token's equal the log-softmax of expected.json's
 * float64 reference logits to 1e-4, for the base model and each adapter, while the requests share batches.
 */
class LogprobsTest {
    static InferenceEngine engine;

    @BeforeAll
    static void start() {
        EngineConfig config = EngineConfig.builder(Fixtures.model())
                .optMaxBatchSize(9)
                .optAdapterSlots(4)
                .optPrefillChunk(4)
                .optIntraOpThreads(1)
                .optAdapterStorage(AdapterStorage.EXACT)
                .build();
        engine = InferenceEngine.start(config, new FolderAdapterSource(Fixtures.adapters()), new SimpleMeterRegistry());
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    @Test
    void theFirstTokensLogprobsAreTheLogSoftmaxOfTheReferenceLogits() throws Exception {
        List<JsonNode> cases = new ArrayList<>();
        List<GenerationHandle> handles = new ArrayList<>();
        for (JsonNode c : Fixtures.expected().get("single")) {
            String adapter = c.path("adapter").asString();
            EngineRequest r = new EngineRequest(
                    Fixtures.ints(c.get("prompt_ids")),
                    "base".equals(adapter) ? null : adapter,
                    SamplingParams.greedy(1),
                    true,
                    TokenLogprob.MAX_TOP);
            cases.add(c);
            handles.add(engine.submit(r));
        }
        for (int k = 0; k < cases.size(); k++) {
            JsonNode c = cases.get(k);
            Completion done = handles.get(k).completion().get(60, TimeUnit.SECONDS);
            double[] logits = new double[c.get("logits_last").size()];
            for (int i = 0; i < logits.length; i++)
                logits[i] = c.get("logits_last").get(i).asDouble();
            double[] expected = logSoftmax(logits);
            int[] order = IntStream.range(0, logits.length)
                    .boxed()
                    .sorted(Comparator.<Integer>comparingDouble(i -> -logits[i]))
                    .mapToInt(Integer::intValue)
                    .toArray();
            TokenLogprob lp = done.logprobs().getFirst();
            String label = c.path("adapter").asString() + " " + c.get("prompt_ids");
            assertEquals(order[0], lp.tokenId(), label); // greedy picks the most likely token
            assertEquals(expected[lp.tokenId()], lp.logprob(), 1e-4, label);
            assertEquals(TokenLogprob.MAX_TOP, lp.topCount());
            for (int i = 0; i < lp.topCount(); i++) {
                assertEquals(expected[lp.topId(i)], lp.topLogprob(i), 1e-4, label + " top " + i);
                assertEquals(expected[order[i]], lp.topLogprob(i), 1e-4, label + " rank " + i);
                if (i > 0) assertTrue(lp.topLogprob(i) <= lp.topLogprob(i - 1), label);
            }
            assertEquals(lp.topId(0), lp.tokenId());
        }
    }

    @Test
    void everyStreamedTokenCarriesItsLogprobAndTheCompletionListsThemAll() throws Exception {
        List<TokenEvent> events = new CopyOnWriteArrayList<>();
        int[] prompt = Fixtures.ints(Fixtures.expected().get("single").get(0).get("prompt_ids"));
        SamplingParams sampled = new SamplingParams(0.9, 1, 0, 5, 8, Set.of(), List.of());
        Completion done = engine.submit(new EngineRequest(prompt, "all-r8", sampled, true, 3), events::add)
                .completion()
                .get(60, TimeUnit.SECONDS);
        assertEquals(8, done.logprobs().size());
        for (int i = 0; i < 8; i++) {
            TokenEvent e = events.get(i);
            assertEquals(done.tokenIds()[i], e.tokenId());
            assertEquals(done.logprobs().get(i), e.logprob());
            assertEquals(e.tokenId(), e.logprob().tokenId());
            assertEquals(3, e.logprob().topCount());
            assertTrue(e.logprob().logprob() <= e.logprob().topLogprob(0));
        }
        Completion without =
                engine.submit(TinyWorld.greedy(prompt, null, 2)).completion().get(60, TimeUnit.SECONDS);
        assertNull(without.logprobs());
    }

    private static double[] logSoftmax(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) max = Math.max(max, v);
        double sum = 0;
        for (double v : x) sum += Math.exp(v - max);
        double logZ = max + Math.log(sum);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) out[i] = x[i] - logZ;
        return out;
    }
}
