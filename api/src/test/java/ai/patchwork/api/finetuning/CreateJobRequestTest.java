package ai.patchwork.api.finetuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.patchwork.trainer.TrainerException;
import ai.patchwork.trainer.jobs.Hyperparameters;
import ai.patchwork.trainer.jobs.JobSettings;
import ai.patchwork.trainer.jobs.Preference;
import ai.patchwork.trainer.jobs.Reinforcement;
import ai.patchwork.trainer.jobs.TrainingOptions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * OpenAI's create-job body and the Patchwork extension bound to the request records (with the application's snake_case
 * naming) and mapped to the trainer's command; "auto" and how it resolves.
 */
class CreateJobRequestTest {

    static final JsonMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .build();

    /** Binds and maps the body as the controller does; a refusal inside Jackson is unwrapped as the handler does. */
    static JobSettings parse(String json) {
        try {
            return JSON.readValue(json, CreateJobRequest.class).settings();
        } catch (JacksonException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof TrainerException refused) throw refused;
            }
            throw e;
        }
    }

    @Test
    void readsTheSupervisedMethodAndTheExtension() {
        // given a request with the method's hyperparameters and Patchwork's LoRA and schedule options
        JobSettings s = parse("""
        {"model": "m", "training_file": "file-a", "validation_file": "file-b", "suffix": "x", "seed": 5,
         "metadata": {"k": "v"}, "method": {"type": "supervised", "supervised": {"hyperparameters":
         {"n_epochs": 3, "batch_size": "auto", "learning_rate_multiplier": 2.5}}},
         "patchwork": {"lora": {"r": 8, "alpha": 16, "dropout": 0.1, "target_modules": ["q_proj", "v_proj"]},
          "warmup_steps": 4, "lr_scheduler": "linear", "max_steps": 90, "checkpoint_interval": 30}}""");

        // then everything is read, and what was left out keeps its default
        assertEquals(new Hyperparameters(3, null, 2.5), s.hyperparameters());
        assertEquals(Map.of("k", "v"), s.metadata());
        TrainingOptions o = s.options();
        assertEquals(8, o.loraRank());
        assertEquals(List.of("q_proj", "v_proj"), o.targetModules());
        assertEquals("linear", o.lrScheduler());
        assertEquals(90, o.maxSteps());
        assertNull(o.evalInterval());
        assertEquals(TrainingOptions.DEFAULTS.microBatchSize(), o.microBatchSize());
    }

    @Test
    void theDeprecatedTopLevelHyperparametersStillWorkAndAutoResolvesFromTheData() {
        JobSettings s =
                parse("{\"model\": \"m\", \"training_file\": \"f\", \"hyperparameters\": {\"n_epochs\": \"auto\"}}");
        assertEquals(Hyperparameters.AUTO, s.hyperparameters());
        assertEquals(new Hyperparameters(4, 16, 1.0), s.hyperparameters().resolve(400)); // 1600 examples seen, batch 16
        assertEquals(new Hyperparameters(10, 2, 1.0), s.hyperparameters().resolve(20));
        assertEquals(new Hyperparameters(3, 16, 1.0), s.hyperparameters().resolve(100_000));
    }

    @Test
    void readsTheReinforcementMethodItsGraderAndTheGrpoSettings() {
        // given an OpenAI reinforcement request with Patchwork's GRPO settings
        JobSettings s = parse("""
        {"model": "m", "training_file": "f", "method": {"type": "reinforcement", "reinforcement": {
          "grader": {"type": "string_check", "name": "g", "input": "{{sample.output_text}}",
                     "reference": "{{item.answer}}", "operation": "eq"},
          "hyperparameters": {"n_epochs": 2, "batch_size": 4, "compute_multiplier": 1.5, "eval_interval": 10,
                              "eval_samples": 3, "reasoning_effort": "high"}}},
         "patchwork": {"group_size": 4, "beta": 0.04, "epsilon": 0.28, "max_completion_tokens": 32,
                       "temperature": 0.9, "num_iterations": 2, "initial_adapter": "sft-adapter"}}""");

        // then the method, its hyperparameters and the extension are read; reasoning_effort is accepted and ignored
        Reinforcement r = s.reinforcement();
        assertEquals("string_check", r.grader().path("type").asString());
        assertEquals(new Hyperparameters(2, 4, null), s.hyperparameters());
        assertEquals(6, r.samplesPerPrompt()); // G 4 × compute multiplier 1.5
        assertEquals(10, r.evalInterval());
        assertEquals(3, r.evalSamples());
        assertEquals(0.04, r.beta());
        assertEquals(0.28, r.epsilon());
        assertEquals(32, r.maxCompletionTokens());
        assertEquals(2, r.iterations());
        assertEquals("sft-adapter", r.initialAdapter());
        assertEquals(1, s.options().progressInterval(), "reinforcement jobs report every step by default");
        assertEquals(new Hyperparameters(1, 8, 1.0), Hyperparameters.AUTO.resolveForReinforcement(100));
        assertNull(parse("{\"model\": \"m\", \"training_file\": \"f\"}").reinforcement());
    }

    @Test
    void problemsNameTheField() {
        assertEquals(
                "training_file",
                assertThrows(TrainerException.class, () -> parse("{\"model\": \"m\"}"))
                        .refusal()
                        .param());
        assertEquals(
                "batch_size",
                assertThrows(
                                TrainerException.class,
                                () -> parse(
                                        "{\"model\": \"m\", \"training_file\": \"f\", \"hyperparameters\": {\"batch_size\": 512}}"))
                        .refusal()
                        .param());
        assertEquals(
                "learning_rate_multiplier",
                assertThrows(
                                TrainerException.class,
                                () -> parse(
                                        "{\"model\": \"m\", \"training_file\": \"f\", \"hyperparameters\": {\"learning_rate_multiplier\": \"fast\"}}"))
                        .refusal()
                        .param());
        assertEquals(
                "patchwork.lora.target_modules",
                assertThrows(
                                TrainerException.class,
                                () -> parse(
                                        "{\"model\": \"m\", \"training_file\": \"f\", \"patchwork\": {\"lora\": {\"target_modules\": [\"lm_head\"]}}}"))
                        .refusal()
                        .param());
        assertEquals(
                "patchwork.progress_interval",
                assertThrows(
                                TrainerException.class,
                                () -> parse(
                                        "{\"model\": \"m\", \"training_file\": \"f\", \"patchwork\": {\"progress_interval\": 50}}"))
                        .refusal()
                        .param());
        assertEquals(
                "suffix",
                assertThrows(
                                TrainerException.class,
                                () -> parse("{\"model\": \"m\", \"training_file\": \"f\", \"suffix\": \"has space\"}"))
                        .refusal()
                        .param());
    }

    @Test
    void readsTheDpoMethodWithBetaAndAnInitialAdapter() {
        // given a DPO request with β and an adapter to start from
        JobSettings s = parse("""
        {"model": "m", "training_file": "file-a", "method": {"type": "dpo", "dpo": {"hyperparameters":
         {"beta": 0.3, "n_epochs": 2}}}, "patchwork": {"initial_adapter": "ft-x"}}""");

        // then it is a DPO job with its β, OpenAI's hyperparameters and the initial adapter
        assertEquals(new Preference(0.3, "ft-x"), s.preference());
        assertNull(s.reinforcement());
        assertEquals(new Hyperparameters(2, null, null), s.hyperparameters());
        assertEquals(Preference.DEFAULT_BETA, parse("""
        {"model": "m", "training_file": "f", "method": {"type": "dpo"}}""").preference().beta());
    }

    @Test
    void refusesBetaOutOfRangeOrOnASupervisedJob() {
        TrainerException high = assertThrows(TrainerException.class, () -> parse("""
        {"model": "m", "training_file": "f", "method": {"type": "dpo", "dpo": {"hyperparameters": {"beta": 3}}}}"""));
        assertEquals("method.dpo.hyperparameters.beta", high.refusal().param());
        TrainerException sft = assertThrows(TrainerException.class, () -> parse("""
        {"model": "m", "training_file": "f", "method": {"type": "supervised", "supervised":
         {"hyperparameters": {"beta": 0.1}}}}"""));
        assertEquals("method.supervised.hyperparameters.beta", sft.refusal().param());
    }

    @Test
    void keepsWandbIntegrationsAndRefusesOthersNamingTheEntry() {
        JobSettings s = parse("""
        {"model": "m", "training_file": "f", "integrations": [{"type": "wandb", "wandb": {"project": "p",
         "name": "run", "tags": ["a"]}}]}""");
        assertEquals("p", s.integrations().get(0).path("wandb").path("project").asString());
        assertEquals(
                0,
                parse("{\"model\": \"m\", \"training_file\": \"f\"}")
                        .integrations()
                        .size());
        TrainerException other = assertThrows(TrainerException.class, () -> parse("""
        {"model": "m", "training_file": "f", "integrations": [{"type": "mlflow"}]}"""));
        assertEquals("integrations[0].type", other.refusal().param());
        TrainerException noProject = assertThrows(TrainerException.class, () -> parse("""
        {"model": "m", "training_file": "f", "integrations": [{"type": "wandb", "wandb": {}}]}"""));
        assertEquals("integrations[0].wandb.project", noProject.refusal().param());
    }

    @Test
    void unknownKeysOfTheExtensionAndOfReinforcementHyperparametersAreRefusedNamingThem() {
        TrainerException option = assertThrows(TrainerException.class, () -> parse("""
        {"model": "m", "training_file": "f", "patchwork": {"warmup": 3}}"""));
        assertEquals("patchwork.warmup", option.refusal().param());
        assertEquals(true, option.getMessage().contains("is not a known option (known: checkpoint_interval"));
        TrainerException lora = assertThrows(TrainerException.class, () -> parse("""
        {"model": "m", "training_file": "f", "patchwork": {"lora": {"rank": 8}}}"""));
        assertEquals("patchwork.lora.rank", lora.refusal().param());
        TrainerException rl = assertThrows(TrainerException.class, () -> parse("""
        {"model": "m", "training_file": "f", "method": {"type": "reinforcement", "reinforcement": {"grader":
         {"type": "string_check", "name": "g", "input": "a", "reference": "b", "operation": "eq"},
         "hyperparameters": {"beta": 0.1}}}}"""));
        assertEquals("method.reinforcement.hyperparameters.beta", rl.refusal().param());
        TrainerException grpoOnSft = assertThrows(TrainerException.class, () -> parse("""
        {"model": "m", "training_file": "f", "patchwork": {"group_size": 4}}"""));
        assertEquals("patchwork.group_size", grpoOnSft.refusal().param());
        assertEquals(
                "method.supervised.hyperparameters.eval_samples",
                assertThrows(TrainerException.class, () -> parse("""
        {"model": "m", "training_file": "f", "method": {"type": "supervised", "supervised":
         {"hyperparameters": {"eval_samples": 2}}}}""")).refusal().param());
    }
}
