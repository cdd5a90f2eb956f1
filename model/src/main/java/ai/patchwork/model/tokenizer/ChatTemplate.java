package ai.patchwork.model.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Hugging Face chat template: Jinja source that turns a conversation into the prompt text a model
 * was trained on, rendered with Jinjava configured like the {@code transformers} environment
 * ({@code trim_blocks} and {@code lstrip_blocks} on, Python-style operator precedence and output).
 *
 * <p>Templates see what {@code transformers}' {@code apply_chat_template} passes: {@code messages} (a list of maps
 * with {@code role} and {@code content}; an assistant turn that calls tools also has {@code tool_calls}, each {@code
 * {"id", "type": "function", "function": {"name", "arguments"}}} with the arguments as an object; a {@code tool} turn
 * has {@code tool_call_id}, and any turn may have a {@code name}), {@code tools} (the tools' JSON schemas, as OpenAI
 * and Hugging Face write them: {@code {"type": "function", "function": {"name", "description", "parameters"}}}; left
 * undefined when there are none), {@code add_generation_prompt}, {@code bos_token} and {@code eos_token} (empty
 * strings when unknown), the functions {@code raise_exception(msg)} and {@code strftime_now(format)}, and a {@code
 * tojson} filter that writes JSON as Python's {@code json.dumps} does ({@link PythonJson}). Instances are immutable
 * and safe to share between threads.
 */
public final class ChatTemplate {
    /**
     * The fallback used when a model ships no template: ChatML, the same text as the old {@code
     * transformers} default. Each message becomes {@code <|im_start|>ROLE\nCONTENT<|im_end|>\n}, and
     * the generation prompt is {@code <|im_start|>assistant\n}. It only suits models that know the
     * ChatML markers; for others the markers are encoded as ordinary text.
     */
    public static final String CHATML_SOURCE = "{% for message in messages %}"
            + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            + "{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static final Jinjava JINJAVA = newEngine();

    /**
     * Jinja binds {@code not x is test} as {@code not (x is test)}; Jinjava as {@code (not x) is test}, which turns
     * Llama 3.1's {@code not tools is none} upside down. The parentheses are added before rendering.
     */
    private static final Pattern NOT_IS = Pattern.compile("\\bnot\\s+([A-Za-z_][\\w.]*)\\s+is\\s+(not\\s+)?(\\w+)");

    private final String source;
    private final String jinjavaSource;
    private final String bosToken;
    private final String eosToken;

    private ChatTemplate(String source, String bosToken, String eosToken) {
        this.source = Objects.requireNonNull(source, "source");
        this.jinjavaSource = NOT_IS.matcher(source).replaceAll("not ($1 is $2$3)");
        this.bosToken = Objects.requireNonNull(bosToken, "bosToken");
        this.eosToken = Objects.requireNonNull(eosToken, "eosToken");
    }

    /**
     * A template from its Jinja source and the model's special token strings.
     *
     * @param bosToken the text of the BOS token, or {@code ""} when the model has none
     * @param eosToken the text of the EOS token, or {@code ""} when the model has none
     */
    public static ChatTemplate of(String source, String bosToken, String eosToken) {
        return new ChatTemplate(source, bosToken, eosToken);
    }

    /** The ChatML fallback ({@link #CHATML_SOURCE}) with the given special token strings. */
    public static ChatTemplate chatMl(String bosToken, String eosToken) {
        return new ChatTemplate(CHATML_SOURCE, bosToken, eosToken);
    }

    /** The Jinja source of this template. */
    public String source() {
        return source;
    }

