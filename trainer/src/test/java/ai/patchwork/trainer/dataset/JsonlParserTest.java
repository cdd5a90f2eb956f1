package ai.patchwork.trainer.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
                "tool role | {\"messages\": [{\"role\": \"tool\", \"content\": \"x\"}, {\"role\": \"assistant\", \"content\": \"y\"}]} | 2 | role 'tool' is not supported",
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
