package ai.patchwork.model.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.grammar.Grammar;
import ai.patchwork.model.grammar.GrammarState;
import ai.patchwork.model.grammar.SchemaException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Parsing calls out of Hermes and Llama-3.1 outputs, streaming hold-back, and forced calls that always parse. */
class ToolCallFormatTest {
    static final JsonMapper JSON = JsonMapper.shared();
    static final ToolFunction WEATHER = new ToolFunction("get_weather", JSON.readTree("""
            {"type": "object", "properties": {"city": {"type": "string", "maxLength": 12},
             "days": {"type": "integer"}, "unit": {"enum": ["c", "f"]}}, "required": ["city", "unit"],
             "additionalProperties": false}"""));
    static final ToolFunction TIME =
            new ToolFunction("get_time", JSON.readTree("{\"type\": \"object\", \"properties\": {}}"));

    private static String template(String name) throws IOException {
        try (InputStream in = ToolCallFormatTest.class.getResourceAsStream("/templates/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theFormatIsRecognisedFromTheTemplate() throws IOException {
        assertEquals(
                "hermes",
                ToolCallFormat.of(template("hermes-qwen2.5.jinja"))
                        .orElseThrow()
                        .name());
        assertEquals(
                "llama3_json",
                ToolCallFormat.of(template("llama3.1-json.jinja")).orElseThrow().name());
        assertTrue(ToolCallFormat.of("{% for m in messages %}{{ m.content }}{% endfor %}")
                .isEmpty());
    }

    @Test
    void hermesCallsAreParsedWithTheTextBeforeThem() {
        ToolCallFormat f = new HermesFormat();
        ParsedOutput out = f.parse("Let me look.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
                + "{\"city\": \"Paris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n"
                + "</tool_call>");
        assertEquals("Let me look.\n", out.content());
        assertEquals(2, out.calls().size());
        assertEquals("get_weather", out.calls().get(0).name());
        assertEquals("{\"city\":\"Paris\"}", out.calls().get(0).arguments());
        assertTrue(out.calls().get(0).id().matches("call_[0-9a-f]{24}"));
        assertEquals("{}", out.calls().get(1).arguments());

        ParsedOutput unclosed = f.parse("<tool_call>{\"name\": \"get_time\", \"arguments\": {}}");
        assertNull(unclosed.content());
        assertEquals(1, unclosed.calls().size());
        ParsedOutput broken = f.parse("<tool_call>{\"name\": \"get_time\", \"argu");
        assertEquals("<tool_call>{\"name\": \"get_time\", \"argu", broken.content());
        assertTrue(broken.calls().isEmpty());
        assertEquals("plain", f.parse("plain").content());
    }

    @Test
    void hermesHoldsBackWhatMayBeginACall() {
        assertStarts(new HermesFormat(), Map.of("Hello", 5, "Hello <tool", 6, "Hi <tool_call>{", 3, "a <b <", 5));
    }

    @Test
    void llamaJsonCallsAreTheWholeReply() {
        ToolCallFormat f = new LlamaJsonFormat();
        ParsedOutput out = f.parse(" {\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}}");
        assertNull(out.content());
        assertEquals("{\"city\":\"Oslo\"}", out.calls().getFirst().arguments());
        ParsedOutput two = f.parse("<|python_tag|>{\"name\": \"a\", \"parameters\": {}}; {\"name\": \"b\", "
                + "\"parameters\": {\"x\": 1}}");
        assertEquals(List.of("a", "b"), two.calls().stream().map(c -> c.name()).toList());
        assertEquals("It is sunny.", f.parse("It is sunny.").content());
        assertStarts(f, Map.of("  {\"na", 0, "  ", 0, "<|pyth", 0, "Sure", 4));
    }

    @Test
    void aStreamSendsTextAtOnceHoldsBackCallsAndEndsWithThem() {
        ToolCallStream hermes = new ToolCallStream(new HermesFormat());
        StringBuilder sent = new StringBuilder();
        for (String piece : List.of("\n", "Checking", " <to", "ol_call>\n{\"name\": \"get_time\", ", "\"arguments\"")) {
            sent.append(hermes.accept(piece));
        }
        assertEquals("\nChecking ", sent.toString());
        assertEquals("", hermes.accept(": {}}\n</tool_call>"));
        ParsedOutput end = hermes.finish();
        assertNull(end.content());
        assertEquals("get_time", end.calls().getFirst().name());

        ToolCallStream text = new ToolCallStream(new HermesFormat());
        assertEquals("a ", text.accept("a <"));
        assertEquals("<b", text.accept("b")); // no longer the start of a call
        assertNull(text.finish().content());

        ToolCallStream llama = new ToolCallStream(new LlamaJsonFormat());
        assertEquals("", llama.accept(" "));
        assertEquals(" It", llama.accept("It"));
        assertEquals(" is", llama.accept(" is"));
        assertNull(llama.finish().content());
    }

    @Test
    void forcedCallsAlwaysParseAndMatchTheirSchema() {
        for (ToolCallFormat f : List.of(new HermesFormat(), new LlamaJsonFormat())) {
            Grammar g = Grammar.framed(List.of(f.call(WEATHER), f.call(TIME)));
            Random random = new Random(11);
            for (int i = 0; i < 50; i++) {
                String text = walk(g.start(), random);
                ParsedOutput out = f.parse(text);
                assertEquals(1, out.calls().size(), text);
                JsonNode args = JSON.readTree(out.calls().getFirst().arguments());
                if (out.calls().getFirst().name().equals("get_weather")) {
                    assertTrue(
                            args.path("city").isString()
                                    && args.path("city").asString().length() <= 12,
                            text);
                    assertTrue(List.of("c", "f").contains(args.path("unit").asString()), text);
                    assertTrue(!args.has("days") || args.get("days").isIntegralNumber(), text);
                } else {
                    assertEquals("get_time", out.calls().getFirst().name(), text);
                    assertTrue(args.isObject(), text);
                }
            }
        }
    }

    @Test
    void framedAlternativesMustNotShareAPrefix() {
        ToolCallFormat f = new HermesFormat();
        ToolFunction get = new ToolFunction("get", TIME.parameters());
        assertNotNull(Grammar.framed(List.of(f.call(get))));
        assertThrows(SchemaException.class, () -> Grammar.framed(List.of(f.call(get), f.call(get))));
        assertThrows(IllegalArgumentException.class, () -> new ToolFunction("bad name\"", TIME.parameters()));
    }

    private static void assertStarts(ToolCallFormat f, Map<String, Integer> starts) {
        starts.forEach((text, start) -> assertEquals(start, f.callStart(text), text));
    }

    /** A random text the grammar accepts, preferring closing bytes so that it ends. */
    static String walk(GrammarState state, Random random) {
        StringBuilder out = new StringBuilder();
        for (int step = 0; step < 4000 && !state.complete(); step++) {
            List<Integer> allowed = new ArrayList<>();
            for (int b = 9; b < 127; b++) if (state.accept(b) != null) allowed.add(b);
            if (allowed.isEmpty()) throw new AssertionError("stuck after " + out);
            List<Integer> closing = allowed.stream()
                    .filter(b -> b == '"' || b == '}' || b == ']' || b == '<' || b == '\n')
                    .toList();
            List<Integer> from = !closing.isEmpty() && random.nextInt(3) == 0 ? closing : allowed;
            int b = from.get(random.nextInt(from.size()));
            out.append((char) b);
            state = state.accept(b);
        }
        if (!state.complete()) throw new AssertionError("not complete: " + out);
        return out.toString();
    }
}
