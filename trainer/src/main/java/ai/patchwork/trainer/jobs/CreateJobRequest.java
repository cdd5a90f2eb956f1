package ai.patchwork.trainer.jobs;

import ai.patchwork.trainer.TrainerException;
import ai.patchwork.trainer.grader.Graders;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads OpenAI's create-job body into {@link JobSettings}: {@code model}, {@code training_file},
 * {@code validation_file}, {@code suffix}, {@code seed}, {@code metadata}, {@code method} (supervised, dpo with its
 * {@code beta}, or reinforcement with its grader; the deprecated top-level {@code hyperparameters} when there is no
 * method) and the
 * {@code patchwork} extension, whose GRPO keys only reinforcement jobs take. Every problem is a 400 naming the field.
 */
public final class CreateJobRequest {

    private static final SecureRandom SEEDS = new SecureRandom();
    private static final Set<String> OPTION_KEYS = Set.of(
            "lora",
            "warmup_steps",
            "warmup_ratio",
            "lr_scheduler",
            "min_lr_ratio",
            "max_steps",
            "eval_interval",
            "checkpoint_interval",
            "micro_batch_size",
            "max_grad_norm",
            "weight_decay",
            "progress_interval");
    private static final Set<String> RL_KEYS = Set.of(
            "group_size",
            "beta",
            "epsilon",
            "max_completion_tokens",
            "temperature",
            "num_iterations",
            "initial_adapter");
    private static final Set<String> RL_HYPER_KEYS = Set.of(
            "n_epochs",
            "batch_size",
            "learning_rate_multiplier",
            "compute_multiplier",
            "eval_interval",
            "eval_samples",
            "reasoning_effort");
    private static final Set<String> LORA_KEYS = Set.of("r", "alpha", "dropout", "target_modules");

    private CreateJobRequest() {}

    public static JobSettings parse(JsonNode body) {
        if (body == null || !body.isObject()) throw invalid(null, "the request body must be a JSON object");
        String model = string(body, "model", true);
        String training = string(body, "training_file", true);
        String validation = string(body, "validation_file", false);
        String suffix = string(body, "suffix", false);
        long seed = body.path("seed").isNull() || body.path("seed").isMissingNode()
                ? SEEDS.nextInt(Integer.MAX_VALUE)
                : integer(body.get("seed"), "seed", Long.MIN_VALUE, Long.MAX_VALUE);
        Reinforcement reinforcement = reinforcement(body.path("method"), body.path("patchwork"));
        Preference preference = preference(body.path("method"), body.path("patchwork"));
        return new JobSettings(
                model,
                training,
                validation,
                suffix,
                seed,
                metadata(body.path("metadata")),
                hyperparameters(body),
                options(body.path("patchwork"), reinforcement != null, preference != null),
                reinforcement,
                preference,
                integrations(body.path("integrations")));
    }

    /**
     * OpenAI's {@code integrations}: at most 5 {@code {"type": "wandb", "wandb": {"project": …, "name", "entity",
     * "tags"}}} objects, 4 KB in all. Stored and returned as sent.
     */
    private static JsonNode integrations(JsonNode n) {
        if (n.isMissingNode() || n.isNull()) return JsonMapper.shared().createArrayNode();
        if (!n.isArray()) throw invalid("integrations", "integrations must be an array");
        if (n.size() > 5) throw invalid("integrations", "integrations has more than 5 entries");
        if (n.toString().length() > 4096) throw invalid("integrations", "integrations is longer than 4 KB");
        for (int i = 0; i < n.size(); i++) {
            String at = "integrations[" + i + "]";
            JsonNode e = n.get(i);
            if (!e.isObject() || !"wandb".equals(e.path("type").asString(""))) {
                throw invalid(at + ".type", at + ".type must be \"wandb\", the only integration type");
            }
            JsonNode w = e.path("wandb");
            if (!w.isObject()
                    || !w.path("project").isString()
                    || w.path("project").asString().isBlank()) {
                throw invalid(at + ".wandb.project", at + ".wandb.project is required");
            }
            for (String key : List.of("name", "entity")) {
                if (!w.path(key).isMissingNode()
                        && !w.path(key).isNull()
                        && !w.path(key).isString()) {
                    throw invalid(at + ".wandb." + key, at + ".wandb." + key + " must be a string");
                }
            }
            JsonNode tags = w.path("tags");
            if (!tags.isMissingNode() && !tags.isNull()) {
                if (!tags.isArray()) throw invalid(at + ".wandb.tags", at + ".wandb.tags must be an array of strings");
                for (JsonNode t : tags) {
                    if (!t.isString())
                        throw invalid(at + ".wandb.tags", at + ".wandb.tags must be an array of strings");
                }
            }
        }
        return n;
    }

