package ai.patchwork.trainer.grader;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.trainer.TrainerException;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Coverage-guided fuzzing (Jazzer) of grader definitions (templates, formulas, regexes, metrics) and the samples they
 * grade. The input's first line is the sample (a model's output), the rest the grader as a job or
 * {@code /graders/run} request sends it. A grader is parsed or refused with a 400 ({@link TrainerException}); a
 * parsed one grades the sample, a row and a missing row without throwing, within its budget
 * ({@link BoundedGrader#BUDGET}) plus a margin for a loaded machine, to a finite reward, in [0, 1] except for
 * {@code multi}, whose formula may give any number.
 */
class GraderFuzzTest {

    static final long MAX_MILLIS = BoundedGrader.BUDGET.toMillis() + 3_000;
    static final JsonNode ITEM = JsonMapper.shared()
            .readTree("{\"answer\": \"Paris\", \"n\": [1, 2.5, -3], \"nested\": {\"a\": \"{{item.answer}}\"},"
                    + " \"z\": null}");

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({
        "{{sample.output_text}}",
        "{{sample.output_json.",
        "{{item.",
        "\"type\"",
        "\"string_check\"",
        "\"text_similarity\"",
        "\"multi\"",
        "\"regex_match\"",
        "\"json_check\"",
        "\"numeric_check\"",
        "\"name\"",
        "\"input\"",
        "\"reference\"",
        "\"operation\"",
        "\"eq\"",
        "\"ne\"",
        "\"like\"",
        "\"ilike\"",
        "\"evaluation_metric\"",
        "\"fuzzy_match\"",
        "\"bleu\"",
        "\"rouge_l\"",
        "\"cosine\"",
        "\"calculate_output\"",
        "\"graders\"",
        "\"pattern\"",
        "\"flags\"",
        "\"path\"",
        "\"expected\"",
        "/ 0",
        "**",
        "sqrt(",
        "min(",
        "max(",
        "(a|a)*b",
        "1e308"
    })
    void gradesWithinBudgetOrRefuses(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        int newline = text.indexOf('\n');
        String sample = newline < 0 ? "" : text.substring(0, newline);
        JsonNode json;
        try {
            json = JsonMapper.shared().readTree(text.substring(newline + 1));
        } catch (JacksonException notJson) {
            return; // the HTTP layer answers 400 before a grader is parsed
        }
        Grader grader;
        try {
            grader = Graders.parse(json, "grader");
        } catch (TrainerException refused) {
            return;
        }
        for (JsonNode item : new JsonNode[] {ITEM, null}) {
            long start = System.nanoTime();
            Grade grade = grader.grade(item, sample);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < MAX_MILLIS, "grading took " + ms + " ms");
            assertTrue(grader.type().equals("multi") || (grade.reward() >= 0 && grade.reward() <= 1), grade.toString());
        }
    }
}
