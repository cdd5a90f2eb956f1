package ai.patchwork.trainer.grader;

import static ai.patchwork.trainer.grader.GraderTesting.grade;
import static ai.patchwork.trainer.grader.GraderTesting.grader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * OpenAI's string_check as its graders guide defines the operations: eq (equal, case-sensitive), ne (not equal),
 * like (contains, case-sensitive), ilike (contains, ignoring case); 1 or 0.
 */
class StringCheckGraderTest {

    static String check(String operation) {
        return """
        {"type": "string_check", "name": "answer", "operation": "%s",
         "input": "{{ sample.output_text }}", "reference": "{{ item.reference_answer }}"}""".formatted(operation);
    }

    @ParameterizedTest(name = "{0}: ''{1}'' vs ''{2}'' -> {3}")
    @CsvSource(
            delimiter = '|',
            value = {
                "eq    | Paris                 | Paris | 1",
                "eq    | paris                 | Paris | 0",
                "eq    | Paris.                | Paris | 0",
                "ne    | London                | Paris | 1",
                "ne    | Paris                 | Paris | 0",
                "like  | The capital is Paris. | Paris | 1",
                "like  | The capital is PARIS. | Paris | 0",
                "ilike | The capital is PARIS. | Paris | 1",
                "ilike | The capital is Rome.  | Paris | 0"
            })
    void operationsCompareTheRenderedInputWithTheReference(String op, String output, String reference, int reward) {
        // given the row's reference answer; when the sample is graded; then 1 or 0 as the operation says
        Grade g = grade(check(op), "{\"reference_answer\": \"" + reference + "\"}", output);
        assertEquals(reward, g.reward());
        assertFalse(g.hasError());
        assertEquals(Map.of(), g.subRewards());
    }

    @Test
    void nestedAndIndexedItemVariablesRender() {
        Grader g = grader("""
        {"type": "string_check", "name": "n", "operation": "eq", "input": "{{sample.output_text}}",
         "reference": "{{ item.answers[1].text }}-{{item.meta.id}}-{{ item.n }}-{{ item.flag }}"}""");
        Grade grade = g.grade(GraderTesting.json("""
        {"answers": [{"text": "a"}, {"text": "b"}], "meta": {"id": 7}, "n": 2.5, "flag": true}"""), "b-7-2.5-true");
        assertEquals(1, grade.reward());
        assertFalse(grade.hasError());
    }

    @Test
    void aMissingItemVariableRendersEmptyAndIsFlagged() {
        // given a row without reference_answer; when graded with ne against a non-empty output
        Grade g = grade(check("ne"), "{\"other\": 1}", "x");
        // then the reference rendered as "" (so ne holds) and invalid_variable_error is set
        assertEquals(1, g.reward());
        assertTrue(g.error(Grade.INVALID_VARIABLE_ERROR));
        assertTrue(g.hasError());
        // a null row is an empty object: the same flag, no exception
        Grade nullItem = grader(check("eq")).grade(null, null);
        assertEquals(1, nullItem.reward(), "'' eq ''");
        assertTrue(nullItem.error(Grade.INVALID_VARIABLE_ERROR));
    }

    @Test
    void everyOpenAiErrorFlagIsReportedInOrder() {
        Grade g = grade(check("eq"), "{\"reference_answer\": \"x\"}", "x");
        assertEquals(Grade.ERROR_KEYS, g.errors().keySet().stream().toList());
        assertFalse(g.errors().containsValue(true));
    }

    @Test
    void sampleOutputJsonReadsTheSampleAsJson() {
        String grader = """
        {"type": "string_check", "name": "city", "operation": "eq", "input": "{{ sample.output_json.city }}",
         "reference": "{{ item.city }}"}""";
        assertEquals(
                1,
                grade(grader, "{\"city\": \"Oslo\"}", "{\"city\": \"Oslo\", \"n\": 1}")
                        .reward());
        Grade notJson = grade(grader, "{\"city\": \"Oslo\"}", "Oslo");
        assertEquals(0, notJson.reward());
        assertTrue(notJson.error(Grade.SAMPLE_PARSE_ERROR));
        assertFalse(notJson.error(Grade.INVALID_VARIABLE_ERROR));
    }
}
