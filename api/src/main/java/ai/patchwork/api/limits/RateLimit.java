package ai.patchwork.api.limits;

/**
 * A project's limit, for one model or all ({@value #ALL_MODELS}).
 *
 * @param model a base model id or adapter name, or {@value #ALL_MODELS}
 * @param maxRequestsPerMinute null: no limit on requests
 * @param maxTokensPerMinute null: no limit on tokens (prompt + max_tokens reserved at admission)
 */
public record RateLimit(String model, Integer maxRequestsPerMinute, Long maxTokensPerMinute) {
    /** The model of a project-wide limit. */
    public static final String ALL_MODELS = "*";

    /** The id of the limit in the administration API: {@code rl-} and its model. */
    public String id() {
        return "rl-" + model;
    }
}
