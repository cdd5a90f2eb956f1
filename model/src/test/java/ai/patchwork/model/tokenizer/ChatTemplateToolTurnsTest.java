package ai.patchwork.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Qwen 2.5's chat template (a Hugging Face template that renders tools) sees the tool list, the assistant's
 * {@code tool_calls} with their arguments as maps, and the tool turns, as it does under {@code transformers}.
 */
class ChatTemplateToolTurnsTest {

    static final Map<String, Object> WEATHER = ordered(
            "type", "function", "function", ordered("name", "get_weather", "parameters", Map.of("type", "object")));

    /** A map that keeps the order of its keys, as a parsed JSON object does. */
    static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        return map;
    }

    static ChatTemplate qwen() throws IOException {
        try (InputStream in = ChatTemplateToolTurnsTest.class.getResourceAsStream("qwen2.5-tools.jinja")) {
            return ChatTemplate.of(new String(in.readAllBytes(), StandardCharsets.UTF_8), "", "<|im_end|>");
        }
    }

    @Test
    void rendersToolsCallsAndResponses() throws IOException {
        List<ChatMessage> conversation = List.of(
                ChatMessage.system("Be brief."),
                ChatMessage.user("Weather in Oslo?"),
                new ChatMessage(
                        "assistant",
                        "",
                        List.of(new ToolCall("call_1", "get_weather", "{\"city\": \"Oslo\", \"days\": 2}")),
                        null,
                        null),
                new ChatMessage("tool", "{\"temp\": 3}", List.of(), "call_1", "get_weather"),
                ChatMessage.assistant("3 degrees."));

        String text = qwen().render(conversation, List.of(WEATHER), false);

        String expected = "<|im_start|>system\nBe brief.\n\n# Tools\n\nYou may call one or more functions to assist "
                + "with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:"
                + "\n<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\": "
                + "{\"type\": \"object\"}}}\n</tools>\n\nFor each function call, return a json object with function "
                + "name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": "
                + "<function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\nWeather in Oslo?<|im_end|>\n"
                + "<|im_start|>assistant\n<tool_call>\n"
                + "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\", \"days\": 2}}"
                + "\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n{\"temp\": 3}\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n3 degrees.<|im_end|>\n";
        assertEquals(expected, text);
    }

    @Test
    void withoutToolsTheTemplateTakesItsPlainBranch() throws IOException {
        String text = qwen().render(List.of(ChatMessage.user("hi")), true);

        assertEquals(
                "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
                text);
    }

    @Test
    void argumentsThatAreNoJsonObjectReachTheTemplateAsText() throws IOException {
        ChatMessage call = new ChatMessage("assistant", "", List.of(new ToolCall(null, "f", "[1")), null, null);

        String text = qwen().render(List.of(ChatMessage.user("x"), call), false);

        assertTrue(text.contains("{\"name\": \"f\", \"arguments\": \"[1\"}"), text);
    }

    @Test
    void toolCallsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new ToolCall("id", " ", "{}"));
        assertThrows(NullPointerException.class, () -> new ToolCall("id", "f", null));
        assertEquals(List.of(), new ChatMessage("user", "x", null, null, null).toolCalls());
    }
}
