package ai.patchwork.trainer.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.trainer.TrainerException;
import ai.patchwork.trainer.dataset.InvalidDatasetException;
import ai.patchwork.trainer.dataset.JsonlParser;
import ai.patchwork.trainer.grader.Grader;
import ai.patchwork.trainer.grader.Graders;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Randomized fuzzing of JSONL training lines and grader templates and formulas: valid inputs mutated at random. The
 * property is that a file is parsed or refused with {@link InvalidDatasetException}, a grader is parsed or refused
 * with a 400 ({@link TrainerException}), and a parsed grader grades any sample without throwing, each quickly.
 * Seeded, about 1.5 s per target in the build; {@code -Dpatchwork.fuzz.seconds=N} runs each for N seconds.
 */
class HostileInputFuzzTest {

    static final long NANOS = (long) (Double.parseDouble(System.getProperty("patchwork.fuzz.seconds", "1.5")) * 1e9);
    static final String[] TOKENS = {
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "null",
        "-1",
        "1e999",
        "{{",
        "}}",
        "item.",
        "sample.output_json.",
        "\\u0000",
        "\\ud800",
        "\"role\"",
        "\"content\"",
        "\"messages\"",
        "/ 0",
        "**",
        "(",
        ")",
        "\uD83D\uDE00",
        "\n",
        "\r\n"
    };

    static int fuzz(long seedValue, String seed, Consumer<String> target) {
        Random r = new Random(seedValue);
        long end = System.nanoTime() + NANOS;
        int runs = 0;
        while (System.nanoTime() < end) {
            StringBuilder s = new StringBuilder(seed);
            int edits = 1 + r.nextInt(4);
            for (int e = 0; e < edits && !s.isEmpty(); e++) {
                int at = r.nextInt(s.length());
                switch (r.nextInt(4)) {
                    case 0 -> s.insert(at, TOKENS[r.nextInt(TOKENS.length)]);
                    case 1 -> s.delete(at, Math.min(s.length(), at + 1 + r.nextInt(8)));
                    case 2 -> s.setCharAt(at, (char) r.nextInt(0x3000));
                    default -> s.setLength(at);
                }
            }
            long start = System.nanoTime();
            target.accept(s.toString());
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 3000, "one input took " + ms + " ms: " + s);
            runs++;
        }
        return runs;
    }

    @Test
    void jsonlLines() {
        String seed = """
        {"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}, \
        {"role": "assistant", "content": "hello"}]}
        {"messages": [{"role": "user", "content": "2+2"}, {"role": "assistant", "content": "4", "weight": 1}]}
        """;
        int runs = fuzz(11, seed, text -> {
            try {
                JsonlParser.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
            } catch (InvalidDatasetException expected) {
                // refused, naming the lines
            }
        });
        System.out.println("fuzz JSONL: " + runs + " inputs");
    }

    @Test
    void graderTemplatesAndFormulas() {
        String seed = """
        {"type": "multi", "name": "m", "calculate_output": "0.5 * a + 0.5 * b",
         "graders": {"a": {"type": "string_check", "name": "a", "operation": "eq",
                           "input": "{{sample.output_text}}", "reference": "{{item.answer}}"},
                     "b": {"type": "text_similarity", "name": "b", "input": "{{sample.output_text}}",
                           "reference": "{{item.answer}}", "evaluation_metric": "fuzzy_match"}}}""";
        JsonNode item = JsonMapper.shared().readTree("{\"answer\": \"Paris\", \"n\": [1, 2]}");
        int runs = fuzz(12, seed, text -> {
            Grader grader;
            try {
                grader = Graders.parse(JsonMapper.shared().readTree(text), "grader");
            } catch (TrainerException expected) {
                return;
            } catch (RuntimeException notJson) {
                if (notJson.getClass().getName().startsWith("tools.jackson")) return; // not JSON: the HTTP layer's 400
                throw notJson;
            }
            grader.grade(item, "Paris " + text.length());
            grader.grade(null, null);
        });
        System.out.println("fuzz graders: " + runs + " inputs");
    }
}
