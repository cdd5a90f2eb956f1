package ai.patchwork.model.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.Fixtures;
import ai.patchwork.model.tokenizer.TokenBytes;
import ai.patchwork.model.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The cached masks ({@link TokenTrie#allowed(GrammarState)}) equal the simple reference mask (every token's bytes
 * fed to the state) at every step of random constrained walks, strings near their length bounds included.
 */
class MaskCacheTest {

    private static final String[] SCHEMAS = {
        "{\"type\": \"object\", \"properties\": {\"s\": {\"type\": \"string\", \"minLength\": 12, \"maxLength\": 30},"
                + " \"n\": {\"type\": \"integer\"}}, \"required\": [\"s\", \"n\"], \"additionalProperties\": false}",
        "{\"type\": \"array\", \"items\": {\"type\": \"string\", \"maxLength\": 5}, \"minItems\": 2, \"maxItems\": 4}",
        "{\"type\": \"object\", \"properties\": {\"kind\": {\"enum\": [\"cat\", \"dog\", \"catfish\"]},"
                + " \"tags\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}},"
                + " \"score\": {\"type\": \"number\"}}, \"required\": [\"kind\"]}",
        "{\"type\": \"string\", \"minLength\": 40}"
    };

    /** Reference: every token's bytes fed to the state one by one. */
    private static BitSet reference(TokenBytes bytes, GrammarState state) {
        BitSet out = new BitSet();
        for (int id = 0; id < bytes.size(); id++) {
            if (bytes.added(id) || bytes.bytes(id).length == 0) continue;
            if (state.accept(bytes.bytes(id)) != null) out.set(id);
        }
        return out;
    }

    @Test
    void theCachedMaskEqualsTheReferenceAtEveryStepOfRandomWalks() {
        try (Tokenizer tokenizer = Tokenizer.load(Fixtures.tinyLlamaModel())) {
            TokenBytes bytes = tokenizer.tokenBytes();
            TokenTrie trie = TokenTrie.of(bytes);
            SplittableRandom random = new SplittableRandom(21);
            int steps = 0;
            int completed = 0;
            for (String schema : SCHEMAS) {
                Grammar g = Grammar.schema(JsonMapper.shared().readTree(schema));
                for (int walk = 0; walk < 8; walk++) {
                    GrammarState state = g.start();
                    StringBuilder text = new StringBuilder();
                    for (int step = 0; step < 120 && !state.complete(); step++, steps++) {
                        BitSet expected = reference(bytes, state);
                        BitSet cached = trie.allowed(state);
                        assertEquals(expected, cached, schema + " after " + text);
                        BitSet walked = new BitSet();
                        trie.allowed(state, walked);
                        assertEquals(expected, walked, schema + " after " + text);
                        if (expected.isEmpty()) break;
                        int id = pick(expected, random);
                        text.append(new String(bytes.bytes(id), StandardCharsets.ISO_8859_1));
                        state = state.accept(bytes.bytes(id));
                    }
                    if (state.complete()) completed++;
                }
            }
            assertTrue(steps > 500, "walked " + steps + " steps");
            assertTrue(completed > 0, "some walks completed their value");
        }
    }

    @Test
    void theLengthsOfALongStringShareOneKeyExceptNearItsBounds() {
        Grammar g = Grammar.schema(
                JsonMapper.shared().readTree("{\"type\": \"string\", \"minLength\": 20, " + "\"maxLength\": 40}"));
        int longest = 4;
        GrammarState open = g.start().accept("\"".getBytes());
        Object below = open.accept("a".getBytes()).maskKey(longest);
        assertEquals(below, open.accept("abcdefghijklmno".getBytes()).maskKey(longest), "15 + 4 < 20: no quote yet");
        assertTrue(!below.equals(open.accept("abcdefghijklmnop".getBytes()).maskKey(longest)), "16 + 4: a quote may");
        Object above = open.accept("a".repeat(20).getBytes()).maskKey(longest);
        assertEquals(above, open.accept("a".repeat(36).getBytes()).maskKey(longest), "36 + 4 <= 40");
        assertTrue(!above.equals(open.accept("a".repeat(37).getBytes()).maskKey(longest)), "37 + 4 > 40");
    }

    /** A random allowed token, the same for the same seed. */
    private static int pick(BitSet allowed, SplittableRandom random) {
        int n = random.nextInt(allowed.cardinality());
        int id = allowed.nextSetBit(0);
        for (int i = 0; i < n; i++) id = allowed.nextSetBit(id + 1);
        return id;
    }
}
