package ai.patchwork.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.model.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

class ChatTemplateTest {
    private static final String LLAMA2 =
            "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
                    + "{% set system_message = messages[0]['content'] %}{% else %}"
                    + "{% set loop_messages = messages %}{% set system_message = false %}{% endif %}"
                    + "{% for message in loop_messages %}"
                    + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
                    + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
                    + "{% endif %}"
                    + "{% if loop.index0 == 0 and system_message != false %}"
                    + "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
                    + "{% else %}{% set content = message['content'] %}{% endif %}"
                    + "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
                    + "{% elif message['role'] == 'assistant' %}{{ ' ' + content.strip() + ' ' + eos_token }}"
                    + "{% endif %}{% endfor %}";

    private static List<ChatMessage> messages(JsonNode array) {
        List<ChatMessage> out = new ArrayList<>();
        for (JsonNode m : array) {
            out.add(new ChatMessage(
                    m.path("role").stringValue(), m.path("content").stringValue()));
        }
        return out;
    }

    @Test
    void rendersFixtureChatExactly() {
        JsonNode chat = Fixtures.expected().path("tokenizer").path("chat");
        try (Tokenizer tokenizer = Tokenizer.load(Fixtures.tinyLlamaModel())) {
            boolean prompt = chat.path("add_generation_prompt").asBoolean();
            String text = tokenizer.chatTemplate().render(messages(chat.path("messages")), prompt);
            assertEquals(chat.path("text").stringValue(), text);
            assertArrayEquals(TokenizerTest.ints(chat.path("ids")), tokenizer.encode(text));
        }
    }

    @Test
    void rendersLlama2StyleTemplate() {
        ChatTemplate template = ChatTemplate.of(LLAMA2, "<s>", "</s>");
        List<ChatMessage> conversation = List.of(
                ChatMessage.system("S"),
                ChatMessage.user("U"),
                ChatMessage.assistant("A"),
                ChatMessage.user("  U2 \n"));
        assertEquals(
                "<s>[INST] <<SYS>>\nS\n<</SYS>>\n\nU [/INST] A </s><s>[INST] U2 [/INST]",
                template.render(conversation, false));
    }

    @Test
    void raiseExceptionCarriesTheTemplatesMessage() {
        ChatTemplate template = ChatTemplate.of(LLAMA2, "<s>", "</s>");
        ChatTemplateException e = assertThrows(
                ChatTemplateException.class, () -> template.render(List.of(ChatMessage.assistant("first")), true));
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
    }

    @Test
    void trimsAndStripsBlocksLikeTransformers() {
        String source = "{% for m in messages %}\n"
                + "    {% if m.role == 'user' %}\n"
                + "U:{{ m.content }}\n"
                + "    {% endif %}\n"
                + "{% endfor %}\n"
                + "{%- if add_generation_prompt -%}  \n  A:{% endif %}";
        ChatTemplate template = ChatTemplate.of(source, "", "");
        List<ChatMessage> two = List.of(ChatMessage.user("a"), ChatMessage.user("b"));
        assertEquals("U:a\nU:b\n", template.render(two, false));
        assertEquals("U:a\nU:b\nA:", template.render(two, true));
    }

    @Test
    void messageTextIsNeverInterpreted() {
        ChatTemplate template = ChatTemplate.chatMl("", "");
        String tricky = "{{ 7 * 7 }} {% raw %}";
        assertEquals(
                "<|im_start|>user\n" + tricky + "<|im_end|>\n",
                template.render(List.of(ChatMessage.user(tricky)), false));
    }

    @Test
    void invalidTemplateFailsClearly() {
        ChatTemplate template = ChatTemplate.of("{% for m in messages %}{{ m.content }}", "", "");
        assertThrows(ChatTemplateException.class, () -> template.render(List.of(), false));
    }

    @Test
    void readsTemplateListAndTokenObjects(@TempDir Path dir) throws Exception {
        Files.copy(Fixtures.tinyLlamaModel().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), """
        {"bos_token": {"content": "<|begin_of_text|>", "special": true},
         "eos_token": {"content": "<|im_end|>"},
         "chat_template": [
           {"name": "tool_use", "template": "TOOLS"},
           {"name": "default", "template": "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}"}
         ]}
        """);
        Files.writeString(dir.resolve("config.json"), "{\"eos_token_id\": 509, \"bos_token_id\": 508}");
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            assertTrue(tokenizer.hasChatTemplate());
            assertEquals(
                    "<|begin_of_text|>hi<|im_end|>",
                    tokenizer.chatTemplate().render(List.of(ChatMessage.user("hi")), true));
            assertEquals(Set.of(509, 511), tokenizer.eosIds());
            assertEquals(Optional.of(508), tokenizer.bosId());
        }
    }

    @Test
    void messagesAreValidated() {
        assertThrows(NullPointerException.class, () -> new ChatMessage(null, "x"));
        assertThrows(NullPointerException.class, () -> new ChatMessage("user", null));
        assertThrows(IllegalArgumentException.class, () -> new ChatMessage(" ", "x"));
        assertEquals("", ChatMessage.user("").content());
    }
}
