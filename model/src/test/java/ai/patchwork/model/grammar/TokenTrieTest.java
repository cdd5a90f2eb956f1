package ai.patchwork.model.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.patchwork.model.Fixtures;
import ai.patchwork.model.tokenizer.TokenBytes;
import ai.patchwork.model.tokenizer.Tokenizer;
import java.util.BitSet;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class TokenTrieTest {

    /** Reference: every token's bytes fed to the state one by one. */
    @Test
    void theWalkAllowsExactlyTheTokensTheStateAcceptsInFull() {
        try (Tokenizer tokenizer = Tokenizer.load(Fixtures.tinyLlamaModel())) {
            TokenBytes bytes = tokenizer.tokenBytes();
            TokenTrie trie = TokenTrie.of(bytes);
            assertSame(trie, TokenTrie.of(bytes));
            Grammar g = Grammar.schema(
                    JsonMapper.shared()
                            .readTree(
                                    "{\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"number\"}, \"s\": {\"type\": \"string\"}}}"));
            for (String prefix : new String[] {"", "{", "{\"n\":", "{\"n\":1", "{\"s\":\"ab", "{\"s\":\"ab\""}) {
                GrammarState state = g.start().accept(prefix.getBytes());
                BitSet walked = new BitSet();
                trie.allowed(state, walked);
                BitSet expected = new BitSet();
                for (int id = 0; id < bytes.size(); id++) {
                    if (bytes.added(id) || bytes.bytes(id).length == 0) continue;
                    if (state.accept(bytes.bytes(id)) != null) expected.set(id);
                }
                assertEquals(expected, walked, prefix);
            }
        }
    }
}
