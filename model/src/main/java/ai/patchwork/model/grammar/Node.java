package ai.patchwork.model.grammar;

import java.util.List;

/** One compiled schema: what a JSON value at that place may be. Immutable, shared by every sequence using it. */
sealed interface Node {

    /** An object whose properties come in schema order; optional ones may be left out, no others are written. */
    record ObjectNode(List<Property> properties) implements Node {}

    record Property(String name, byte[] key, Node value, boolean required) {}

    /** Any JSON object (free keys, any values). */
    record AnyObjectNode() implements Node {}

    /** Any JSON value. */
    record AnyValueNode() implements Node {}

    record ArrayNode(Node items, int minItems, int maxItems) implements Node {}

    /** A string without escapes, of {@code minLength} to {@code maxLength} code points. */
    record StringNode(int minLength, int maxLength) implements Node {}

    /** An integer or a decimal number, without exponent, of bounded length. */
    record NumberNode(boolean integer) implements Node {}

    /** One of a few exact JSON texts: enum, const, true/false, null. */
    record LiteralNode(List<byte[]> texts) implements Node {}

    /** One of several nodes whose first bytes differ: the first byte picks the alternative. */
    record ChoiceNode(List<Node> alternatives) implements Node {}

    /** Its parts one after another. */
    record SequenceNode(List<Node> parts) implements Node {}

    /** One of several exact texts, none a prefix of another, each followed by its own node. */
    record SwitchNode(List<byte[]> prefixes, List<Node> thens) implements Node {}
}