    /** {@code method.dpo}'s β and {@code patchwork.initial_adapter}; null unless the job is DPO. */
    private static Preference preference(JsonNode method, JsonNode p) {
        if (!method.isObject() || !"dpo".equals(method.path("type").asString(""))) return null;
        JsonNode beta = method.path("dpo").path("hyperparameters").get("beta");
        Double b = autoNumber(beta, "method.dpo.hyperparameters.beta");
        JsonNode initial = p.path("initial_adapter");
        if (!initial.isMissingNode() && !initial.isNull() && !initial.isString()) {
            throw invalid("patchwork.initial_adapter", "patchwork.initial_adapter must be an adapter id or name");
        }
        return new Preference(b == null ? Preference.DEFAULT_BETA : b, initial.isString() ? initial.asString() : null);
    }

    /** {@code method.reinforcement} and the GRPO keys of {@code patchwork}; null for a supervised job. */
    private static Reinforcement reinforcement(JsonNode method, JsonNode p) {
        if (!method.isObject() || !"reinforcement".equals(method.path("type").asString(""))) return null;
        JsonNode r = method.path("reinforcement");
        if (!r.isObject())
            throw invalid("method.reinforcement", "method.reinforcement must be an object with a grader");
        JsonNode grader = r.get("grader");
        if (grader == null || grader.isNull()) {
            throw TrainerException.invalid(
                    "method.reinforcement.grader",
                    "missing_grader",
                    "method.reinforcement.grader is required: the grader scores every sampled completion");
        }
        Graders.parse(grader, "method.reinforcement.grader");
        JsonNode h = r.path("hyperparameters");
        if (!h.isMissingNode() && !h.isNull() && !h.isObject()) {
            throw invalid(
                    "method.reinforcement.hyperparameters", "method.reinforcement.hyperparameters must be an object");
        }
        String at = "method.reinforcement.hyperparameters.";
        for (String key : h.isObject() ? h.propertyNames() : Set.<String>of()) {
            if (!RL_HYPER_KEYS.contains(key))
                throw invalid(
                        at + key,
                        at + key + " is not a known hyperparameter (known: "
                                + String.join(
                                        ", ", RL_HYPER_KEYS.stream().sorted().toList()) + ")");
        }
        Reinforcement d = Reinforcement.defaults(grader);
        JsonNode initial = p.path("initial_adapter");
        if (!initial.isMissingNode() && !initial.isNull() && !initial.isString()) {
            throw invalid("patchwork.initial_adapter", "patchwork.initial_adapter must be an adapter id or name");
        }
        Double computeMultiplier = autoNumber(h.get("compute_multiplier"), at + "compute_multiplier");
        Integer evalSamples = autoInt(h.get("eval_samples"), at + "eval_samples");
        return new Reinforcement(
                grader,
                computeMultiplier == null ? d.computeMultiplier() : computeMultiplier,
                autoInt(h.get("eval_interval"), at + "eval_interval"),
                evalSamples == null ? d.evalSamples() : evalSamples,
                (int) intOr(p.get("group_size"), "patchwork.group_size", d.groupSize()),
                number(p.get("beta"), "patchwork.beta", d.beta()),
                number(p.get("epsilon"), "patchwork.epsilon", d.epsilon()),
                (int) intOr(p.get("max_completion_tokens"), "patchwork.max_completion_tokens", d.maxCompletionTokens()),
                number(p.get("temperature"), "patchwork.temperature", d.temperature()),
                (int) intOr(p.get("num_iterations"), "patchwork.num_iterations", d.iterations()),
                initial.isString() ? initial.asString() : null);
    }