    /**
     * Renders a conversation to prompt text.
     *
     * @param addGenerationPrompt whether to append the text that opens the assistant's reply
     * @throws ChatTemplateException if the template raises an exception or fails to render
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, List.of(), addGenerationPrompt);
    }

    /**
     * Renders a conversation, with the tools the assistant may call, to prompt text.
     *
     * @param tools the tools' definitions, each {@code {"type": "function", "function": {"name", "description",
     *     "parameters"}}} as a {@link JsonNode} or as plain maps and lists; empty for none (the template then sees
     *     {@code tools} undefined)
     * @param addGenerationPrompt whether to append the text that opens the assistant's reply
     * @throws ChatTemplateException if the template raises an exception or fails to render
     */
    public String render(List<ChatMessage> messages, List<?> tools, boolean addGenerationPrompt) {
        List<Map<String, Object>> turns = new ArrayList<>(messages.size());
        for (ChatMessage message : messages) turns.add(turn(message));
        Map<String, Object> bindings = new HashMap<>();
        bindings.put("messages", turns);
        if (!tools.isEmpty()) {
            bindings.put("tools", tools.stream().map(ChatTemplate::plain).toList());
        }
        bindings.put("add_generation_prompt", addGenerationPrompt);
        bindings.put("bos_token", bosToken);
        bindings.put("eos_token", eosToken);
        RenderResult result = JINJAVA.renderForResult(jinjavaSource, bindings);
        failOnErrors(result.getErrors());
        return result.getOutput();
    }

    /** Whether the template reads a {@code tools} variable at all (a template that does not cannot offer tools). */
    public boolean readsTools() {
        return source.contains("tools");
    }

    private static Map<String, Object> turn(ChatMessage message) {
        Map<String, Object> turn = new LinkedHashMap<>();
        turn.put("role", message.role());
        turn.put("content", message.content());
        if (!message.toolCalls().isEmpty()) {
            List<Map<String, Object>> calls = new ArrayList<>();
            for (ToolCall call : message.toolCalls()) {
                Map<String, Object> function = new LinkedHashMap<>();
                function.put("name", call.name());
                function.put("arguments", arguments(call.arguments()));
                Map<String, Object> c = new LinkedHashMap<>();
                if (call.id() != null) c.put("id", call.id());
                c.put("type", "function");
                c.put("function", function);
                calls.add(c);
            }
            turn.put("tool_calls", calls);
        }
        if (message.toolCallId() != null) turn.put("tool_call_id", message.toolCallId());
        if (message.name() != null) turn.put("name", message.name());
        return turn;
    }

    /** Arguments that are a JSON object become a map, as templates expect; anything else stays text. */
    private static Object arguments(String json) {
        try {
            JsonNode node = JsonMapper.shared().readTree(json);
            return node != null && node.isObject() ? plain(node) : json;
        } catch (JacksonException e) {
            return json;
        }
    }

    /** A JSON value (a node, or maps and lists) as plain maps, lists, strings, numbers, booleans and nulls. */
    private static Object plain(Object value) {
        return JsonMapper.shared().convertValue(value, Object.class);
    }

    private static void failOnErrors(List<TemplateError> errors) {
        for (TemplateError error : errors) {
            for (Throwable t = error.getException(); t != null; t = t.getCause()) {
                if (t instanceof TemplateFunctions.RaisedByTemplate raised) {
                    throw new ChatTemplateException(raised.getMessage());
                }
            }
        }
        for (TemplateError error : errors) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new ChatTemplateException(
                        "Chat template failed at line " + error.getLineno() + ": " + error.getMessage(),
                        error.getException());
            }
        }
    }

    private static Jinjava newEngine() {
        LegacyOverrides python = LegacyOverrides.newBuilder()
                .withEvaluateMapKeys(true)
                .withIterateOverMapKeys(true)
                .withUsePyishObjectMapper(true)
                .withUseNaturalOperatorPrecedence(true)
                .withParseWhitespaceControlStrictly(true)
                .withUseTrimmingForNotesAndExpressions(true)
                .withKeepNullableLoopValues(true)
                .build();
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                // Message text must never be re-rendered as a template.
                .withNestedInterpretationEnabled(false)
                .withLegacyOverrides(python)
                .build();
        Jinjava jinjava = new Jinjava(config);
        jinjava.registerFunction(new ELFunctionDefinition(
                "", "raise_exception", TemplateFunctions.class, "raiseException", Object.class));
        jinjava.registerFunction(
                new ELFunctionDefinition("", "strftime_now", TemplateFunctions.class, "strftimeNow", String.class));
        jinjava.getGlobalContext().registerFilter(new PythonJson());
        return jinjava;
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + source.length() + " chars]";
    }
}
