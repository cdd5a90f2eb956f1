/**
 * Constrained decoding: a JSON schema (or "any JSON object") compiled to a byte-level pushdown automaton
 * ({@link ai.patchwork.model.grammar.GrammarState}), and the per-step mask of the tokens whose bytes it accepts,
 * found by walking a trie of the vocabulary ({@link ai.patchwork.model.grammar.TokenTrie}).
 */
package ai.patchwork.model.grammar;
