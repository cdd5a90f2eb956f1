package ai.patchwork.trainer.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.tokenizer.ToolCall;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The file formats OpenAI documents, and a clear message naming the line for each way a file can be wrong. */
class JsonlParserTest {

    static final String GOOD = "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, "
            + "{\"role\": \"assistant\", \"content\": \"hello\"}]}";

    static List<Example> parse(String text) {
        return JsonlParser.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    static InvalidDatasetException invalid(String text) {
        return assertThrows(InvalidDatasetException.class, () -> parse(text));
    }

    @Test
    void readsChatExamplesWithWeightsAndTextParts() {
        // given a system prompt, an untrained assistant turn, and content as text parts
        String line = "{\"messages\": [{\"role\": \"system\", \"content\": \"terse\"}, "
                + "{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"Capital \"}, "
                + "{\"type\": \"text\", \"text\": \"of France?\"}]}, {\"role\": \"assistant\", \"content\": \"Lyon\", "
                + "\"weight\": 0}, {\"role\": \"user\", \"content\": \"Again\"}, "
                + "{\"role\": \"assistant\", \"content\": \"Paris\"}]}";

        // when it is parsed, after a blank line
        List<Example> examples = parse("\n" + line + "\n");

        // then the turns keep their roles, joined text and weights, and the line number
        Example.Chat chat = assertInstanceOf(Example.Chat.class, examples.getFirst());
        assertEquals(2, chat.line());
        assertEquals("Capital of France?", chat.turns().get(1).content());
        assertEquals(0, chat.turns().get(2).weight());
        assertEquals(1, chat.turns().get(4).weight());
    }

    @Test
    void readsToolCallsToolMessagesAndTools() {
        // given OpenAI's function-calling example: tools, a call with null content, the tool's answer, a reply
        String line = "{\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
                + "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}}}], "
                + "\"parallel_tool_calls\": false, \"messages\": [{\"role\": \"developer\", \"content\": \"terse\"}, "
                + "{\"role\": \"user\", \"content\": \"Weather in Oslo?\"}, {\"role\": \"assistant\", "
                + "\"content\": null, \"tool_calls\": [{\"id\": \"call_1\", \"type\": \"function\", \"function\": "
                + "{\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Oslo\\\"}\"}}]}, "
                + "{\"role\": \"tool\", \"tool_call_id\": \"call_1\", \"content\": \"3 C\"}, "
                + "{\"role\": \"assistant\", \"content\": \"It is 3 C.\", \"weight\": 0}]}";

        // when it is parsed
        Example.Chat chat = assertInstanceOf(Example.Chat.class, parse(line).getFirst());

        // then the tools, the call and the answer are kept, and developer is read as system
        assertEquals("system", chat.turns().get(0).role());
        assertEquals(
                List.of(new ToolCall("call_1", "get_weather", "{\"city\": \"Oslo\"}")),
                chat.turns().get(2).toolCalls());
        assertEquals("", chat.turns().get(2).content());
        assertTrue(chat.turns().get(2).trained());
        assertEquals("call_1", chat.turns().get(3).toolCallId());
        assertEquals(0, chat.turns().get(4).weight());
        assertEquals(1, chat.tools().size());
        assertEquals("get_weather", ((Map<?, ?>) chat.tools().getFirst().get("function")).get("name"));
    }

    @Test
    void readsLegacyFunctionsAsTools() {
        // given the legacy form: functions, a function_call whose arguments are an object, a function message
        String line = "{\"functions\": [{\"name\": \"lookup\", \"description\": \"find a word\"}], "
                + "\"messages\": [{\"role\": \"user\", \"content\": \"define cat\"}, {\"role\": \"assistant\", "
                + "\"function_call\": {\"name\": \"lookup\", \"arguments\": {\"word\": \"cat\"}}}, "
                + "{\"role\": \"function\", \"name\": \"lookup\", \"content\": \"a pet\"}, "
                + "{\"role\": \"assistant\", \"content\": \"A pet.\"}]}";

        // when it is parsed
        Example.Chat chat = assertInstanceOf(Example.Chat.class, parse(line).getFirst());

        // then the functions are tools, the call a tool call and the function message a tool message
        assertEquals(
                Map.of("type", "function", "function", Map.of("name", "lookup", "description", "find a word")),
                chat.tools().getFirst());
        assertEquals(
                List.of(new ToolCall(null, "lookup", "{\"word\":\"cat\"}")),
                chat.turns().get(1).toolCalls());
        assertEquals("tool", chat.turns().get(2).role());
        assertEquals("lookup", chat.turns().get(2).name());
    }

    @Test
    void readsPromptCompletionExamples() {
        Example e = parse("{\"prompt\": \"2+2=\", \"completion\": \"4\"}").getFirst();
        assertEquals(new Example.Completion(1, "2+2=", "4"), e);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "malformed JSON | {\"messages\": [ | 2 | line 2: is not valid JSON",
                "not an object | [1, 2] | 2 | line 2: is not a JSON object",
                "no known keys | {\"text\": \"hi\"} | 2 | has neither \"messages\"",
                "missing assistant turn | {\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]} | 2 | missing assistant turn",
                "unknown role | {\"messages\": [{\"role\": \"wizard\", \"content\": \"x\"}, {\"role\": \"assistant\", \"content\": \"y\"}]} | 2 | messages[0]: unknown role 'wizard'",
                "tool without call id | {\"messages\": [{\"role\": \"tool\", \"content\": \"x\"}, {\"role\": \"assistant\", \"content\": \"y\"}]} | 2 | messages[0]: a tool message needs the \"tool_call_id\"",
                "tool before any call | {\"messages\": [{\"role\": \"tool\", \"tool_call_id\": \"c\", \"content\": \"x\"}, {\"role\": \"assistant\", \"content\": \"y\"}]} | 2 | messages[0]: a tool message must follow an assistant message with tool_calls",
                "unknown call id | {\"messages\": [{\"role\": \"assistant\", \"tool_calls\": [{\"id\": \"a\", \"type\": \"function\", \"function\": {\"name\": \"f\", \"arguments\": \"{}\"}}]}, {\"role\": \"tool\", \"tool_call_id\": \"b\", \"content\": \"x\"}, {\"role\": \"assistant\", \"content\": \"y\"}]} | 2 | messages[1]: tool_call_id 'b' matches no call",
                "arguments not JSON | {\"messages\": [{\"role\": \"assistant\", \"tool_calls\": [{\"id\": \"a\", \"type\": \"function\", \"function\": {\"name\": \"f\", \"arguments\": \"{city\"}}]}]} | 2 | messages[0].tool_calls[0].function.arguments is not valid JSON",
                "arguments an array | {\"messages\": [{\"role\": \"assistant\", \"tool_calls\": [{\"function\": {\"name\": \"f\", \"arguments\": \"[1]\"}}]}]} | 2 | arguments is not a JSON object",
                "call without name | {\"messages\": [{\"role\": \"assistant\", \"tool_calls\": [{\"function\": {\"arguments\": \"{}\"}}]}]} | 2 | messages[0].tool_calls[0].function.name must be a string",
                "bad function name | {\"messages\": [{\"role\": \"assistant\", \"function_call\": {\"name\": \"get weather\", \"arguments\": \"{}\"}}]} | 2 | messages[0].function_call.name 'get weather' must be 1 to 64",
                "undeclared function | {\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"g\"}}], \"messages\": [{\"role\": \"assistant\", \"tool_calls\": [{\"function\": {\"name\": \"f\", \"arguments\": \"{}\"}}]}]} | 2 | messages[0] calls 'f', which is not in \"tools\"",
                "tool type | {\"tools\": [{\"type\": \"retrieval\"}], \"messages\": [{\"role\": \"assistant\", \"content\": \"y\"}]} | 2 | tools[0].type must be \"function\"",
                "tool parameters | {\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"g\", \"parameters\": 3}}], \"messages\": [{\"role\": \"assistant\", \"content\": \"y\"}]} | 2 | tools[0].function.parameters must be a JSON schema object",
                "duplicate tool | {\"functions\": [{\"name\": \"g\"}, {\"name\": \"g\"}], \"messages\": [{\"role\": \"assistant\", \"content\": \"y\"}]} | 2 | functions[1].name 'g' is declared twice",
                "tools and functions | {\"tools\": [], \"functions\": [{\"name\": \"g\"}], \"messages\": [{\"role\": \"assistant\", \"content\": \"y\"}]} | 2 | has both \"tools\" and the legacy \"functions\"",
                "user calls | {\"messages\": [{\"role\": \"user\", \"content\": \"x\", \"tool_calls\": [{}]}, {\"role\": \"assistant\", \"content\": \"y\"}]} | 2 | messages[0]: only assistant messages call tools",
                "function without name | {\"messages\": [{\"role\": \"assistant\", \"function_call\": {\"name\": \"f\", \"arguments\": \"{}\"}}, {\"role\": \"function\", \"content\": \"x\"}]} | 2 | messages[1]: a function message needs the \"name\"",
                "empty assistant | {\"messages\": [{\"role\": \"user\", \"content\": \"x\"}, {\"role\": \"assistant\", \"content\": \"\"}]} | 2 | must have content or tool_calls",
                "weight 0.5 | {\"messages\": [{\"role\": \"user\", \"content\": \"x\"}, {\"role\": \"assistant\", \"content\": \"y\", \"weight\": 0.5}]} | 2 | \"weight\" must be 0 or 1",
                "all weights 0 | {\"messages\": [{\"role\": \"user\", \"content\": \"x\"}, {\"role\": \"assistant\", \"content\": \"y\", \"weight\": 0}]} | 2 | nothing to train on",
                "empty messages | {\"messages\": []} | 2 | \"messages\" is empty",
                "content missing | {\"messages\": [{\"role\": \"user\"}, {\"role\": \"assistant\", \"content\": \"y\"}]} | 2 | has no \"content\"",
                "mixed formats | {\"prompt\": \"a\", \"completion\": \"b\"} | 2 | use one format per file",
                "empty completion | {\"prompt\": \"a\"} | 2 | \"completion\" must be a string",
                "preference data | {\"input\": {}, \"preferred_output\": []} | 2 | only supervised examples"
            })
    void namesTheLineAndTheProblem(String name, String badLine, int line, String expected) {
        // given a good first line and a bad second one
        InvalidDatasetException e = invalid(GOOD + "\n" + badLine + "\n");

        // then the message names the line and the problem
        assertEquals(line, e.firstLine());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void anEmptyFileIsRefused() {
        assertTrue(invalid("").getMessage().contains("no examples"));
        assertTrue(invalid("\n  \n").getMessage().contains("no examples"));
    }

    @Test
    void severalProblemsAreCountedAndTheNextLineNamed() {
        InvalidDatasetException e = invalid("nope\n" + GOOD + "\n{bad\n");
        assertEquals(2, e.problems().size());
        assertTrue(e.getMessage().startsWith("line 1: is not valid JSON"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(and 1 more problem, the next on line 3)"), e.getMessage());
    }

    @Test
    void textThatIsNotUtf8IsRefused() {
        byte[] latin1 = "{\"prompt\": \"caf\u00e9\", \"completion\": \"x\"}".getBytes(StandardCharsets.ISO_8859_1);
        InvalidDatasetException e =
                assertThrows(InvalidDatasetException.class, () -> JsonlParser.parse(new ByteArrayInputStream(latin1)));
        assertTrue(e.getMessage().contains("not UTF-8"), e.getMessage());
    }

    @Test
    void aLineOverTheLimitIsAProblemOfItsOwnLine() {
        String text = GOOD + "\n" + "{\"prompt\": \"" + "p".repeat(100) + "\"}\n" + GOOD + "\n";
        InvalidDatasetException e = assertThrows(
                InvalidDatasetException.class,
                () -> JsonlParser.check(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), 100));
        assertEquals("line 2: is longer than 100 bytes, the limit of a line", e.getMessage());
    }
}
