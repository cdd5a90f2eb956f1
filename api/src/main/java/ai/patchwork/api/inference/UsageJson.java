package ai.patchwork.api.inference;

import ai.patchwork.serving.Usage;

/**
 * OpenAI's {@code usage} object.
 *
 * @param promptTokensDetails how many prompt tokens came from the prefix cache
 */
record UsageJson(int promptTokens, int completionTokens, int totalTokens, PromptTokensDetails promptTokensDetails) {

    /** OpenAI's {@code prompt_tokens_details}: the prompt tokens whose keys and values were reused, not computed. */
    record PromptTokensDetails(int cachedTokens) {}

    static UsageJson of(Usage u) {
        return new UsageJson(
                u.promptTokens(), u.completionTokens(), u.totalTokens(), new PromptTokensDetails(u.cachedTokens()));
    }
}
