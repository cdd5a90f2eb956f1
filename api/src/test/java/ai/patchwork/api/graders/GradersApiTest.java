package ai.patchwork.api.graders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.patchwork.api.ApiClient;
import ai.patchwork.api.ApiTest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code /v1/fine_tuning/alpha/graders/validate} and {@code /run} over real HTTP, in OpenAI's shapes. */
@ApiTest
class GradersApiTest {
    static final String VALIDATE = "/v1/fine_tuning/alpha/graders/validate";
    static final String RUN = "/v1/fine_tuning/alpha/graders/run";

    /**
     * A multi grader in the array form, which validate returns as OpenAI's map form: the last number must be the
     * answer, and a line must start with "#### " (GSM8K's answer format).
     */
    static final String MULTI = """
      {"type": "multi", "name": "answer_and_format", "calculate_output": "0.7 * answer + 0.3 * format",
       "graders": [
         {"type": "numeric_check", "name": "answer", "reference": "{{ item.answer }}"},
         {"type": "regex_match", "name": "format", "input": "{{ sample.output_text }}", "pattern": "^#### ",
          "flags": "m"}]}""";

    @LocalServerPort
    int port;

    ApiClient.Response post(String path, String body) {
        return new ApiClient(port).post(path, "application/json", body);
    }

    static void assertError(ApiClient.Response r, String param, String code, String messagePart) {
        assertEquals(400, r.status(), r.text());
        JsonNode error = r.json().path("error");
        for (String key : List.of("message", "type", "param", "code"))
            assertTrue(error.has(key), key + " in " + r.text());
        assertEquals("invalid_request_error", error.path("type").asString());
        assertEquals(
                param, error.path("param").isNull() ? null : error.path("param").asString(), r.text());
        assertEquals(code, error.path("code").asString(), r.text());
        assertTrue(error.path("message").asString().contains(messagePart), r.text());
    }

    @Test
    void validateReturnsTheGraderInItsCanonicalForm() {
        ApiClient.Response r = post(VALIDATE, "{\"grader\": " + MULTI + "}");
        assertEquals(200, r.status(), r.text());
        JsonNode expected = JsonMapper.shared().readTree("""
        {"grader": {"type": "multi", "name": "answer_and_format",
          "graders": {
            "answer": {"type": "numeric_check", "name": "answer", "input": "{{sample.output_text}}",
                       "reference": "{{ item.answer }}", "tolerance": 0.0, "relative_tolerance": 0.0},
            "format": {"type": "regex_match", "name": "format", "input": "{{ sample.output_text }}",
                       "pattern": "^#### ", "flags": "m"}},
          "calculate_output": "0.7 * answer + 0.3 * format"}}""");
        assertEquals(expected, r.json());
    }

    @Test
    void validateRefusesABadFieldNamingItsPath() {
        ApiClient.Response r = post(VALIDATE, """
        {"grader": {"type": "multi", "name": "m", "calculate_output": "answer",
          "graders": {"answer": {"type": "string_check", "name": "answer", "input": "{{sample.output_text}}",
                                 "operation": "eq"}}}}""");
        assertError(r, "grader.graders.answer.reference", "invalid_grader", "reference is required");
        assertError(post(VALIDATE, "{}"), "grader", "invalid_grader", "grader is required");
        assertError(post(VALIDATE, "[]"), null, "invalid_request", "must be a JSON object");
    }

    @Test
    void runGradesASampleWithSubRewardsInOpenAisShape() {
        ApiClient.Response r = post(
                RUN,
                "{\"grader\": " + MULTI + ", \"model_sample\": \"3 + 4 = 7\\n#### 7\", "
                        + "\"item\": {\"answer\": \"7\"}}");
        assertEquals(200, r.status(), r.text());
        JsonNode body = r.json();
        assertEquals(1.0, body.path("reward").doubleValue(), 1e-12);
        assertEquals(JsonMapper.shared().readTree("{\"answer\": 1.0, \"format\": 1.0}"), body.path("sub_rewards"));
        assertTrue(body.path("model_grader_token_usage_per_model").isObject());
        assertEquals(0, body.path("model_grader_token_usage_per_model").size());
        JsonNode metadata = body.path("metadata");
        assertEquals("answer_and_format", metadata.path("name").asString());
        assertEquals("multi", metadata.path("type").asString());
        assertTrue(metadata.path("execution_time").isNumber());
        assertTrue(metadata.path("scores").isObject());
        assertTrue(metadata.path("token_usage").isNull());
        assertTrue(metadata.path("sampled_model_name").isNull());
        assertEquals(
                List.of(
                        "formula_parse_error",
                        "sample_parse_error",
                        "truncated_observation_error",
                        "unresponsive_reward_error",
                        "invalid_variable_error",
                        "other_error",
                        "python_grader_server_error",
                        "python_grader_server_error_type",
                        "python_grader_runtime_error",
                        "python_grader_runtime_error_details",
                        "model_grader_server_error",
                        "model_grader_refusal_error",
                        "model_grader_parse_error",
                        "model_grader_server_error_details"),
                List.copyOf(metadata.path("errors").propertyNames()));
        metadata.path("errors")
                .forEach(v -> assertTrue(v.isNull() || v.isBoolean() && !v.booleanValue(), v.toString()));

        // the right answer in the wrong format: 0.7 * 1 + 0.3 * 0
        JsonNode wrongFormat = post(
                        RUN,
                        "{\"grader\": " + MULTI + ", \"model_sample\": \"The answer is 7.\", "
                                + "\"item\": {\"answer\": 7}}")
                .json();
        assertEquals(0.7, wrongFormat.path("reward").doubleValue(), 1e-12);
        assertEquals(0.0, wrongFormat.path("sub_rewards").path("format").doubleValue());
    }

    @Test
    void runFlagsAMissingItemVariable() {
        // no item: {{ item.answer }} renders empty, the reference holds no number, and the flag says so
        JsonNode body = post(RUN, "{\"grader\": " + MULTI + ", \"model_sample\": \"#### 7\"}")
                .json();
        assertEquals(0.3, body.path("reward").doubleValue(), 1e-12);
        assertTrue(body.path("metadata")
                .path("errors")
                .path("invalid_variable_error")
                .booleanValue());
    }

    @Test
    void runRefusesPythonGradersAndBadRequests() {
        ApiClient.Response python = post(RUN, """
        {"grader": {"type": "python", "name": "p", "source": "def grade(sample, item):\\n    return 1.0"},
         "model_sample": "x"}""");
        assertError(
                python,
                "grader.type",
                "unsupported_grader",
                "python graders are not supported by Patchwork "
                        + "(no sandbox/judge model); use string_check, text_similarity, multi, regex_match, json_check or "
                        + "numeric_check");
        String check = "{\"type\": \"string_check\", \"name\": \"s\", \"input\": \"a\", \"reference\": \"a\", "
                + "\"operation\": \"eq\"}";
        assertError(post(RUN, "{\"grader\": " + check + "}"), "model_sample", "missing_model_sample", "required");
        assertError(
                post(RUN, "{\"grader\": " + check + ", \"model_sample\": 1}"),
                "model_sample",
                "invalid_model_sample",
                "must be a string");
        assertError(
                post(RUN, "{\"grader\": " + check + ", \"model_sample\": \"a\", \"item\": [1]}"),
                "item",
                "invalid_item",
                "must be a JSON object");
        assertError(post(RUN, "{\"grader\": "), null, "invalid_json", "not valid JSON");
    }
}
