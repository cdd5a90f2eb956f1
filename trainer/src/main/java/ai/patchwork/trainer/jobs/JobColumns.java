package ai.patchwork.trainer.jobs;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The job's JSON columns ({@code hyperparameters}, {@code method}): OpenAI's three values ({@code "auto"} or a
 * number) plus the Patchwork extension under {@code "patchwork"}, in the same JSON shape as the request. Storage only:
 * the HTTP shape of a job is the {@code api} module's.
 */
final class JobColumns {
    private static final JsonMapper JSON = JsonMapper.shared();

    private JobColumns() {}

    static ObjectNode hyperparameters(Hyperparameters h) {
        ObjectNode n = JSON.createObjectNode();
        if (h.nEpochs() == null) n.put("n_epochs", "auto");
        else n.put("n_epochs", h.nEpochs());
        if (h.batchSize() == null) n.put("batch_size", "auto");
        else n.put("batch_size", h.batchSize());
        if (h.learningRateMultiplier() == null) n.put("learning_rate_multiplier", "auto");
        else n.put("learning_rate_multiplier", h.learningRateMultiplier());
        return n;
    }

    /**
     * The {@code method} column: supervised with its hyperparameters, DPO with β, or reinforcement with everything it
     * needs.
     */
    static ObjectNode method(Hyperparameters h, Reinforcement reinforcement, Preference preference) {
        if (reinforcement != null) return reinforcement.column(h);
        if (preference != null) return preference.column(h);
        ObjectNode m = JSON.createObjectNode();
        m.put("type", "supervised");
        m.putObject("supervised").set("hyperparameters", hyperparameters(h));
        return m;
    }

    static ObjectNode column(Hyperparameters h, TrainingOptions o) {
        ObjectNode n = hyperparameters(h);
        n.set("patchwork", options(o));
        return n;
    }

    static ObjectNode options(TrainingOptions o) {
        ObjectNode n = JSON.createObjectNode();
        ObjectNode lora = n.putObject("lora");
        lora.put("r", o.loraRank());
        lora.put("alpha", o.loraAlpha());
        lora.put("dropout", o.loraDropout());
        var targets = lora.putArray("target_modules");
        o.targetModules().forEach(targets::add);
        putOrAuto(n, "warmup_steps", o.warmupSteps());
        n.put("warmup_ratio", o.warmupRatio());
        n.put("lr_scheduler", o.lrScheduler());
        n.put("min_lr_ratio", o.minLrRatio());
        if (o.maxSteps() == null) n.putNull("max_steps");
        else n.put("max_steps", o.maxSteps());
        putOrAuto(n, "eval_interval", o.evalInterval());
        putOrAuto(n, "checkpoint_interval", o.checkpointInterval());
        n.put("micro_batch_size", o.microBatchSize());
        n.put("max_grad_norm", o.maxGradNorm());
        n.put("weight_decay", o.weightDecay());
        n.put("progress_interval", o.progressInterval());
        return n;
    }

    private static void putOrAuto(ObjectNode n, String key, Integer value) {
        if (value == null) n.put(key, "auto");
        else n.put(key, value);
    }

    static Hyperparameters readHyperparameters(JsonNode n) {
        return new Hyperparameters(
                intOrAuto(n.get("n_epochs")),
                intOrAuto(n.get("batch_size")),
                n.path("learning_rate_multiplier").isNumber()
                        ? n.get("learning_rate_multiplier").asDouble()
                        : null);
    }

    static TrainingOptions readOptions(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull()) return TrainingOptions.DEFAULTS;
        JsonNode lora = n.path("lora");
        List<String> targets = new ArrayList<>();
        lora.path("target_modules").forEach(t -> targets.add(t.asString()));
        return new TrainingOptions(
                lora.path("r").asInt(),
                lora.path("alpha").asDouble(),
                lora.path("dropout").asDouble(),
                targets,
                intOrAuto(n.get("warmup_steps")),
                n.path("warmup_ratio").asDouble(),
                n.path("lr_scheduler").asString(),
                n.path("min_lr_ratio").asDouble(),
                intOrAuto(n.get("max_steps")),
                intOrAuto(n.get("eval_interval")),
                intOrAuto(n.get("checkpoint_interval")),
                n.path("micro_batch_size").asInt(),
                n.path("max_grad_norm").asDouble(),
                n.path("weight_decay").asDouble(),
                n.path("progress_interval").asInt(10));
    }

    static Integer intOrAuto(JsonNode n) {
        return n != null && n.isNumber() ? n.asInt() : null;
    }
}
