package ai.patchwork.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tools, assistant tool calls and tool results reach Hugging Face templates (Qwen2.5's Hermes form, Llama 3.1's JSON
 * form) as {@code transformers} passes them, and render to the text {@code apply_chat_template} gives.
 */
class ChatTemplateToolsTest {
    static final JsonNode WEATHER = JsonMapper.shared().readTree("""
            {"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
             "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}""");

    static String template(String name) {
        try (InputStream in = ChatTemplateToolsTest.class.getResourceAsStream("/templates/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<ChatMessage> conversation() {
        return List.of(
                ChatMessage.user("Weather in Paris?"),
                ChatMessage.assistant("", List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"))),
                ChatMessage.tool("call_1", "22 C"));
    }

    @Test
    void hermesTemplateRendersToolsCallsAndResults() {
        ChatTemplate t = ChatTemplate.of(template("hermes-qwen2.5.jinja"), "", "<|im_end|>");
        assertTrue(t.readsTools());
        String text = t.render(conversation(), List.of(WEATHER), true);
        assertEquals(
                "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.\n\n"
                        + "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                        + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
                        + "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": "
                        + "\"Weather of a city\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": "
                        + "{\"type\": \"string\"}}, \"required\": [\"city\"]}}}\n</tools>\n\n"
                        + "For each function call, return a json object with function name and arguments within "
                        + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, "
                        + "\"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
                        + "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
                        + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
                        + "{\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"
                        + "<|im_start|>user\n<tool_response>\n22 C\n</tool_response><|im_end|>\n"
                        + "<|im_start|>assistant\n",
                text);
    }

    @Test
    void withoutToolsTheTemplateSeesThemUndefined() {
        ChatTemplate t = ChatTemplate.of(template("hermes-qwen2.5.jinja"), "", "<|im_end|>");
        assertEquals(
                "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                t.render(List.of(ChatMessage.user("Hi")), List.of(), true));
        assertFalse(ChatTemplate.chatMl("", "").readsTools());
    }

    @Test
    void llama31TemplateRendersIndentedToolsAndJsonCalls() {
        ChatTemplate t = ChatTemplate.of(template("llama3.1-json.jinja"), "<|begin_of_text|>", "<|eot_id|>");
        String text = t.render(conversation(), List.of(WEATHER), false);
        assertTrue(
                text.contains(
                        "{\n    \"type\": \"function\",\n    \"function\": {\n        \"name\": \"get_weather\","),
                text);
        assertTrue(text.contains("\n\nWeather in Paris?<|eot_id|>"), text);
        assertTrue(
                text.contains("<|start_header_id|>assistant<|end_header_id|>\n\n"
                        + "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|>"),
                text);
        assertTrue(text.endsWith("<|start_header_id|>ipython<|end_header_id|>\n\n22 C<|eot_id|>"), text);
    }

    @Test
    void toJsonWritesLikePythonJsonDumps() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("b", List.of(1, 2.5, 3.0, true));
        value.put("a", "é\"\n\u0001");
        value.put("c", Map.of());
        assertEquals(
                "{\"b\": [1, 2.5, 3.0, true], \"a\": \"é\\\"\\n\\u0001\", \"c\": {}}",
                PythonJson.dumps(value, -1, false));
        assertEquals(
                "{\n  \"x\": [\n    null\n  ]\n}",
                PythonJson.dumps(Map.of("x", Arrays.asList((Object) null)), 2, false));
    }
}