    private static Hyperparameters hyperparameters(JsonNode body) {
        JsonNode method = body.path("method");
        JsonNode h = body.path("hyperparameters");
        String where = "hyperparameters";
        if (!method.isMissingNode() && !method.isNull()) {
            if (!method.isObject()) throw invalid("method", "method must be an object");
            String type = method.path("type").asString("");
            if (!type.equals("supervised") && !type.equals("dpo") && !type.equals("reinforcement")) {
                throw invalid(
                        "method.type",
                        "method.type '" + type + "' is not supported; 'supervised', 'dpo' and "
                                + "'reinforcement' fine-tuning are");
            }
            JsonNode outer = method.path(type);
            if (!outer.isMissingNode() && !outer.isNull() && !outer.isObject()) {
                throw invalid("method." + type, "method." + type + " must be an object");
            }
            JsonNode inner = method.path(type).path("hyperparameters");
            if (!inner.isMissingNode() && !inner.isNull()) {
                h = inner;
                where = "method." + type + ".hyperparameters";
            }
        }
        if (h.isMissingNode() || h.isNull()) return Hyperparameters.AUTO;
        if (!h.isObject()) throw invalid(where, where + " must be an object");
        for (String key : Set.of("reasoning_effort", "compute_multiplier", "eval_interval", "eval_samples")) {
            if (h.has(key) && !where.startsWith("method.reinforcement")) {
                throw invalid(where + "." + key, key + " is a reinforcement fine-tuning hyperparameter");
            }
        }
        if (h.has("beta") && !where.startsWith("method.dpo")) {
            throw invalid(where + ".beta", "beta is a DPO hyperparameter");
        }
        return new Hyperparameters(
                autoInt(h.get("n_epochs"), "n_epochs"),
                autoInt(h.get("batch_size"), "batch_size"),
                autoNumber(h.get("learning_rate_multiplier"), "learning_rate_multiplier"));
    }

    /** The extension; reinforcement jobs report every step unless asked otherwise (their steps are slow). */
    private static TrainingOptions options(JsonNode p, boolean reinforcement, boolean preference) {
        if (p.isMissingNode() || p.isNull()) p = JsonMapper.shared().createObjectNode();
        if (!p.isObject()) throw invalid("patchwork", "patchwork must be an object");
        for (String key : p.propertyNames()) {
            if (key.equals("initial_adapter") && preference) continue;
            if (RL_KEYS.contains(key) && !reinforcement) {
                throw invalid(
                        "patchwork." + key,
                        "patchwork." + key + " is a reinforcement fine-tuning option; this job is " + "supervised");
            }
            if (!OPTION_KEYS.contains(key) && !RL_KEYS.contains(key)) {
                throw invalid(
                        "patchwork." + key,
                        "patchwork." + key + " is not a known option (known: "
                                + String.join(
                                        ", ", OPTION_KEYS.stream().sorted().toList()) + "; for reinforcement also "
                                + String.join(", ", RL_KEYS.stream().sorted().toList()) + ")");
            }
        }
        TrainingOptions d = TrainingOptions.DEFAULTS;
        JsonNode lora = p.path("lora");
        if (!lora.isMissingNode() && !lora.isObject())
            throw invalid("patchwork.lora", "patchwork.lora must be an object");
        for (String key : lora.isObject() ? lora.propertyNames() : Set.<String>of()) {
            if (!LORA_KEYS.contains(key))
                throw invalid(
                        "patchwork.lora." + key,
                        "patchwork.lora." + key + " is not a known option (known: alpha, dropout, r, target_modules)");
        }
        return new TrainingOptions(
                (int) intOr(lora.get("r"), "patchwork.lora.r", d.loraRank()),
                number(lora.get("alpha"), "patchwork.lora.alpha", d.loraAlpha()),
                number(lora.get("dropout"), "patchwork.lora.dropout", d.loraDropout()),
                targets(lora.get("target_modules"), d.targetModules()),
                autoInt(p.get("warmup_steps"), "patchwork.warmup_steps"),
                number(p.get("warmup_ratio"), "patchwork.warmup_ratio", d.warmupRatio()),
                p.path("lr_scheduler").isString() ? p.get("lr_scheduler").asString() : d.lrScheduler(),
                number(p.get("min_lr_ratio"), "patchwork.min_lr_ratio", d.minLrRatio()),
                autoInt(p.get("max_steps"), "patchwork.max_steps"),
                autoInt(p.get("eval_interval"), "patchwork.eval_interval"),
                autoInt(p.get("checkpoint_interval"), "patchwork.checkpoint_interval"),
                (int) intOr(p.get("micro_batch_size"), "patchwork.micro_batch_size", d.microBatchSize()),
                number(p.get("max_grad_norm"), "patchwork.max_grad_norm", d.maxGradNorm()),
                number(p.get("weight_decay"), "patchwork.weight_decay", d.weightDecay()),
                (int) intOr(
                        p.get("progress_interval"),
                        "patchwork.progress_interval",
                        reinforcement ? 1 : d.progressInterval()));
    }

