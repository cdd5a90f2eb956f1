package ai.patchwork.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.sample.SamplingParams;
import ai.patchwork.model.sample.TokenLogprob;
import ai.patchwork.model.vector.VectorKvBlocks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Prefix caching on the fixture: a repeated prompt restores its whole blocks instead of prefilling them, with the
 * greedy tokens of an engine without the cache and of the float64 reference exactly, and their log-probabilities;
 * blocks never pass between adapters, adapter versions or the base model; the pool evicts the least recently used
 * blocks, a prompt's last block before its first.
 */
class PrefixCacheTest {

    /**
     * Two engines' log-probabilities for the same computation: the SIMD kernels may round differently before and after
     * the JIT compiles them (fused or separate multiply-adds), so two engines agree to the last bits only mostly.
     */
    private static final float SAME = 1e-5f;

    /** The fixture's 35-token prompts: two whole blocks of 16 can be restored, three tokens are always prefilled. */
    private static List<JsonNode> longCases() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode c : Fixtures.expected().get("single"))
            if (c.get("prompt_ids").size() == 35) out.add(c);
        assertEquals(3, out.size(), "base and both adapters");
        return out;
    }

    private static String adapter(JsonNode c) {
        String a = c.get("adapter").asString();
        return a.equals("base") ? null : a;
    }

    private static EngineRequest request(int[] prompt, String adapter, int tokens) {
        return new EngineRequest(prompt, adapter, SamplingParams.greedy(tokens), true, TokenLogprob.MAX_TOP);
    }

    private static Completion run(Engines.Traced t, EngineRequest r) throws Exception {
        return t.engine.submit(r).completion().get(60, TimeUnit.SECONDS);
    }

    @Test
    void aCacheHitGivesTheTokensAndLogprobsOfTheCacheOffAndOfTheReference() throws Exception {
        try (Engines.Traced on = Engines.fixture(b -> b.optPrefillChunk(4).optRuntime(EngineRuntime.VECTOR));
                Engines.Traced off = Engines.fixture(b ->
                        b.optPrefillChunk(4).optRuntime(EngineRuntime.VECTOR).optPrefixCaching(false))) {
            for (JsonNode c : longCases()) {
                int[] prompt = Fixtures.ints(c.get("prompt_ids"));
                int[] expected = Fixtures.ints(c.get("greedy_16"));
                EngineRequest r = request(prompt, adapter(c), expected.length);
                String label = c.get("adapter").asString();
                // when
                Completion first = run(on, r);
                Completion hit = run(on, r);
                Completion uncached = run(off, r);
                // then: the second request restored two blocks and prefilled the 3 tokens after them
                assertEquals(0, first.usage().cachedTokens(), label);
                assertEquals(32, hit.usage().cachedTokens(), label);
                assertEquals(0, uncached.usage().cachedTokens(), label);
                assertEquals(35, hit.usage().promptTokens());
                assertArrayEquals(expected, first.tokenIds(), label);
                assertArrayEquals(expected, hit.tokenIds(), label);
                assertArrayEquals(expected, uncached.tokenIds(), label);
                for (int i = 0; i < expected.length; i++) {
                    assertLogprobsEqual(
                            uncached.logprobs().get(i), hit.logprobs().get(i), label + " token " + i);
                }
                assertFirstLogprobsMatchTheReference(c, hit.logprobs().getFirst(), label);
            }
            assertEquals(6 * 35.0, counter(on, "patchwork.prefix.cache.queries"));
            assertEquals(3 * 32.0, counter(on, "patchwork.prefix.cache.hits"));
            assertEquals(3.0, counter(on, "patchwork.prefix.cache.requests.hit"));
            assertEquals(
                    96.0 / 210,
                    on.registry.get("patchwork.prefix.cache.hit.rate").gauge().value(),
                    1e-9);
            assertEquals(
                    6.0,
                    on.registry
                            .get("patchwork.prefix.cache.blocks.used")
                            .gauge()
                            .value());
            assertEquals(3 * 35 + 3 * 3, counter(on, "patchwork.prefill.tokens"), "prompt tokens computed");
            assertEquals(3 * 35, counter(off, "patchwork.prefill.tokens"));
        }
    }

    @Test
    void theDjlRuntimeRestoresBlocksWithTheReferenceTokens() throws Exception {
        try (Engines.Traced t = Engines.fixture(
                b -> b.optPrefillChunk(4).optRuntime(EngineRuntime.DJL).optIntraOpThreads(1))) {
            for (JsonNode c : longCases()) {
                int[] expected = Fixtures.ints(c.get("greedy_16"));
                EngineRequest r = request(Fixtures.ints(c.get("prompt_ids")), adapter(c), expected.length);
                Completion first = run(t, r);
                Completion hit = run(t, r);
                String label = c.get("adapter").asString();
                assertEquals(32, hit.usage().cachedTokens(), label);
                assertArrayEquals(expected, first.tokenIds(), label);
                assertArrayEquals(expected, hit.tokenIds(), label);
                for (int i = 0; i < expected.length; i++) {
                    assertLogprobsEqual(first.logprobs().get(i), hit.logprobs().get(i), label + " token " + i);
                }
            }
        }
    }

    @Test
    void twoAdaptersAndTheBaseModelWithTheSamePromptNeverShareBlocks() throws Exception {
        int[] prompt = Fixtures.ints(longCases().getFirst().get("prompt_ids"));
        try (Engines.Traced t = Engines.fixture(b -> b.optPrefillChunk(8).optRuntime(EngineRuntime.VECTOR))) {
            Completion r8 = run(t, request(prompt, "all-r8", 4));
            Completion rs = run(t, request(prompt, "qv-r4-rslora", 4));
            Completion base = run(t, request(prompt, null, 4));
            assertEquals(0, r8.usage().cachedTokens());
            assertEquals(0, rs.usage().cachedTokens(), "all-r8's blocks are not qv-r4-rslora's");
            assertEquals(0, base.usage().cachedTokens(), "an adapter's blocks are not the base model's");
            assertEquals(32, run(t, request(prompt, "all-r8", 4)).usage().cachedTokens());
            assertEquals(32, run(t, request(prompt, "qv-r4-rslora", 4)).usage().cachedTokens());
            assertEquals(32, run(t, request(prompt, null, 4)).usage().cachedTokens());
            assertEquals(
                    6.0,
                    t.registry.get("patchwork.prefix.cache.blocks.used").gauge().value());
            // when: a new version of all-r8 is published
            t.engine.adapters().invalidate("all-r8");
            Completion v2 = run(t, request(prompt, "all-r8", 4));
            // then: the old version's blocks are not the new one's
            assertEquals(0, v2.usage().cachedTokens(), "blocks of another version");
            assertEquals(32, run(t, request(prompt, "all-r8", 4)).usage().cachedTokens());
            assertArrayEquals(r8.tokenIds(), v2.tokenIds(), "the same weights, reloaded");
        }
    }

    @Test
    void aFullPoolEvictsTheLeastRecentlyUsedBlocksLastBlockFirst() throws Exception {
        ModelConfig mc = ModelConfig.load(Fixtures.model());
        long threeBlocks = 3 * VectorKvBlocks.blockBytes(mc);
        int[] a = Fixtures.ints(longCases().getFirst().get("prompt_ids"));
        int[] b = TinyWorld.prompt(35, 99);
        try (Engines.Traced t =
                Engines.fixture(b2 -> b2.optRuntime(EngineRuntime.VECTOR).optPrefixCacheBytes(threeBlocks))) {
            assertEquals(
                    3.0, t.registry.get("patchwork.prefix.cache.blocks").gauge().value());
            run(t, request(a, null, 2)); // a's two blocks
            run(t, request(b, null, 2)); // b's two blocks: a's second block is evicted, its first kept
            assertEquals(16, run(t, request(a, null, 2)).usage().cachedTokens(), "a's first block only");
            // a's first block was just used, b's two blocks before it; a stores its second block again, evicting b's
            // second, so b keeps its first
            assertEquals(16, run(t, request(b, null, 2)).usage().cachedTokens(), "b's first block only");
            assertEquals(
                    3.0,
                    t.registry.get("patchwork.prefix.cache.blocks.used").gauge().value());
        }
    }

    @Test
    void theChoicesOfOneRequestReportTheCachedTokensOfTheirSharedPrompt() throws Exception {
        int[] prompt = Fixtures.ints(longCases().getFirst().get("prompt_ids"));
        try (Engines.Traced t = Engines.fixture(b -> b.optRuntime(EngineRuntime.VECTOR))) {
            run(t, request(prompt, "all-r8", 2));
            List<GenerationHandle> choices = t.engine.submit(
                    request(prompt, "all-r8", 2),
                    List.of(GenerationListener.NONE, GenerationListener.NONE, GenerationListener.NONE));
            for (GenerationHandle h : choices) {
                assertEquals(
                        32, h.completion().get(60, TimeUnit.SECONDS).usage().cachedTokens());
            }
            assertEquals(35 + 3, counter(t, "patchwork.prefill.tokens"), "one prefill of the three uncached tokens");
        }
    }

    private static double counter(Engines.Traced t, String name) {
        return t.registry.get(name).counter().count();
    }

    private static void assertLogprobsEqual(TokenLogprob expected, TokenLogprob actual, String label) {
        assertEquals(expected.tokenId(), actual.tokenId(), label);
        assertEquals(expected.logprob(), actual.logprob(), SAME, label);
        assertArrayEquals(expected.topIds(), actual.topIds(), label);
        assertArrayEquals(expected.topLogprobs(), actual.topLogprobs(), SAME, label);
    }

    private static void assertFirstLogprobsMatchTheReference(JsonNode c, TokenLogprob lp, String label) {
        JsonNode logits = c.get("logits_last");
        double max = Double.NEGATIVE_INFINITY;
        for (JsonNode x : logits) max = Math.max(max, x.asDouble());
        double sum = 0;
        for (JsonNode x : logits) sum += Math.exp(x.asDouble() - max);
        double logZ = max + Math.log(sum);
        for (int i = 0; i < lp.topIds().length; i++) {
            double expected = logits.get(lp.topIds()[i]).asDouble() - logZ;
            assertEquals(expected, lp.topLogprobs()[i], 1e-4, label + " top " + i);
        }
        assertTrue(lp.topIds().length == TokenLogprob.MAX_TOP);
    }
}
