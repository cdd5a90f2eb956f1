package ai.patchwork.trainer.grader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** Pathological grader inputs score an error within the budget instead of holding a thread. */
class GradingBudgetTest {

    static final String FUZZY = """
      {"type": "text_similarity", "name": "fuzzy", "input": "{{sample.output_text}}", "reference": "{{item.ref}}",
       "evaluation_metric": "fuzzy_match"}""";

    static String random(int n, long seed) {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) sb.append((char) ('a' + r.nextInt(26)));
        return sb.toString();
    }

    @Test
    void aFuzzyMatchOfLongUnequalStringsRunsOutOfBudgetAndScoresAnError() {
        ObjectNode item = JsonNodeFactory.instance.objectNode().put("ref", random(12_000, 1));
        String sample = random(45_000, 2); // partial ratio: every window of the longer against the shorter
        long start = System.nanoTime();
        Grade grade = GraderTesting.grader(FUZZY).grade(item, sample);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < BoundedGrader.BUDGET.toMillis() + 1500, "took " + ms + " ms");
        assertEquals(0, grade.reward());
        assertTrue(grade.error(Grade.UNRESPONSIVE_REWARD_ERROR), grade.errors().toString());
    }

    @Test
    void aSampleOverTheCapIsNotGraded() {
        ObjectNode item = JsonNodeFactory.instance.objectNode().put("ref", "x");
        Grade grade = GraderTesting.grader(FUZZY).grade(item, "x".repeat(Graders.MAX_SAMPLE_CHARS + 1));
        assertTrue(grade.error(Grade.UNRESPONSIVE_REWARD_ERROR), grade.errors().toString());
    }

    @Test
    void anOrdinaryGradeIsUnchanged() {
        ObjectNode item = JsonNodeFactory.instance.objectNode().put("ref", "hello world");
        Grade grade = GraderTesting.grader(FUZZY).grade(item, "hello world");
        assertEquals(1.0, grade.reward(), 1e-9);
        assertTrue(!grade.hasError());
    }
}
