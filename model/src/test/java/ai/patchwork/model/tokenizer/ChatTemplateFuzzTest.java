package ai.patchwork.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzzing (Jazzer) of chat-template rendering with untrusted conversations: roles, contents, tool
 * calls (names, ids, JSON arguments) and tool results chosen by the fuzzer, rendered with the ChatML fallback and with
 * Qwen2.5's Hermes template. Each conversation renders or is refused with {@link ChatTemplateException}, within
 * {@value #MAX_MILLIS} ms, and under ChatML every message's content appears as written: template code inside a
 * message is data, never evaluated. (Jinjava writes backspace as a backslash and 'b', other C0 control characters
 * but tab, LF, form feed and CR as JSON's six-character escapes, and an unpaired surrogate as '?';
 * {@link #asJinjavaWrites} says so.)
 */
class ChatTemplateFuzzTest {

    /** Generous for a loaded build machine; a conversation of a few short messages renders in milliseconds. */
    static final long MAX_MILLIS = 5_000;

    static final ChatTemplate CHATML = ChatTemplate.chatMl("<s>", "</s>");
    static final ChatTemplate HERMES =
            ChatTemplate.of(ChatTemplateToolsTest.template("hermes-qwen2.5.jinja"), "", "<|im_end|>");
    static final String[] ROLES = {"system", "user", "assistant", "tool", "developer"};

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({
        "{{",
        "}}",
        "{%",
        "%}",
        "{#",
        "#}",
        "{{ 7*7 }}",
        "{% raw %}",
        "{% for x in range(99999999) %}",
        "raise_exception",
        "<|im_end|>",
        "<|im_start|>",
        "<tool_call>",
        "\\x00",
        "\\xF0\\x9F\\x98\\x80",
        "\\xE2\\x80\\xAE",
        "\\x0D\\x0A"
    })
    void rendersOrRefuses(FuzzedDataProvider data) {
        boolean hermes = data.consumeBoolean();
        int n = data.consumeInt(1, 6);
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < n && data.remainingBytes() > 0; i++) {
            String role = data.consumeBoolean() ? data.pickValue(ROLES) : data.consumeString(12);
            if (role.isBlank()) role = "user";
            String content = data.consumeString(200);
            if (role.equals("assistant") && data.consumeBoolean()) {
                String name = data.consumeString(20);
                if (name.isBlank()) name = "f";
                String arguments = data.consumeString(100);
                messages.add(
                        ChatMessage.assistant(content, List.of(new ToolCall(data.consumeString(8), name, arguments))));
            } else if (role.equals("tool")) {
                messages.add(ChatMessage.tool(data.consumeString(8), content));
            } else {
                messages.add(new ChatMessage(role, content));
            }
        }
        boolean prompt = data.consumeBoolean();
        long start = System.nanoTime();
        try {
            String rendered = (hermes ? HERMES : CHATML).render(messages, prompt);
            if (!hermes) {
                for (ChatMessage m : messages) {
                    assertTrue(rendered.contains(asJinjavaWrites(m.content())), m.content());
                }
            }
        } catch (ChatTemplateException expected) {
            // the template refused the conversation
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < MAX_MILLIS, "rendering took " + ms + " ms: " + messages);
    }

    /** {@code text} as Jinjava outputs a string: control characters JSON-escaped, unpaired surrogates as '?'. */
    static String asJinjavaWrites(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\b') {
                out.append("\\b");
            } else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') {
                out.append(String.format("\\u%04X", (int) c));
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                out.append('?');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
