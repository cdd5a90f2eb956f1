package ai.patchwork.trainer.grader;

import static ai.patchwork.trainer.grader.GraderTesting.grader;
import static ai.patchwork.trainer.grader.GraderTesting.json;
import static ai.patchwork.trainer.grader.GraderTesting.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.patchwork.trainer.TrainerException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing: every problem is a 400 whose param is the JSON path of the field at fault. */
class GradersTest {

    @ParameterizedTest
    @ValueSource(strings = {"python", "score_model", "label_model"})
    void gradersThatNeedASandboxOrAJudgeModelAreRefused(String type) {
        TrainerException e = refused(
                "{\"type\": \"" + type + "\", \"name\": \"g\", \"source\": \"x\"}",
                "method.reinforcement.grader.type",
                "");
        assertEquals(
                type + " graders are not supported by Patchwork (no sandbox/judge model); use string_check, "
                        + "text_similarity, multi, regex_match, json_check or numeric_check",
                e.getMessage());
        assertEquals("unsupported_grader", e.refusal().code());
    }

    @Test
    void unknownOrMissingTypesListTheKnownOnes() {
        refused(
                "{\"type\": \"exact\", \"name\": \"g\"}",
                "method.reinforcement.grader.type",
                "unknown grader type 'exact'; the known types are string_check, text_similarity, multi, regex_match, "
                        + "json_check, numeric_check");
        refused("{\"name\": \"g\"}", "method.reinforcement.grader.type", "type is required");
        refused("[1]", "method.reinforcement.grader", "must be a JSON object");
        TrainerException e = assertThrows(TrainerException.class, () -> Graders.parse(null, "grader"));
        assertEquals("grader", e.refusal().param());
    }

    @Test
    void missingUnknownAndMistypedFieldsNameTheirPath() {
        refused(
                "{\"type\": \"string_check\", \"input\": \"a\", \"reference\": \"b\", \"operation\": \"eq\"}",
                "method.reinforcement.grader.name",
                "name is required for a string_check grader");
        refused(
                "{\"type\": \"string_check\", \"name\": \"g\", \"reference\": \"b\", \"operation\": \"eq\"}",
                "method.reinforcement.grader.input",
                "input is required");
        refused(
                "{\"type\": \"string_check\", \"name\": \"g\", \"input\": \"a\", \"reference\": \"b\", \"operation\": "
                        + "\"neq\"}",
                "method.reinforcement.grader.operation",
                "operation must be one of eq, ne, like, ilike, got 'neq'");
        refused(
                "{\"type\": \"string_check\", \"name\": \"g\", \"input\": 1, \"reference\": \"b\", \"operation\": \"eq\"}",
                "method.reinforcement.grader.input",
                "input must be a string");
        refused(
                "{\"type\": \"string_check\", \"name\": \"g\", \"input\": \"a\", \"refrence\": \"b\", \"operation\": "
                        + "\"eq\"}",
                "method.reinforcement.grader.refrence",
                "unknown field 'refrence'");
        refused(
                "{\"type\": \"string_check\", \"name\": \" \", \"input\": \"a\", \"reference\": \"b\", \"operation\": "
                        + "\"eq\"}",
                "method.reinforcement.grader.name",
                "must not be blank");
    }

    @Test
    void theParamIsPrefixedWithTheGivenPath() {
        String bad = "{\"type\": \"string_check\", \"name\": \"g\", \"input\": \"a\", \"reference\": \"b\"}";
        assertEquals(
                "grader.operation",
                assertThrows(TrainerException.class, () -> Graders.parse(json(bad), "grader"))
                        .refusal()
                        .param());
        assertEquals(
                "operation",
                assertThrows(TrainerException.class, () -> Graders.parse(json(bad), ""))
                        .refusal()
                        .param());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{{ answer.x }}|uses the namespace 'answer'; the only namespaces are item (the dataset row) and sample",
                "{{ sample.output_tools[0].function.name }}|sample.output_tools is not available in Patchwork",
                "{{ sample.choices }}|sample.choices is not available",
                "{{ sample.text }}|is not a sample variable",
                "{{ sample.output_text.x }}|sample.output_text is a string and has no fields",
                "{{ item.a..b }}|is not a valid path",
                "{{ }}|names no variable"
            })
    void templateVariablesThatCanNeverRenderAreRefused(String testCase) {
        String[] parts = testCase.split("\\|");
        refused(
                "{\"type\": \"string_check\", \"name\": \"g\", \"input\": \"{{sample.output_text}}\", \"reference\": \""
                        + parts[0] + "\", \"operation\": \"eq\"}",
                "method.reinforcement.grader.reference",
                parts[1]);
    }

    @Test
    void templatesRenderWholeValuesAndLeaveUnclosedBracesAlone() {
        Grader g = grader("""
        {"type": "string_check", "name": "g", "operation": "eq", "input": "{{sample.output_text}}",
         "reference": "{{item.obj}} {{ item.list }} {{item.none}} {{ not closed"}""");
        Grade grade = g.grade(
                json("{\"obj\": {\"a\": 1}, \"list\": [1, \"x\"], \"none\": null}"),
                "{\"a\":1} [1,\"x\"]  {{ not closed");
        assertEquals(1.0, grade.reward());
        assertEquals(false, grade.hasError());
    }

    @Test
    void theCanonicalJsonKeepsTheFieldsAsGiven() {
        String given = """
        {"type": "string_check", "name": "g", "input": "{{ sample.output_text }}", "reference": "{{item.a}}",
         "operation": "ilike"}""";
        Grader g = grader(given);
        assertEquals(json(given), g.toJson());
        assertEquals("g", g.name());
        assertEquals("string_check", g.type());
    }

    @Test
    void oneGraderGradesFromManyThreadsAtOnce() throws Exception {
        Grader g = grader(MultiGraderTest.TOOL_CALL);
        String item = "{\"smiles\": \"C%d\"}";
        String sample =
                "{\"function\": {\"name\": \"get_acceptors\", \"arguments\": \"{\\\"smiles\\\": \\\"C%d\\\"}\"}}";
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Double>> rewards = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                int n = i;
                // even samples match their row, odd ones answer for the next row: 1.0 and 0.5
                rewards.add(pool.submit(() -> g.grade(json(item.formatted(n)), sample.formatted(n + n % 2))
                        .reward()));
            }
            for (int i = 0; i < rewards.size(); i++)
                assertEquals(i % 2 == 0 ? 1.0 : 0.5, rewards.get(i).get());
        } finally {
            pool.shutdownNow();
        }
    }
}
