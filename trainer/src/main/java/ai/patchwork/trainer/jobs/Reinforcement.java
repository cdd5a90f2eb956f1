package ai.patchwork.trainer.jobs;

import ai.patchwork.trainer.TrainerException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The reinforcement method of a job: OpenAI's {@code method.reinforcement} (the grader and the RFT-only
 * hyperparameters) plus Patchwork's GRPO settings under {@code patchwork}. Stored whole in the job's {@code method}
 * column.
 *
 * @param grader the grader as given, validated when the job was created
 * @param computeMultiplier scales the group size (more samples per prompt explore more), in (0, 10]
 * @param evalInterval steps between evaluations on the validation file; null: a tenth of the run
 * @param evalSamples completions sampled per validation prompt at each evaluation, 1 to 32
 * @param groupSize G before the compute multiplier, 2 to 64
 * @param beta weight of the KL penalty to the base model, ≥ 0
 * @param epsilon clip range of the policy ratio, in (0, 1)
 * @param maxCompletionTokens tokens sampled per completion at most, 1 to 4096; {@value #AUTO} until the job is
 *     created, when it becomes 256 or half the model's context if that is less
 * @param temperature sampling temperature of rollouts and evaluations, in (0, 2]
 * @param iterations updates per batch of samples (μ), 1 to 8
 * @param initialAdapter the adapter id training starts from, or null for a fresh adapter
 */
public record Reinforcement(
        JsonNode grader,
        double computeMultiplier,
        Integer evalInterval,
        int evalSamples,
        int groupSize,
        double beta,
        double epsilon,
        int maxCompletionTokens,
        double temperature,
        int iterations,
        String initialAdapter) {

    static final String HYPER = "method.reinforcement.hyperparameters.";

    /** {@code max_completion_tokens} left out: fitted to the model's context when the job is created. */
    public static final int AUTO = 0;

    /** The completion length a job gets when it does not choose one, unless the model's context is shorter. */
    public static final int DEFAULT_COMPLETION_TOKENS = 256;

    public Reinforcement {
        Objects.requireNonNull(grader, "grader");
        check(computeMultiplier > 0 && computeMultiplier <= 10, HYPER + "compute_multiplier", "must be in (0, 10]");
        check(evalInterval == null || evalInterval >= 1, HYPER + "eval_interval", "must be at least 1");
        check(evalSamples >= 1 && evalSamples <= 32, HYPER + "eval_samples", "must be between 1 and 32");
        check(groupSize >= 2 && groupSize <= 64, "patchwork.group_size", "must be between 2 and 64");
        check(beta >= 0 && beta <= 10, "patchwork.beta", "must be in [0, 10]");
        check(epsilon > 0 && epsilon < 1, "patchwork.epsilon", "must be in (0, 1)");
        check(
                maxCompletionTokens == AUTO || maxCompletionTokens >= 1 && maxCompletionTokens <= 4096,
                "patchwork.max_completion_tokens",
                "must be between 1 and 4096");
        check(temperature > 0 && temperature <= 2, "patchwork.temperature", "must be in (0, 2]");
        check(iterations >= 1 && iterations <= 8, "patchwork.num_iterations", "must be between 1 and 8");
    }

    /**
     * Defaults: compute multiplier 1, evaluation a tenth of the run with 4 samples, G 8, β 0, ε 0.2, completion length
     * fitted to the model ({@link #AUTO}), T 1.
     */
    public static Reinforcement defaults(JsonNode grader) {
        return new Reinforcement(grader, 1.0, null, 4, 8, 0.0, 0.2, AUTO, 1.0, 1, null);
    }

    /**
     * The settings for a model whose context is {@code context} tokens: an {@link #AUTO} completion length becomes
     * {@value #DEFAULT_COMPLETION_TOKENS} or half the context, whichever is less, leaving the other half for prompts.
     *
     * @throws TrainerException naming {@code patchwork.max_completion_tokens} if a chosen length leaves no room for a
     *     prompt
     */
    public Reinforcement fittedTo(int context) {
        if (maxCompletionTokens == AUTO) {
            return withMaxCompletionTokens(Math.max(1, Math.min(DEFAULT_COMPLETION_TOKENS, context / 2)));
        }
        check(
                maxCompletionTokens < context,
                "patchwork.max_completion_tokens",
                "(" + maxCompletionTokens
                        + ") leaves no room for a prompt in the model's context of " + context
                        + " tokens; leave it out to fit it "
                        + "to the model");
        return this;
    }

    private Reinforcement withMaxCompletionTokens(int tokens) {
        return with(evalInterval, tokens, initialAdapter);
    }

    /** These settings with the three that are settled after the request: by the model, the run and the registry. */
    private Reinforcement with(Integer evalInterval, int maxCompletionTokens, String initialAdapter) {
        return new Reinforcement(
                grader,
                computeMultiplier,
                evalInterval,
                evalSamples,
                groupSize,
                beta,
                epsilon,
                maxCompletionTokens,
                temperature,
                iterations,
                initialAdapter);
    }

    /** Completions per prompt: G × compute multiplier, at least 2. */
    public int samplesPerPrompt() {
        return Math.max(2, (int) Math.round(groupSize * computeMultiplier));
    }

    public Reinforcement withEvalInterval(int interval) {
        return with(interval, maxCompletionTokens, initialAdapter);
    }

    public Reinforcement withInitialAdapter(String adapterId) {
        return with(evalInterval, maxCompletionTokens, adapterId);
    }

    /** The RFT-only hyperparameters as OpenAI shows them (next to n_epochs, batch_size, learning_rate_multiplier). */
    public Map<String, Object> hyperparameters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("compute_multiplier", computeMultiplier);
        m.put("eval_interval", evalInterval == null ? "auto" : evalInterval);
        m.put("eval_samples", evalSamples);
        return m;
    }

    /** The GRPO settings as the {@code patchwork} extension shows them. */
    public Map<String, Object> options() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("group_size", groupSize);
        m.put("beta", beta);
        m.put("epsilon", epsilon);
        m.put("max_completion_tokens", maxCompletionTokens);
        m.put("temperature", temperature);
        m.put("num_iterations", iterations);
        m.put("initial_adapter", initialAdapter);
        return m;
    }

    /** The {@code method} column: {@code {"type": "reinforcement", "reinforcement": {grader, hyperparameters, patchwork}}}. */
    ObjectNode column(Hyperparameters h) {
        JsonMapper json = JsonMapper.shared();
        ObjectNode hyper = JobColumns.hyperparameters(h);
        hyper.setAll((ObjectNode) json.valueToTree(hyperparameters()));
        ObjectNode inner = json.createObjectNode();
        inner.set("grader", grader);
        inner.set("hyperparameters", hyper);
        inner.set("patchwork", json.valueToTree(options()));
        ObjectNode method = json.createObjectNode();
        method.put("type", "reinforcement");
        method.set("reinforcement", inner);
        return method;
    }

    /** Reads the {@code method} column; null for a supervised job. */
    static Reinforcement read(JsonNode method) {
        if (method == null || !"reinforcement".equals(method.path("type").asString(""))) return null;
        JsonNode r = method.path("reinforcement");
        JsonNode h = r.path("hyperparameters");
        JsonNode p = r.path("patchwork");
        return new Reinforcement(
                r.get("grader"),
                h.path("compute_multiplier").asDouble(1.0),
                JobColumns.intOrAuto(h.get("eval_interval")),
                h.path("eval_samples").asInt(4),
                p.path("group_size").asInt(8),
                p.path("beta").asDouble(),
                p.path("epsilon").asDouble(0.2),
                p.path("max_completion_tokens").asInt(256),
                p.path("temperature").asDouble(1.0),
                p.path("num_iterations").asInt(1),
                p.path("initial_adapter").isString() ? p.get("initial_adapter").asString() : null);
    }

    private static void check(boolean ok, String field, String message) {
        if (!ok) throw TrainerException.invalid(field, "invalid_hyperparameter", field + " " + message);
    }
}
