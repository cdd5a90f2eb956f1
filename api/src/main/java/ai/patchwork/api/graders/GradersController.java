package ai.patchwork.api.graders;

import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import ai.patchwork.trainer.TrainerException;
import ai.patchwork.trainer.grader.Grade;
import ai.patchwork.trainer.grader.Grader;
import ai.patchwork.trainer.grader.Graders;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /v1/fine_tuning/alpha/graders}: OpenAI's endpoints for trying a grader before fine-tuning with it. Graders
 * are parsed exactly as for {@code method.reinforcement.grader}; errors are 400s in OpenAI's envelope whose
 * {@code param} is the field's path under {@code grader} (e.g. {@code grader.graders.answer.reference}).
 */
@RestController
@RequestMapping("/v1/fine_tuning/alpha/graders")
@ConditionalOnRole(Role.API)
class GradersController {

    /** {@code {grader}} → {@code {"grader": <the grader in its canonical form>}}. */
    @PostMapping(path = "/validate", consumes = MediaType.APPLICATION_JSON_VALUE)
    JsonNode validate(@RequestBody(required = false) JsonNode body) {
        Grader grader = Graders.parse(object(body).get("grader"), "grader");
        ObjectNode response = JsonNodeFactory.instance.objectNode();
        response.set("grader", grader.toJson());
        return response;
    }

    /** {@code {grader, model_sample, item?}} → OpenAI's {@code RunGraderResponse}. */
    @PostMapping(path = "/run", consumes = MediaType.APPLICATION_JSON_VALUE)
    JsonNode run(@RequestBody(required = false) JsonNode body) {
        JsonNode request = object(body);
        Grader grader = Graders.parse(request.get("grader"), "grader");
        JsonNode sample = request.get("model_sample");
        if (sample == null || sample.isNull()) {
            throw TrainerException.invalid("model_sample", "missing_model_sample", "model_sample is required");
        }
        if (!sample.isString())
            throw TrainerException.invalid(
                    "model_sample", "invalid_model_sample", "model_sample must be a string: the model's output text");
        if (sample.stringValue().length() > Graders.MAX_SAMPLE_CHARS) {
            throw TrainerException.invalid(
                    "model_sample",
                    "model_sample_too_long",
                    "model_sample has " + sample.stringValue().length() + " characters; at most "
                            + Graders.MAX_SAMPLE_CHARS + " are graded");
        }
        JsonNode item = request.get("item");
        if (item != null && !item.isNull() && !item.isObject()) {
            throw TrainerException.invalid("item", "invalid_item", "item must be a JSON object: the dataset row");
        }
        long start = System.nanoTime();
        Grade grade = grader.grade(item, sample.stringValue());
        return RunGraderJson.of(grader, grade, (System.nanoTime() - start) / 1e9);
    }

    private static JsonNode object(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw TrainerException.invalid(null, "invalid_request", "the request body must be a JSON object");
        }
        return body;
    }
}
