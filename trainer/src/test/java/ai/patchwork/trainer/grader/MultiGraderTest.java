package ai.patchwork.trainer.grader;

import static ai.patchwork.trainer.grader.GraderTesting.grade;
import static ai.patchwork.trainer.grader.GraderTesting.grader;
import static ai.patchwork.trainer.grader.GraderTesting.json;
import static ai.patchwork.trainer.grader.GraderTesting.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** multi: sub-graders combined by calculate_output, in the three shapes OpenAI's docs and SDKs use for graders. */
class MultiGraderTest {

    /** The graders guide's tool_call example, reading the call from the sample's JSON instead of output_tools. */
    static final String TOOL_CALL = """
      {"type": "multi", "name": "tool_call",
       "graders": {
         "function_name": {"name": "function_name", "type": "string_check", "input": "get_acceptors",
           "reference": "{{sample.output_json.function.name}}", "operation": "eq"},
         "arguments": {"name": "arguments", "type": "string_check", "input": "{\\"smiles\\": \\"{{item.smiles}}\\"}",
           "reference": "{{sample.output_json.function.arguments}}", "operation": "eq"}},
       "calculate_output": "0.5 * function_name + 0.5 * arguments"}""";

    @Test
    void theToolCallExampleWeighsNameAndArgumentsEqually() {
        String item = "{\"smiles\": \"CCO\"}";
        String right =
                "{\"function\": {\"name\": \"get_acceptors\", \"arguments\": \"{\\\"smiles\\\": \\\"CCO\\\"}\"}}";
        String wrongArguments = "{\"function\": {\"name\": \"get_acceptors\", \"arguments\": \"{}\"}}";

        Grade full = grade(TOOL_CALL, item, right);
        assertEquals(1.0, full.reward());
        assertEquals(Map.of("function_name", 1.0, "arguments", 1.0), full.subRewards());
        assertEquals(
                List.of("function_name", "arguments"),
                List.copyOf(full.subRewards().keySet()));
        assertFalse(full.hasError());

        Grade half = grade(TOOL_CALL, item, wrongArguments);
        assertEquals(0.5, half.reward());
        assertEquals(Map.of("function_name", 1.0, "arguments", 0.0), half.subRewards());

        // a sample that is not JSON: both references render empty, both checks fail, and the error says why
        Grade prose = grade(TOOL_CALL, item, "I would call get_acceptors");
        assertEquals(0.0, prose.reward());
        assertTrue(prose.error(Grade.SAMPLE_PARSE_ERROR));
    }

    @Test
    void gradersMayBeAMapASingleGraderOrAnArrayAndAreNormalisedToTheMap() {
        String check = "{\"type\": \"string_check\", \"name\": \"exact\", \"input\": \"{{sample.output_text}}\", "
                + "\"reference\": \"{{item.answer}}\", \"operation\": \"eq\"}";
        String asMap = "{\"type\": \"multi\", \"name\": \"m\", \"graders\": {\"exact\": " + check
                + "}, \"calculate_output\": \"exact\"}";
        String single =
                "{\"type\": \"multi\", \"name\": \"m\", \"graders\": " + check + ", \"calculate_output\": \"exact\"}";
        String array =
                "{\"type\": \"multi\", \"name\": \"m\", \"graders\": [" + check + "], \"calculate_output\": \"exact\"}";
        for (String g : List.of(asMap, single, array)) {
            assertEquals(json(asMap), grader(g).toJson(), g);
            assertEquals(1.0, grade(g, "{\"answer\": \"4\"}", "4").reward());
        }
    }

    @Test
    void theFormulaHasArithmeticAndTheDocumentedFunctions() {
        String graders = """
        {"a": {"type": "string_check", "name": "a", "input": "x", "reference": "x", "operation": "eq"},
         "b": {"type": "string_check", "name": "b", "input": "x", "reference": "y", "operation": "eq"}}""";
        // a = 1, b = 0
        Map<String, Double> cases = Map.of(
                "min(a, b, 0.3) + max(a, b)", 1.0,
                "abs(b - a) * 2 ^ 3", 8.0,
                "floor(a * 1.7) + ceil(0.2) - sqrt(4) + exp(b) + log(a)", 1.0,
                "-a ^ 2", -1.0, // ^ binds tighter than unary minus, as in Python
                "(a + b) / 4", 0.25,
                "A + B", 1.0); // names ignore case, as EvalEx's do
        cases.forEach((formula, expected) -> {
            String multi = "{\"type\": \"multi\", \"name\": \"m\", \"graders\": " + graders
                    + ", \"calculate_output\": \"" + formula + "\"}";
            assertEquals(expected, grade(multi, null, "").reward(), 1e-12, formula);
        });
    }

