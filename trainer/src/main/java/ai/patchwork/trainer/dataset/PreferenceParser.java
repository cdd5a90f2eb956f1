package ai.patchwork.trainer.dataset;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Reads OpenAI's preference (DPO) JSONL and tokenizes each pair with the base model's chat template:
 *
 * <pre>
 *   {"input": {"messages": [...], "tools": [...]}, "preferred_output": [{"role": "assistant", "content": "..."}],
 *    "non_preferred_output": [{"role": "assistant", "content": "..."}]}
 * </pre>
 *
 * Each pair becomes two sequences, the input followed by one of the outputs, whose weighted tokens are the output's
 * only (the input's assistant turns, if any, are context). Every problem is reported with its line.
 */
public final class PreferenceParser {

    private final ExampleEncoder encoder;

    /** @param encoder encodes each side of a pair and refuses sides longer than the model's context */
    public PreferenceParser(ExampleEncoder encoder) {
        this.encoder = encoder;
    }

    /**
     * Parses and encodes a whole file.
     *
     * @return two sequences per pair: index 2i the preferred conversation of pair i, 2i+1 the non-preferred one
     * @throws InvalidDatasetException naming the lines that are wrong, or saying that the file is empty
     */
    public List<EncodedExample> parse(InputStream in) {
        return parse(in, JsonlLines.DEFAULT_MAX_LINE_BYTES);
    }

    /**
     * Parses and encodes a whole file, line by line.
     *
     * @param maxLineBytes the longest line accepted
     * @return two sequences per pair: index 2i the preferred conversation of pair i, 2i+1 the non-preferred one
     * @throws InvalidDatasetException naming the lines that are wrong, or saying that the file is empty
     */
    public List<EncodedExample> parse(InputStream in, int maxLineBytes) {
        List<EncodedExample[]> pairs = JsonlParser.lines(in, maxLineBytes, this::pair);
        List<EncodedExample> out = new ArrayList<>(2 * pairs.size());
        for (EncodedExample[] p : pairs) {
            out.add(p[0]);
            out.add(p[1]);
        }
        return out;
    }

    /**
     * Checks that every line is a well-formed pair, without tokenizing and keeping nothing (a file's upload).
     *
     * @param maxLineBytes the longest line accepted
     * @throws InvalidDatasetException naming the lines that are wrong, or saying that the file is empty
     */
    public static void checkShape(InputStream in, int maxLineBytes) {
        JsonlParser.lines(in, maxLineBytes, (lineNo, line) -> {
            shape(lineNo, line);
            return null;
        });
    }

    /** A line's pair before tokenization. */
    private record Pair(List<Turn> context, List<Map<String, Object>> tools, Turn preferred, Turn nonPreferred) {}

    private EncodedExample[] pair(int lineNo, String line) {
        Pair p = shape(lineNo, line);
        return new EncodedExample[] {side(lineNo, p, p.preferred()), side(lineNo, p, p.nonPreferred())};
    }

    private static Pair shape(int lineNo, String line) {
        JsonNode node = JsonlParser.object(line);
        if (node.has("messages") || node.has("prompt")) {
            throw new JsonlParser.LineException(
                    "is a supervised example; a DPO job needs \"input\", \"preferred_output\" "
                            + "and \"non_preferred_output\"");
        }
        JsonNode input = node.get("input");
        if (input == null || !input.isObject()) throw new JsonlParser.LineException("\"input\" must be an object");
        List<Map<String, Object>> tools = ToolShapes.tools(input, "input.");
        JsonNode messages = input.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new JsonlParser.LineException("input.messages must be a non-empty array");
        }
        List<Turn> context = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            Turn t = JsonlParser.turn(messages.get(i), "input.messages[" + i + "]");
            context.add(t.withWeight(0));
        }
        ToolShapes.checkConversation(context, tools, "input.messages");
        if (context.getLast().role().equals("assistant")) {
            throw new JsonlParser.LineException("input.messages ends with an assistant message; it must end with the "
                    + "message the outputs answer");
        }
        Turn preferred = output(node, "preferred_output");
        Turn nonPreferred = output(node, "non_preferred_output");
        if (preferred.message().equals(nonPreferred.message())) {
            throw new JsonlParser.LineException("preferred_output and non_preferred_output are the same");
        }
        return new Pair(context, tools, preferred, nonPreferred);
    }

    private static Turn output(JsonNode node, String key) {
        JsonNode out = node.get(key);
        if (out == null || !out.isArray() || out.size() != 1) {
            throw new JsonlParser.LineException("\"" + key + "\" must be an array of one assistant message");
        }
        Turn t = JsonlParser.turn(out.get(0), key + "[0]");
        if (!t.role().equals("assistant")) {
            throw new JsonlParser.LineException(key + "[0] must have the role assistant, not " + t.role());
        }
        if (!t.trained()) throw new JsonlParser.LineException(key + "[0] must not have weight 0");
        return t;
    }

    private EncodedExample side(int lineNo, Pair pair, Turn output) {
        List<Turn> turns = new ArrayList<>(pair.context());
        turns.add(output);
        return encoder.encode(new Example.Chat(lineNo, turns, pair.tools()));
    }
}
