package ai.patchwork.model.grammar;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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

    /**
     * A text, then a JSON value of a schema, then a text: one alternative of {@link #framed}.
     *
     * @param before what comes first; not empty
     * @param schema the JSON schema of the value in between
     * @param after what comes last; may be empty
     */
    public record Framed(String before, JsonNode schema, String after) {
        public Framed {
            if (before == null || before.isEmpty()) throw new IllegalArgumentException("before must not be empty");
            if (after == null) throw new IllegalArgumentException("after must not be null");
        }
    }

    /**
     * One of several framed values, picked by its leading text (a tool call: the call's opening text names the
     * function, its arguments follow the function's parameter schema, then the call is closed).
     *
     * @throws SchemaException for a schema this compiler cannot enforce, no alternatives or more than 64, or when one
     *     leading text is a prefix of another
     */
    public static Grammar framed(List<Framed> alternatives) {
        if (alternatives.isEmpty() || alternatives.size() > SchemaCompiler.MAX_LITERALS) {
            throw new SchemaException("tools", "1 to " + SchemaCompiler.MAX_LITERALS + " alternatives are supported");
        }
        List<byte[]> prefixes = new ArrayList<>();
        List<Node> thens = new ArrayList<>();
        for (Framed f : alternatives) {
            byte[] before = f.before().getBytes(StandardCharsets.UTF_8);
            for (byte[] p : prefixes) {
                if (startsWith(p, before) || startsWith(before, p)) {
                    throw new SchemaException("tools", "'" + f.before() + "' and another alternative share a prefix");
                }
            }
            prefixes.add(before);
            Node value = new SchemaCompiler().compile(f.schema());
            thens.add(f.after().isEmpty() ? value : new Node.SequenceNode(List.of(value, literals(f.after()))));
        }
        return new Grammar(new Node.SwitchNode(List.copyOf(prefixes), List.copyOf(thens)));
    }

    private static boolean startsWith(byte[] text, byte[] prefix) {
        return text.length >= prefix.length && Arrays.equals(text, 0, prefix.length, prefix, 0, prefix.length);
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
            case Node.SequenceNode q -> out.or(firstBytes(q.parts().getFirst()));
            case Node.SwitchNode w -> {
                for (byte[] t : w.prefixes()) out.set(t[0] & 0xFF);
            }
        }
        return out;
    }
}
