package ai.patchwork.api.finetuning;

import ai.patchwork.trainer.TrainerException;
import ai.patchwork.trainer.grader.Graders;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * OpenAI's {@code method}: {@code {"type": "supervised" | "dpo" | "reinforcement", "<type>": {...}}}.
 *
 * @param type the fine-tuning method
 * @param supervised the supervised method's object, or null
 * @param dpo the DPO method's object ({@code beta} among its hyperparameters), or null
 * @param reinforcement the reinforcement method's object (the grader), or null
 */
record MethodBody(String type, Tuning supervised, Tuning dpo, ReinforcementTuning reinforcement) {

    static final List<String> TYPES = List.of("supervised", "dpo", "reinforcement");

    MethodBody {
        if (!TYPES.contains(type)) {
            throw AutoValue.invalid(
                    "method.type",
                    "method.type '" + (type == null ? "" : type) + "' is not supported; 'supervised', 'dpo' and "
                            + "'reinforcement' fine-tuning are");
        }
        if (type.equals("reinforcement") && reinforcement == null) {
            throw AutoValue.invalid("method.reinforcement", "method.reinforcement must be an object with a grader");
        }
    }

    /** The supervised or DPO method's object. */
    record Tuning(HyperparametersBody hyperparameters) {}

    /**
     * The reinforcement method's object.
     *
     * @param grader scores every sampled completion; checked here, stored as sent
     * @param hyperparameters OpenAI's three and the reinforcement-only ones, or null
     */
    record ReinforcementTuning(JsonNode grader, HyperparametersBody hyperparameters) {
        ReinforcementTuning {
            if (!AutoValue.given(grader)) {
                throw TrainerException.invalid(
                        "method.reinforcement.grader",
                        "missing_grader",
                        "method.reinforcement.grader is required: the grader scores every sampled completion");
            }
            Graders.parse(grader, "method.reinforcement.grader");
            if (hyperparameters != null) hyperparameters.check("method.reinforcement.hyperparameters");
        }
    }

    /** The hyperparameters inside the chosen method's object, or null when it has none. */
    HyperparametersBody hyperparameters() {
        return switch (type) {
            case "dpo" -> dpo == null ? null : dpo.hyperparameters();
            case "reinforcement" -> reinforcement.hyperparameters();
            default -> supervised == null ? null : supervised.hyperparameters();
        };
    }
}
