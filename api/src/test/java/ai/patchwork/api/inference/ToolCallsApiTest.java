package ai.patchwork.api.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Tools on a random-weight model with Qwen2.5's Hermes template: a forced call (a named function or
 * {@code required}) always parses into {@code message.tool_calls} / {@code delta.tool_calls} with arguments that
 * validate against the function's parameters (networknt's validator), a conversation with a tool result continues, and
 * bad tool requests are 400s naming the field.
 */
@InferenceTest
class ToolCallsApiTest {
    static final String WEATHER = """
            {"type": "object", "properties": {"city": {"type": "string", "minLength": 1, "maxLength": 10},
             "unit": {"enum": ["celsius", "fahrenheit"]}, "days": {"type": "integer"}},
             "required": ["city", "unit"], "additionalProperties": false}""";
    static final String TIME = """
            {"type": "object", "properties": {"zone": {"type": "string", "maxLength": 6}}, "required": ["zone"]}""";

    @LocalServerPort
    int port;

    static ArrayNode tools() {
        ArrayNode tools = OpenAi.JSON.createArrayNode();
        for (String[] t : new String[][] {{"get_weather", WEATHER}, {"get_time", TIME}}) {
            ObjectNode fn = tools.addObject().put("type", "function").putObject("function");
            fn.put("name", t[0]).put("description", "Look up " + t[0].substring(4));
            fn.set("parameters", OpenAi.JSON.readTree(t[1]));
        }
        return tools;
    }

    static ObjectNode ask(long seed) {
        ObjectNode body = OpenAi.body(ToolModelServices.MODEL)
                .put("seed", seed)
                .put("max_tokens", 160)
                .put("temperature", 1);
        body.putArray("messages").addObject().put("role", "user").put("content", "Weather in Paris?");
        body.set("tools", tools());
        return body;
    }

    static ObjectNode named(long seed, String function) {
        ObjectNode body = ask(seed);
        body.putObject("tool_choice")
                .put("type", "function")
                .putObject("function")
                .put("name", function);
        return body;
    }

    static void assertValid(String function, String arguments) {
        JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(function.equals("get_weather") ? WEATHER : TIME);
        try {
            var errors = schema.validate(new ObjectMapper().readTree(arguments));
            assertTrue(errors.isEmpty(), function + " " + arguments + ": " + errors);
        } catch (JsonProcessingException e) {
            throw new AssertionError("arguments do not parse: " + arguments, e);
        }
    }

    @Test
    void aNamedFunctionIsCalledWithValidArgumentsWholeAndStreamed() {
        OpenAi ai = new OpenAi(port);
        for (long seed = 1; seed <= 4; seed++) {
            ApiClient.Response r = ai.post("/v1/chat/completions", named(seed, "get_weather"));
            assertEquals(200, r.status(), r.text());
            JsonNode choice = r.json().path("choices").path(0);
            assertEquals("tool_calls", choice.path("finish_reason").asString(), r.text());
            JsonNode message = choice.path("message");
            assertTrue(message.path("content").isNull(), r.text());
            JsonNode call = message.path("tool_calls").path(0);
            assertEquals(1, message.path("tool_calls").size(), r.text());
            assertTrue(call.path("id").asString().startsWith("call_"), r.text());
            assertEquals("function", call.path("type").asString());
            assertEquals("get_weather", call.path("function").path("name").asString());
            String arguments = call.path("function").path("arguments").asString();
            assertValid("get_weather", arguments);

            List<JsonNode> deltas = new ArrayList<>();
            String finish = null;
            StringBuilder content = new StringBuilder();
            for (JsonNode chunk : ai.stream(
                            "/v1/chat/completions", named(seed, "get_weather").put("stream", true), null)
                    .chunks()) {
                JsonNode c = chunk.path("choices").path(0);
                content.append(c.path("delta").path("content").asString(""));
                c.path("delta").path("tool_calls").forEach(deltas::add);
                if (c.path("finish_reason").isString())
                    finish = c.path("finish_reason").asString();
            }
            assertEquals("tool_calls", finish);
            assertEquals("", content.toString());
            assertEquals(1, deltas.size(), deltas.toString());
            assertEquals(0, deltas.getFirst().path("index").asInt(-1));
            assertEquals(
                    "get_weather",
                    deltas.getFirst().path("function").path("name").asString());
            assertEquals(
                    arguments,
                    deltas.getFirst().path("function").path("arguments").asString());
        }
    }

    @Test
    void requiredCallsOneOfTheTools() {
        OpenAi ai = new OpenAi(port);
        for (long seed = 1; seed <= 6; seed++) {
            ObjectNode body = ask(seed).put("tool_choice", "required").put("parallel_tool_calls", false);
            ApiClient.Response r = ai.post("/v1/chat/completions", body);
            assertEquals(200, r.status(), r.text());
            JsonNode call = r.json().at("/choices/0/message/tool_calls/0");
            String name = call.path("function").path("name").asString();
            assertTrue(name.equals("get_weather") || name.equals("get_time"), r.text());
            assertValid(name, call.path("function").path("arguments").asString());
        }
    }

