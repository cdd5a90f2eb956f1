package ai.patchwork.trainer.batch;

import ai.patchwork.trainer.jobs.Hyperparameters;
import ai.patchwork.trainer.jobs.JobSettings;
import ai.patchwork.trainer.jobs.Preference;
import ai.patchwork.trainer.jobs.Reinforcement;
import ai.patchwork.trainer.jobs.TrainingOptions;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The trainer's create-job commands on the test bed's base model, as the api module builds them from a body. */
final class JobCommands {

    /** A string_check grader: the sampled output must equal the item's {@code answer}. */
    static final JsonNode EXACT_GRADER = JsonMapper.shared().readTree("""
        {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}", "reference": "{{item.answer}}",
         "operation": "eq"}""");

    private JobCommands() {}

    static JobSettings supervised(
            String trainingFile, String validationFile, String suffix, Hyperparameters h, TrainingOptions o) {
        return new JobSettings(
                TrainerTestBed.BASE, trainingFile, validationFile, suffix, 3, Map.of(), h, o, null, null, none());
    }

    static JobSettings dpo(String trainingFile, Preference p, Hyperparameters h, TrainingOptions o, JsonNode wandb) {
        return new JobSettings(TrainerTestBed.BASE, trainingFile, null, null, 3, Map.of(), h, o, null, p, wandb);
    }

    /** A reinforcement job with every default (and the progress every step a reinforcement job gets). */
    static JobSettings reinforcement(String trainingFile) {
        return new JobSettings(
                TrainerTestBed.BASE,
                trainingFile,
                null,
                null,
                3,
                Map.of(),
                Hyperparameters.AUTO,
                TrainingOptions.builder().progressInterval(1).build(),
                Reinforcement.defaults(EXACT_GRADER),
                null,
                none());
    }

    private static JsonNode none() {
        return JsonMapper.shared().createArrayNode();
    }
}
