package ai.patchwork.model.grammar;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * What a constrained completion must be: a compiled JSON schema, or any JSON object. Immutable and shared; each
 * sequence walks it with its own {@link GrammarState}. Output is compact JSON (no whitespace between tokens), so a
 * model cannot stall in whitespace, and strings have no escapes.
 */
public final class Grammar {
    private static final Node.NumberNode NUMBER = new Node.NumberNode(false);
    private static final Node.LiteralNode KEYWORDS = literals("true", "false", "null");
    static final Node.AnyValueNode ANY = new Node.AnyValueNode();
    static final Node.AnyObjectNode ANY_OBJECT = new Node.AnyObjectNode();
    /** Any JSON value: its alternatives start with distinct bytes. */
    static final Node.ChoiceNode ANY_VALUE = new Node.ChoiceNode(List.of(
            new Node.AnyObjectNode(),
            new Node.ArrayNode(ANY, 0, Integer.MAX_VALUE),
            new Node.StringNode(0, Integer.MAX_VALUE),
            NUMBER,
            KEYWORDS));

    private final Node root;

    Grammar(Node root) {
        this.root = root;
    }

    /** {@code response_format: {"type": "json_object"}}: any JSON object. */
    public static Grammar anyObject() {
        return new Grammar(new Node.AnyObjectNode());
    }

    /**
     * vLLM's {@code guided_choice}: exactly one of these texts.
     *
     * @throws SchemaException for no choices, an empty one, or more than 64
     */
    public static Grammar choice(List<String> texts) {
        if (texts.isEmpty()
                || texts.size() > SchemaCompiler.MAX_LITERALS
                || texts.stream().anyMatch(String::isEmpty)) {
            throw new SchemaException(
                    "guided_choice", "guided_choice takes 1 to " + SchemaCompiler.MAX_LITERALS + " non-empty strings");
        }
        return new Grammar(literals(texts.toArray(String[]::new)));
    }

    /**
     * {@code response_format: {"type": "json_schema"}}.
     *
     * @throws SchemaException for a keyword or a combination this compiler cannot enforce
     */
    public static Grammar schema(JsonNode schema) {
        return new Grammar(new SchemaCompiler().compile(schema));
    }

    /** The state before the first byte. */
    public GrammarState start() {
        return GrammarState.start(Frame.start(root));
    }

    static Node.LiteralNode literals(String... texts) {
        return new Node.LiteralNode(Arrays.stream(texts)
                .map(t -> t.getBytes(StandardCharsets.UTF_8))
                .toList());
    }

    /** The bytes a value of {@code node} can start with. */
    static BitSet firstBytes(Node node) {
        BitSet out = new BitSet(256);
        switch (node) {
            case Node.ObjectNode o -> out.set('{');
            case Node.AnyObjectNode a -> out.set('{');
            case Node.ArrayNode a -> out.set('[');
            case Node.StringNode s -> out.set('"');
            case Node.NumberNode n -> {
                out.set('-');
                out.set('0', '9' + 1);
            }
            case Node.LiteralNode l -> {
                for (byte[] t : l.texts()) if (t.length > 0) out.set(t[0] & 0xFF);
            }
            case Node.ChoiceNode c -> {
                for (Node alternative : c.alternatives()) out.or(firstBytes(alternative));
            }
            case Node.AnyValueNode a -> out.or(firstBytes(ANY_VALUE));
        }
        return out;
    }
}
