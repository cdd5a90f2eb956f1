package ai.patchwork.trainer.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.fixture.TinyModelSpec;
import ai.patchwork.model.fixture.TinyModelWriter;
import ai.patchwork.model.tokenizer.ChatMessage;
import ai.patchwork.model.tokenizer.Tokenizer;
import ai.patchwork.trainer.fixture.ToolCallTask;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tokens as serving sees them, with the loss on exactly the assistant's tokens of weight 1. */
class ExampleEncoderTest {

    static Tokenizer tokenizer;
    static ExampleEncoder encoder;

    @BeforeAll
    static void load() throws Exception {
        var dir = Files.createTempDirectory("encoder-model");
        TinyModelWriter.write(TinyModelSpec.defaults(), dir);
        tokenizer = Tokenizer.load(dir);
        encoder = new ExampleEncoder(tokenizer, 64);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    static EncodedExample encode(String line) {
        List<Example> examples = JsonlParser.parse(new ByteArrayInputStream(line.getBytes(StandardCharsets.UTF_8)));
        return encoder.encodeAll(examples).getFirst();
    }

    static String text(EncodedExample e, boolean trained) {
        int n = 0;
        for (float w : e.weights()) if ((w > 0) == trained) n++;
        int[] ids = new int[n];
        int j = 0;
        for (int i = 0; i < e.length(); i++) if ((e.weights()[i] > 0) == trained) ids[j++] = e.ids()[i];
        return tokenizer.decode(ids, false);
    }

    @Test
    void chatTokensAreTheTemplatesAndOnlyTheTrainedAssistantTurnCounts() {
        // given a conversation whose first assistant turn has weight 0
        EncodedExample e =
                encode("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", "
                        + "\"content\": \"Yo\", \"weight\": 0}, {\"role\": \"user\", \"content\": \"Again\"}, {\"role\": \"assistant\", "
                        + "\"content\": \"Hello\"}, {\"role\": \"user\", \"content\": \"dropped\"}]}");

        // then the ids are the rendered conversation up to the last assistant turn
        String rendered = tokenizer
                .chatTemplate()
                .render(
                        List.of(
                                ChatMessage.user("Hi"),
                                ChatMessage.assistant("Yo"),
                                ChatMessage.user("Again"),
                                ChatMessage.assistant("Hello")),
                        false);
        assertEquals(rendered.stripTrailing(), tokenizer.decode(e.ids(), false).stripTrailing());
        // and the loss is on "Hello<|im_end|>" alone: not the weight-0 turn, not the newline after the end token
        assertEquals("Hello<|im_end|>", text(e, true));
        assertEquals(e.targetTokens(), (int)
                Arrays.stream(tokenizer.encode("Hello<|im_end|>")).count());
    }

    @Test
    void toolCallsAreTrainedInTheTemplatesFormAndToolAnswersAreContext() throws Exception {
        // given a template that renders tools, and a call, the tool's answer and a reply
        var dir = Files.createTempDirectory("tool-encoder-model");
        TinyModelWriter.write(
                TinyModelSpec.defaults().toBuilder().optMaxPositions(1024).build(), dir);
        ToolCallTask.useTemplate(dir);
        String line = "{\"tools\": " + ToolCallTask.TOOLS_JSON + ", \"messages\": [{\"role\": \"user\", "
                + "\"content\": \"Oslo?\"}, {\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": "
                + "\"c1\", \"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"arguments\": "
                + "\"{\\\"city\\\": \\\"Oslo\\\"}\"}}]}, {\"role\": \"tool\", \"tool_call_id\": \"c1\", "
                + "\"content\": \"3 C\"}, {\"role\": \"assistant\", \"content\": \"Cold.\"}]}";
        try (Tokenizer tools = Tokenizer.load(dir)) {
            List<Example> examples = JsonlParser.parse(new ByteArrayInputStream(line.getBytes(StandardCharsets.UTF_8)));

            // when it is encoded
            EncodedExample e =
                    new ExampleEncoder(tools, 1024).encodeAll(examples).getFirst();

            // then the loss is on the call in the template's form and on the reply, not on the tools or the answer
            StringBuilder trained = new StringBuilder();
            StringBuilder context = new StringBuilder();
            for (int i = 0; i < e.length(); i++) {
                (e.weights()[i] > 0 ? trained : context).append(tools.decode(new int[] {e.ids()[i]}, false));
            }
            assertEquals(
                    "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>"
                            + "<|im_end|>Cold.<|im_end|>",
                    trained.toString());
            assertTrue(
                    context.toString().contains("get_weather {\"city\": {\"type\": \"string\"}}"), context.toString());
            assertTrue(context.toString().contains("<tool_response>\n3 C\n</tool_response>"), context.toString());
        }
    }

    @Test
    void promptCompletionTrainsOnTheCompletionAndAnEndToken() {
        EncodedExample e = encode("{\"prompt\": \"Q: 2+2\\nA:\", \"completion\": \" 4\"}");
        assertEquals("Q: 2+2\nA:", text(e, false));
        assertTrue(text(e, true).startsWith(" 4<|"), text(e, true));
        assertTrue(tokenizer.eosIds().contains(e.ids()[e.length() - 1]));
    }

    @Test
    void anExampleOverTheContextNamesItsLine() {
        // given a second line longer than the 64-token context
        String longLine = "{\"prompt\": \"" + "word ".repeat(80) + "\", \"completion\": \"x\"}";
        String file = "{\"prompt\": \"a\", \"completion\": \"b\"}\n" + longLine + "\n";
        List<Example> examples = JsonlParser.parse(new ByteArrayInputStream(file.getBytes(StandardCharsets.UTF_8)));

        // when it is encoded, then the error names line 2 and both lengths
        InvalidDatasetException e = assertThrows(InvalidDatasetException.class, () -> encoder.encodeAll(examples));
        assertEquals(2, e.firstLine());
        assertTrue(
                e.getMessage()
                        .matches("line 2: the example is \\d+ tokens long, more than the model's context of 64 "
                                + "tokens.*"),
                e.getMessage());
    }

    @Test
    void encodedDatasetsRoundTrip() throws Exception {
        TokenizedDataset<EncodedExample> data = new TokenizedDataset<>(
                EncodedExample.FORMAT, List.of(encode("{\"prompt\": \"a\", \"completion\": \"b\"}")));
        var out = new java.io.ByteArrayOutputStream();
        data.write(out);
        TokenizedDataset<EncodedExample> back =
                TokenizedDataset.read(new ByteArrayInputStream(out.toByteArray()), EncodedExample.FORMAT);
        assertArrayEquals(data.get(0).ids(), back.get(0).ids());
        assertArrayEquals(data.get(0).weights(), back.get(0).weights());
        assertEquals(1, back.get(0).line());
    }
}