    @Test
    void aFormulaThatCannotBeEvaluatedGivesZeroWithOtherErrorAndKeepsTheSubRewards() {
        String multi = """
        {"type": "multi", "name": "m", "calculate_output": "a / b",
         "graders": {"a": {"type": "string_check", "name": "a", "input": "{{sample.output_text}}", "reference": "ok",
                           "operation": "eq"},
                     "b": {"type": "string_check", "name": "b", "input": "{{sample.output_text}}", "reference": "no",
                           "operation": "eq"}}}""";
        Grade g = grade(multi, null, "ok");
        assertEquals(0.0, g.reward());
        assertTrue(g.error(Grade.OTHER_ERROR));
        assertEquals(Map.of("a", 1.0, "b", 0.0), g.subRewards());
    }

    @Test
    void badFormulasAreRefusedAtCalculateOutput() {
        String graders =
                "{\"a\": {\"type\": \"string_check\", \"name\": \"a\", \"input\": \"x\", \"reference\": \"x\", "
                        + "\"operation\": \"eq\"}}";
        String param = "method.reinforcement.grader.calculate_output";
        for (String[] bad : new String[][] {
            {"a +", "cannot be parsed"},
            {"a + c", "uses 'c', which is not one of the graders (a)"},
            {"pow(a, 2)", "cannot be parsed"},
            {"a > 0", "cannot be parsed"},
            {"\\\"text\\\"", "must give a number"},
            {"e * a", "uses 'e'"}
        }) {
            refused(
                    "{\"type\": \"multi\", \"name\": \"m\", \"graders\": " + graders + ", \"calculate_output\": \""
                            + bad[0] + "\"}",
                    param,
                    bad[1]);
        }
        refused(
                "{\"type\": \"multi\", \"name\": \"m\", \"graders\": " + graders + "}",
                param,
                "calculate_output is " + "required");
    }

    @Test
    void subGraderErrorsNameTheirPathAndMultiCannotNest() {
        refused("""
        {"type": "multi", "name": "m", "calculate_output": "answer",
         "graders": {"answer": {"type": "string_check", "name": "answer", "input": "x", "operation": "eq"}}}""", "method.reinforcement.grader.graders.answer.reference", "reference is required");
        refused("""
        {"type": "multi", "name": "m", "calculate_output": "inner",
         "graders": {"inner": {"type": "multi", "name": "inner", "graders": {}, "calculate_output": "1"}}}""", "method.reinforcement.grader.graders.inner.type", "cannot contain another multi");
        refused("""
        {"type": "multi", "name": "m", "calculate_output": "x",
         "graders": [{"type": "string_check", "name": "x", "input": "a", "reference": "a", "operation": "eq"},
                     {"type": "string_check", "name": "X", "input": "a", "reference": "b", "operation": "eq"}]}""", "method.reinforcement.grader.graders[1].name", "two graders are named 'X'");
        refused("""
        {"type": "multi", "name": "m", "calculate_output": "x",
         "graders": [{"type": "python", "name": "x", "source": "def grade(s, i): return 1"}]}""", "method.reinforcement.grader.graders[0].type", "python graders are not supported by Patchwork");
        refused(
                "{\"type\": \"multi\", \"name\": \"m\", \"calculate_output\": \"1\", \"graders\": {}}",
                "method.reinforcement.grader.graders",
                "at least one grader");
        refused(
                "{\"type\": \"multi\", \"name\": \"m\", \"calculate_output\": \"1\", \"graders\": \"a\"}",
                "method.reinforcement.grader.graders",
                "a map from name to grader");
    }
}