    @Test
    void aConversationWithAToolResultContinues() {
        OpenAi ai = new OpenAi(port);
        ObjectNode body = ask(3).put("max_tokens", 8).put("tool_choice", "auto");
        ArrayNode messages = (ArrayNode) body.get("messages");
        ObjectNode assistant = messages.addObject().put("role", "assistant").putNull("content");
        ObjectNode call =
                assistant.putArray("tool_calls").addObject().put("id", "call_1").put("type", "function");
        call.putObject("function")
                .put("name", "get_weather")
                .put("arguments", "{\"city\": \"Paris\", \"unit\": \"celsius\"}");
        messages.addObject().put("role", "tool").put("tool_call_id", "call_1").put("content", "22 degrees");
        ApiClient.Response r = ai.post("/v1/chat/completions", body);
        assertEquals(200, r.status(), r.text());
        JsonNode choice = r.json().path("choices").path(0);
        assertTrue(
                List.of("stop", "length").contains(choice.path("finish_reason").asString()), r.text());
        assertTrue(choice.path("message").path("content").isString(), r.text());

        // the tools and the history are in the prompt the template rendered
        ObjectNode plain = OpenAi.body(ToolModelServices.MODEL).put("max_tokens", 1);
        plain.putArray("messages").addObject().put("role", "user").put("content", "Weather in Paris?");
        int without = ai.post("/v1/chat/completions", plain)
                .json()
                .path("usage")
                .path("prompt_tokens")
                .asInt();
        int with = r.json().path("usage").path("prompt_tokens").asInt();
        assertTrue(with > without + 100, with + " vs " + without);
    }

    @Test
    void badToolRequestsAre400NamingTheField() {
        OpenAi ai = new OpenAi(port);
        assertParam(ai, named(1, "get_nothing"), "tool_choice");
        assertParam(ai, ask(1).put("tool_choice", "sometimes"), "tool_choice");
        ObjectNode noTools = OpenAi.body(ToolModelServices.MODEL).put("tool_choice", "required");
        noTools.putArray("messages").addObject().put("role", "user").put("content", "Hi");
        assertParam(ai, noTools, "tool_choice");
        ObjectNode chatMl = ask(1).put("model", "tiny-llama"); // its ChatML template renders no tools
        assertParam(ai, chatMl, "tools");
        ObjectNode badSchema = ask(1).put("tool_choice", "required");
        ((ObjectNode) badSchema.path("tools").path(0).path("function").path("parameters")).put("pattern", "a+");
        assertParam(ai, badSchema, "tools");
        ObjectNode extra = ask(1);
        ((ObjectNode) extra.path("tools").path(0).path("function")).put("returns", "string");
        assertParam(ai, extra, "tools[0].function.returns");
        ObjectNode orphan = ask(1);
        ((ArrayNode) orphan.get("messages")).addObject().put("role", "tool").put("content", "22");
        assertParam(ai, orphan, "messages[1].tool_call_id");
        ObjectNode both = named(1, "get_time");
        both.putObject("response_format").put("type", "json_object");
        assertParam(ai, both, "tool_choice");
    }

    @Test
    void unknownFieldsAre400AndCommonClientFieldsAreAccepted() {
        OpenAi ai = new OpenAi(port);
        ObjectNode chat = OpenAi.body("tiny-llama").put("max_tokens", 2).put("frobnicate", true);
        chat.putArray("messages").addObject().put("role", "user").put("content", "Hi");
        ApiClient.Response r = ai.post("/v1/chat/completions", chat);
        assertEquals(400, r.status(), r.text());
        assertEquals("frobnicate", r.json().path("error").path("param").asString());
        assertEquals(
                "invalid_request_error", r.json().path("error").path("type").asString());
        assertTrue(r.json().path("error").path("message").asString().contains("frobnicate"), r.text());

        chat.remove("frobnicate");
        ((ObjectNode) chat.path("messages").path(0)).put("mood", "happy");
        assertParam(ai, chat, "messages[0].mood");
        ((ObjectNode) chat.path("messages").path(0)).remove("mood");
        chat.put("stream", true)
                .putObject("stream_options")
                .put("include_usage", true)
                .put("obfuscation", true);
        assertParam(ai, chat, "stream_options.obfuscation");
        chat.remove("stream_options");
        chat.remove("stream");

        chat.put("user", "u-1").put("store", true).put("service_tier", "auto");
        chat.put("prompt_cache_key", "k").put("safety_identifier", "s-1");
        chat.putObject("metadata").put("team", "a");
        assertEquals(200, ai.post("/v1/chat/completions", chat).status());

        ObjectNode completion = OpenAi.body("tiny-llama").put("prompt", "Hi").put("max_tokens", 2);
        assertEquals(
                200, ai.post("/v1/completions", completion.put("user", "u-1")).status());
        assertParam(ai, "/v1/completions", completion.put("messages", "no"), "messages");
    }

    private static void assertParam(OpenAi ai, ObjectNode body, String param) {
        assertParam(ai, "/v1/chat/completions", body, param);
    }

    private static void assertParam(OpenAi ai, String path, ObjectNode body, String param) {
        ApiClient.Response r = ai.post(path, body);
        assertEquals(400, r.status(), r.text());
        assertEquals(param, r.json().path("error").path("param").asString(), r.text());
    }
}