    private static List<String> targets(JsonNode n, List<String> fallback) {
        if (n == null || n.isNull()) return fallback;
        if (n.isString() && n.asString().equals("all-linear")) return TrainingOptions.ALL_LINEAR;
        if (!n.isArray())
            throw invalid(
                    "patchwork.lora.target_modules",
                    "patchwork.lora.target_modules must be a list " + "of module names or \"all-linear\"");
        List<String> out = new ArrayList<>();
        for (JsonNode m : n) {
            if (!m.isString()) throw invalid("patchwork.lora.target_modules", "target_modules must be strings");
            out.add(m.asString());
        }
        return out;
    }

    private static Map<String, String> metadata(JsonNode n) {
        if (n.isMissingNode() || n.isNull()) return Map.of();
        if (!n.isObject()) throw invalid("metadata", "metadata must be an object of strings");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            if (!e.getValue().isString()) throw invalid("metadata", "metadata values must be strings");
            out.put(e.getKey(), e.getValue().asString());
        }
        return out;
    }

    private static String string(JsonNode body, String field, boolean required) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            if (required) throw TrainerException.invalid(field, "missing_" + field, field + " is required");
            return null;
        }
        if (!n.isString()) throw invalid(field, field + " must be a string");
        return n.asString();
    }

    private static Integer autoInt(JsonNode n, String field) {
        if (n == null || n.isNull() || (n.isString() && n.asString().equals("auto"))) return null;
        return (int) integer(n, field, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    private static Double autoNumber(JsonNode n, String field) {
        if (n == null || n.isNull() || (n.isString() && n.asString().equals("auto"))) return null;
        if (!n.isNumber()) throw invalid(field, field + " must be a number or \"auto\"");
        return n.asDouble();
    }

    private static long intOr(JsonNode n, String field, long fallback) {
        return n == null || n.isNull() ? fallback : integer(n, field, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    private static double number(JsonNode n, String field, double fallback) {
        if (n == null || n.isNull()) return fallback;
        if (!n.isNumber()) throw invalid(field, field + " must be a number");
        return n.asDouble();
    }

    private static long integer(JsonNode n, String field, long min, long max) {
        if (!n.isIntegralNumber() && !(n.isNumber() && n.asDouble() == Math.rint(n.asDouble()))) {
            throw invalid(field, field + " must be an integer" + (field.startsWith("patchwork") ? "" : " or \"auto\""));
        }
        long v = n.asLong();
        if (v < min || v > max) throw invalid(field, field + " is out of range");
        return v;
    }

    private static TrainerException invalid(String param, String message) {
        return TrainerException.invalid(param, "invalid_request", message);
    }
}
