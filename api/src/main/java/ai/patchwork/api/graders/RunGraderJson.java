package ai.patchwork.api.graders;

import ai.patchwork.trainer.grader.Grade;
import ai.patchwork.trainer.grader.Grader;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's {@code RunGraderResponse}: {@code reward}, {@code metadata} ({@code name}, {@code type}, every key of
 * {@code errors}, {@code execution_time} in seconds, {@code scores}, {@code token_usage},
 * {@code sampled_model_name}), {@code sub_rewards} and {@code model_grader_token_usage_per_model}. Patchwork runs no
 * model or python graders, so their error details, the token usage and the sampled model are null and the usage
 * map is empty. Built as a JSON tree so that the keys are exactly OpenAI's whatever the app's naming strategy.
 */
final class RunGraderJson {
    private RunGraderJson() {}

    static ObjectNode of(Grader grader, Grade grade, double executionSeconds) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode errors = f.objectNode();
        for (String key : Grade.ERROR_KEYS) {
            errors.put(key, grade.error(key));
            switch (key) {
                case Grade.PYTHON_GRADER_SERVER_ERROR -> errors.putNull("python_grader_server_error_type");
                case Grade.PYTHON_GRADER_RUNTIME_ERROR -> errors.putNull("python_grader_runtime_error_details");
                default -> {}
            }
        }
        errors.putNull("model_grader_server_error_details");
        ObjectNode metadata = f.objectNode();
        metadata.put("name", grader.name());
        metadata.put("type", grader.type());
        metadata.set("errors", errors);
        metadata.put("execution_time", executionSeconds);
        metadata.putObject("scores");
        metadata.putNull("token_usage");
        metadata.putNull("sampled_model_name");
        ObjectNode response = f.objectNode();
        response.put("reward", grade.reward());
        response.set("metadata", metadata);
        ObjectNode subRewards = response.putObject("sub_rewards");
        grade.subRewards().forEach(subRewards::put);
        response.putObject("model_grader_token_usage_per_model");
        return response;
    }
}
