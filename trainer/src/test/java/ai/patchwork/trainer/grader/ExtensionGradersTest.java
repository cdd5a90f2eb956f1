package ai.patchwork.trainer.grader;

import static ai.patchwork.trainer.grader.GraderTesting.grade;
import static ai.patchwork.trainer.grader.GraderTesting.grader;
import static ai.patchwork.trainer.grader.GraderTesting.json;
import static ai.patchwork.trainer.grader.GraderTesting.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Patchwork's graders for verifiable tasks: regex_match, json_check and numeric_check. */
class ExtensionGradersTest {

    @ParameterizedTest(name = "/{0}/{1} in ''{2}'' -> {3}")
    @CsvSource(
            delimiter = '|',
            value = {
                "'\\\\bParis\\\\b' | ''  | The capital is Paris. | 1", // found anywhere: find, not full match
                "'^Paris$'         | ''  | The capital is Paris. | 0",
                "'^paris$'         | i   | PARIS                 | 1",
                "'^b$'             | m   | 'a\nb\nc'             | 1",
                "'a.c'             | s   | 'a\nc'                | 1",
                "'a.c'             | ''  | 'a\nc'                | 0",
                "'\\\\d{3}'        | ''  | call 12               | 0"
            })
    void regexMatchFindsThePatternInTheInput(String pattern, String flags, String output, int reward) {
        String grader = """
        {"type": "regex_match", "name": "r", "pattern": "%s", "flags": "%s"}""".formatted(pattern, flags);
        assertEquals(
                reward, grader(grader).grade(null, output.replace("\\n", "\n")).reward());
    }

