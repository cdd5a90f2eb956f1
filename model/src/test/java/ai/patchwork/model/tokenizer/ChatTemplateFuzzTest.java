package ai.patchwork.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Randomized fuzzing of chat-template inputs: conversations of random roles and contents (unicode edge cases, Jinja
 * delimiters, control characters) rendered with the ChatML template. The property is that each renders or is refused
 * with {@link ChatTemplateException}, quickly, and that a message cannot inject template code ({@code {{ 7*7 }}}
 * never renders as 49). Seeded, about 1.5 s in the build; {@code -Dpatchwork.fuzz.seconds=N} runs it for N seconds.
 */
class ChatTemplateFuzzTest {

    static final long NANOS = (long) (Double.parseDouble(System.getProperty("patchwork.fuzz.seconds", "1.5")) * 1e9);
    static final String[] PIECES = {
        "{{ 7*7 }}",
        "{% for x in range(99999999) %}",
        "{#",
        "<|im_end|>",
        "\u0000",
        "\uD800",
        "\uDFFF",
        "\uD83D\uDE00",
        "\u202e",
        "\u200d",
        "\r\n",
        "\\",
        "'",
        "\"",
        "}}",
        "{%",
        "raise_exception",
        "a",
        " "
    };
    static final String[] ROLES = {"system", "user", "assistant", "tool", "<|im_start|>", "\u202e"};

    @Test
    void conversationsRenderOrAreRefusedAndContentStaysVerbatim() {
        ChatTemplate template = ChatTemplate.chatMl("<s>", "</s>");
        Random r = new Random(21);
        long end = System.nanoTime() + NANOS;
        int runs = 0;
        while (System.nanoTime() < end) {
            List<ChatMessage> messages = new ArrayList<>();
            int n = 1 + r.nextInt(6);
            for (int i = 0; i < n; i++) {
                StringBuilder content = new StringBuilder();
                int pieces = r.nextInt(8);
                for (int p = 0; p < pieces; p++) content.append(PIECES[r.nextInt(PIECES.length)]);
                messages.add(new ChatMessage(ROLES[r.nextInt(ROLES.length)], content.toString()));
            }
            long start = System.nanoTime();
            try {
                String rendered = template.render(messages, r.nextBoolean());
                // template code inside a message is data, never evaluated
                assertTrue(
                        !rendered.contains("49")
                                || messages.stream().anyMatch(m -> m.content().contains("49")),
                        rendered);
            } catch (ChatTemplateException expected) {
                // refused by the template
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 2000, "one conversation took " + ms + " ms");
            runs++;
        }
        System.out.println("fuzz chat template: " + runs + " conversations");
    }
}
