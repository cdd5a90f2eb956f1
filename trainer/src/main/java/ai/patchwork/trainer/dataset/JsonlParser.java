package ai.patchwork.trainer.dataset;

import ai.patchwork.model.tokenizer.ToolCall;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a JSONL training file into {@link Example}s, checking the shape of every line the way OpenAI documents it:
 * the chat format or the prompt/completion format, one format per file. A chat line has {@code messages} with roles
 * system (or developer), user, assistant and tool, an optional {@code weight} of 0 or 1 on assistant messages and at
 * least one assistant message trained on; assistant messages may call tools ({@code tool_calls}, content then
 * optional), tool messages answer them ({@code tool_call_id}), and the line may declare {@code tools}. The legacy
 * {@code functions}, {@code function_call} and {@code function} role are read as tools, a call and a tool message.
 * Blank lines are skipped. Problems are collected with their line numbers, up to
 * {@value InvalidDatasetException#MAX_PROBLEMS}, and thrown together.
 */
public final class JsonlParser {

    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

    /** The line limit when none is configured: far above any model's context, far below the heap. */
    public static final int DEFAULT_MAX_LINE_BYTES = 4 << 20;

    private JsonlParser() {}

    /**
     * Parses a whole file, each line at most {@value JsonlLines#DEFAULT_MAX_LINE_BYTES} bytes.
     *
     * @throws InvalidDatasetException naming the lines that are wrong, or saying that the file is empty
     */
    public static List<Example> parse(InputStream in) {
        List<Example> out = new ArrayList<>();
        check(in, JsonlLines.DEFAULT_MAX_LINE_BYTES, out::add);
        return out;
    }

    /**
     * Checks a whole file line by line, keeping nothing: what an upload does before it stores the file.
     *
     * @param maxLineBytes the longest line accepted
     * @throws InvalidDatasetException naming the lines that are wrong, or saying that the file is empty
     */
    public static void check(InputStream in, int maxLineBytes) {
        check(in, maxLineBytes, e -> {});
    }

    /**
     * Parses a file line by line and encodes each example as soon as it is read, so that only token ids stay on the
     * heap (a job's tokenize step). Lines that cannot be parsed or encoded are reported together.
     *
     * @param maxLineBytes the longest line accepted
     * @throws InvalidDatasetException naming the lines that are wrong, or saying that the file is empty
     */
    public static List<EncodedExample> encode(InputStream in, int maxLineBytes, ExampleEncoder encoder) {
        List<EncodedExample> out = new ArrayList<>();
        check(in, maxLineBytes, e -> out.add(encoder.encode(e)));
        return out;
    }

    /** Parses every line, one format per file, handing each example to {@code sink} (which may refuse it). */
    private static void check(InputStream in, int maxLineBytes, Consumer<Example> sink) {
        Class<?>[] format = {null};
        int[] formatLine = {0};
        lines(in, maxLineBytes, (lineNo, line) -> {
            Example e = parseLine(lineNo, line);
            if (format[0] == null) {
                format[0] = e.getClass();
                formatLine[0] = lineNo;
            } else if (format[0] != e.getClass()) {
                throw new LineException("uses the " + formatName(e.getClass()) + " format but line " + formatLine[0]
                        + " uses the " + formatName(format[0]) + " format; use one format per file");
            }
            sink.accept(e);
            return null;
        });
    }

    /**
     * Reads a UTF-8 JSONL file line by line (a leading BOM and blank lines skipped, one line on the heap at a time),
     * parsing each line with {@code parser} and keeping what it returns unless that is null; the
     * {@link LineException}s it throws, and lines over {@code maxLineBytes}, are collected with their line numbers,
     * up to {@value InvalidDatasetException#MAX_PROBLEMS}, and thrown together.
     *
     * @throws InvalidDatasetException naming the lines that are wrong, or saying that the file has no examples
     */
    static <T> List<T> lines(InputStream in, int maxLineBytes, LineParser<T> parser) {
        List<T> out = new ArrayList<>();
        List<DatasetProblem> problems = new ArrayList<>();
        int[] examples = {0};
        try {
            JsonlLines.read(in, maxLineBytes, new JsonlLines.Handler() {
                @Override
                public void line(int lineNo, String line) {
                    if (line.isBlank()) return;
                    try {
                        T parsed = parser.parse(lineNo, line);
                        examples[0]++;
                        if (parsed != null) out.add(parsed);
                    } catch (LineException e) {
                        problem(new DatasetProblem(lineNo, e.getMessage()));
                    }
                }

                @Override
                public void tooLong(int lineNo, int max) {
                    problem(new DatasetProblem(lineNo, "is longer than " + max + " bytes, the limit of a line"));
                }

                private void problem(DatasetProblem p) {
                    problems.add(p);
                    if (problems.size() >= InvalidDatasetException.MAX_PROBLEMS) throw new TooManyProblems();
                }
            });
        } catch (TooManyProblems e) {
            // reading stops at the limit of problems
        } catch (CharacterCodingException e) {
            problems.add(new DatasetProblem(0, "the file is not UTF-8 text"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!problems.isEmpty()) throw new InvalidDatasetException(problems);
        if (examples[0] == 0) {
            throw new InvalidDatasetException(new DatasetProblem(0, "the file has no examples (it is empty or blank)"));
        }
        return out;
    }

    /** Stops reading once enough problems are known. */
    private static final class TooManyProblems extends RuntimeException {
        TooManyProblems() {
            super(null, null, false, false);
        }
    }

    /** Parses one non-blank line; throws {@link LineException} for a problem on it. */
    @FunctionalInterface
    interface LineParser<T> {
        T parse(int lineNo, String line);
    }

    /** The line as a JSON object. */
    static JsonNode object(String line) {
        JsonNode node;
        try {
            node = JsonMapper.shared().readTree(line);
        } catch (JacksonException e) {
            throw new LineException("is not valid JSON (" + firstSentence(e.getOriginalMessage()) + ")");
        }
        if (node == null || !node.isObject()) throw new LineException("is not a JSON object");
        return node;
    }

    private static String formatName(Class<?> format) {
        return format == Example.Chat.class ? "chat (messages)" : "prompt/completion";
    }

    static Example parseLine(int lineNo, String line) {
        JsonNode node = object(line);
        if (node.has("messages")) return chat(lineNo, node);
        if (node.has("prompt") || node.has("completion")) return completion(lineNo, node);
        if (node.has("input") && node.has("preferred_output")) {
            throw new LineException("is a preference (DPO) example; only supervised examples are supported");
        }
        throw new LineException("has neither \"messages\" (chat format) nor \"prompt\" and \"completion\"");
    }

    private static Example chat(int lineNo, JsonNode node) {
        List<Map<String, Object>> tools = ToolShapes.tools(node, "");
        JsonNode messages = node.get("messages");
        if (!messages.isArray()) throw new LineException("\"messages\" must be an array");
        if (messages.isEmpty()) throw new LineException("\"messages\" is empty");
        List<Turn> turns = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) turns.add(turn(messages.get(i), "messages[" + i + "]"));
        if (turns.stream().noneMatch(t -> t.role().equals("assistant"))) {
            throw new LineException("has no assistant message to train on (missing assistant turn)");
        }
        if (turns.stream().noneMatch(Turn::trained)) {
            throw new LineException("every assistant message has weight 0, so there is nothing to train on");
        }
        ToolShapes.checkConversation(turns, tools, "messages");
        return new Example.Chat(lineNo, turns, tools);
    }

    /**
     * One message: its role (developer read as system, the legacy function role as tool), its text, its weight and,
     * for assistant and tool messages, the calls and the call answered.
     */
    static Turn turn(JsonNode m, String at) {
        if (!m.isObject()) throw new LineException(at + " is not an object");
        JsonNode roleNode = m.get("role");
        if (roleNode == null || !roleNode.isString()) throw new LineException(at + " has no \"role\"");
        String given = roleNode.asString();
        String role = switch (given) {
            case "developer" -> "system";
            case "function" -> "tool";
            default -> given;
        };
        if (!ROLES.contains(role)) {
            throw new LineException(
                    at + ": unknown role '" + given + "' (expected system, developer, user, assistant or tool)");
        }
        List<ToolCall> calls = List.of();
        if (role.equals("assistant")) {
            calls = ToolShapes.calls(m, at);
        } else if (ToolShapes.present(m.get("tool_calls")) != null
                || ToolShapes.present(m.get("function_call")) != null) {
            throw new LineException(at + ": only assistant messages call tools");
        }
        String content =
                calls.isEmpty() || ToolShapes.present(m.get("content")) != null ? content(m.get("content"), at) : "";
        int weight = 1;
        JsonNode w = m.get("weight");
        if (w != null && !w.isNull()) {
            if (!role.equals("assistant"))
                throw new LineException(at + ": \"weight\" is only allowed on assistant messages");
            if (!w.isNumber() || (w.asDouble() != 0 && w.asDouble() != 1)) {
                throw new LineException(at + ": \"weight\" must be 0 or 1, got " + w);
            }
            weight = (int) w.asDouble();
        }
        if (role.equals("assistant") && weight == 1 && content.isEmpty() && calls.isEmpty()) {
            throw new LineException(at + ": an assistant message trained on must have content or tool_calls");
        }
        if (!role.equals("tool")) return new Turn(role, content, weight, calls, null, null);
        String callId = string(m, "tool_call_id", at);
        String name = string(m, "name", at);
        if (given.equals("tool") && callId == null) {
            throw new LineException(at + ": a tool message needs the \"tool_call_id\" of the call it answers");
        }
        if (given.equals("function") && name == null) {
            throw new LineException(at + ": a function message needs the \"name\" of the function");
        }
        return new Turn(role, content, 0, List.of(), callId, name);
    }

    /** An optional non-blank string field, or null. */
    private static String string(JsonNode m, String key, String at) {
        JsonNode v = ToolShapes.present(m.get(key));
        if (v == null) return null;
        if (!v.isString() || v.asString().isBlank()) {
            throw new LineException(at + ": \"" + key + "\" must be a non-empty string");
        }
        return v.asString();
    }

    /** A string, or an array of {@code {"type": "text", "text": ...}} parts joined together. */
    private static String content(JsonNode c, String at) {
        if (c == null || c.isNull()) throw new LineException(at + " has no \"content\"");
        if (c.isString()) return c.asString();
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) {
                if (!part.isObject() || !"text".equals(part.path("type").asString(""))) {
                    throw new LineException(at + ": only text content parts are supported (type \"text\")");
                }
                JsonNode text = part.get("text");
                if (text == null || !text.isString())
                    throw new LineException(at + ": a text part has no \"text\" string");
                sb.append(text.asString());
            }
            return sb.toString();
        }
        throw new LineException(at + ": \"content\" must be a string or an array of text parts");
    }

    private static Example completion(int lineNo, JsonNode node) {
        JsonNode prompt = node.get("prompt");
        JsonNode completion = node.get("completion");
        if (prompt == null || !prompt.isString()) throw new LineException("\"prompt\" must be a string");
        if (completion == null || !completion.isString()) throw new LineException("\"completion\" must be a string");
        if (completion.asString().isEmpty())
            throw new LineException("\"completion\" is empty, so there is nothing to train on");
        return new Example.Completion(lineNo, prompt.asString(), completion.asString());
    }

    private static String firstSentence(String message) {
        if (message == null) return "unreadable";
        String m = message.strip();
        int nl = m.indexOf('\n');
        return nl > 0 ? m.substring(0, nl) : m;
    }

    /** A problem on the line being parsed; becomes a {@link DatasetProblem} with the line number. */
    static final class LineException extends RuntimeException {
        LineException(String message) {
            super(message, null, false, false);
        }
    }
}