    @Test
    void regexMatchRefusesBadPatternsAndFlagsAndStopsARunawayMatch() {
        refused(
                "{\"type\": \"regex_match\", \"name\": \"r\", \"pattern\": \"(unclosed\"}",
                "method.reinforcement.grader.pattern",
                "pattern is not a valid regular expression");
        refused(
                "{\"type\": \"regex_match\", \"name\": \"r\", \"pattern\": \"a\", \"flags\": \"g\"}",
                "method.reinforcement.grader.flags",
                "flags may hold i, m, s and x, got 'g'");
        // (\w+)*\1! on 40 letters and no "!" backtracks exponentially (the back reference defeats the JDK's
        // memoization): stopped after a second, 0 with other_error
        long start = System.nanoTime();
        Grade g = grade("""
        {"type": "regex_match", "name": "r", "pattern": "(\\\\w+)*\\\\1!"}""", null, "a".repeat(40));
        assertEquals(0, g.reward());
        assertTrue(g.error(Grade.OTHER_ERROR));
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "stopped near its one-second limit");
    }

    static final String ANSWER_VALUE = """
      {"type": "json_check", "name": "j", "path": "answer.value", "expected": "{{ item.value }}"}""";

    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "'{\"answer\": {\"value\": \"Oslo\"}}'       | '{\"value\": \"Oslo\"}'  | 1",
                "'{\"answer\": {\"value\": \"oslo\"}}'       | '{\"value\": \"Oslo\"}'  | 0",
                "'{\"answer\": {\"value\": 42.0}}'           | '{\"value\": 42}'      | 1",
                "'{\"answer\": {\"value\": 42}}'             | '{\"value\": \"42\"}'  | 1",
                "'{\"answer\": {\"value\": [1, 2]}}'         | '{\"value\": [1, 2]}'  | 1",
                "'{\"answer\": {\"value\": true}}'           | '{\"value\": true}'    | 1",
                "'{\"answer\": {\"other\": 1}}'              | '{\"value\": 1}'       | 0",
                "'```json\n{\"answer\": {\"value\": 7}}\n```' | '{\"value\": 7}'       | 1"
            })
    void jsonCheckComparesTheValueAtThePath(String output, String item, int reward) {
        Grade g = grade(ANSWER_VALUE, item, output.replace("\\n", "\n"));
        assertEquals(reward, g.reward());
        assertFalse(g.hasError());
    }

    @Test
    void jsonCheckIndexesArraysHasNeAndFlagsSamplesThatAreNotJson() {
        String items = """
        {"type": "json_check", "name": "j", "path": "items[1].name", "expected": "b", "operation": "ne"}""";
        assertEquals(
                0,
                grade(items, null, "{\"items\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}")
                        .reward());
        assertEquals(
                1,
                grade(items, null, "{\"items\": [{\"name\": \"a\"}, {\"name\": \"c\"}]}")
                        .reward());
        Grade prose = grade(ANSWER_VALUE, "{\"value\": 1}", "The answer is 1");
        assertEquals(0, prose.reward());
        assertTrue(prose.error(Grade.SAMPLE_PARSE_ERROR));
        Grade trailing = grade(ANSWER_VALUE, "{\"value\": 1}", "{\"answer\": {\"value\": 1}} and more");
        assertTrue(trailing.error(Grade.SAMPLE_PARSE_ERROR), "text after the JSON value is not JSON");
        // the defaults appear in the canonical JSON
        assertEquals(json("""
        {"type": "json_check", "name": "j", "input": "{{sample.output_text}}", "path": "answer.value",
         "expected": "{{ item.value }}", "operation": "eq"}"""), grader(ANSWER_VALUE).toJson());
        refused(
                "{\"type\": \"json_check\", \"name\": \"j\", \"path\": \"a..b\", \"expected\": \"1\"}",
                "method.reinforcement.grader.path",
                "is not a valid path");
        refused(
                "{\"type\": \"json_check\", \"name\": \"j\", \"path\": \"a\"}",
                "method.reinforcement.grader.expected",
                "expected is required");
    }

    @ParameterizedTest(name = "''{0}'' vs {1} ±{2}/{3} -> {4}")
    @CsvSource(
            delimiter = '|',
            value = {
                "'Step 1: 3 + 4 = 7. The answer is 72.'  | 72     | 0     | 0    | 1", // the last number counts
                "'#### 1,234'                            | 1234   | 0     | 0    | 1",
                "'It costs $1,234.50.'                   | 1234.5 | 0     | 0    | 1",
                "'x = -3.5e2'                            | -350   | 0     | 0    | 1",
                "'from 5-3'                              | 3      | 0     | 0    | 1", // a dash after a digit is no
                // sign
                "'0.30'                                  | 0.3    | 0     | 0    | 1",
                "'3.14159'                               | 3.14   | 0.01  | 0    | 1",
                "'3.16'                                  | 3.14   | 0.01  | 0    | 0",
                "'104'                                   | 100    | 0     | 0.05 | 1",
                "'106'                                   | 100    | 0     | 0.05 | 0",
                "'no number here'                        | 1      | 0     | 0    | 0"
            })
    void numericCheckComparesTheLastNumbers(String output, String reference, double tol, double rel, int reward) {
        String grader = """
        {"type": "numeric_check", "name": "n", "reference": "{{item.answer}}", "tolerance": %s,
         "relative_tolerance": %s}""".formatted(tol, rel);
        Grade g = grade(grader, "{\"answer\": \"" + reference + "\"}", output);
        assertEquals(reward, g.reward());
        assertFalse(g.hasError());
    }

    @Test
    void numericCheckFlagsAReferenceWithoutANumber() {
        String grader = "{\"type\": \"numeric_check\", \"name\": \"n\", \"reference\": \"{{item.answer}}\"}";
        Grade g = grade(grader, "{\"answer\": \"unknown\"}", "42");
        assertEquals(0, g.reward());
        assertTrue(g.error(Grade.INVALID_VARIABLE_ERROR));
        refused(
                "{\"type\": \"numeric_check\", \"name\": \"n\", \"reference\": \"none\"}",
                "method.reinforcement.grader.reference",
                "holds no number");
        refused(
                "{\"type\": \"numeric_check\", \"name\": \"n\", \"reference\": \"1\", \"tolerance\": -1}",
                "method.reinforcement.grader.tolerance",
                "must be at least 0");
    }
}
