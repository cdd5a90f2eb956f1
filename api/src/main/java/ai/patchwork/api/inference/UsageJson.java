package ai.patchwork.api.inference;

import ai.patchwork.serving.Usage;

/** OpenAI's {@code usage} object. */
record UsageJson(int promptTokens, int completionTokens, int totalTokens) {

    static UsageJson of(Usage u) {
        return new UsageJson(u.promptTokens(), u.completionTokens(), u.totalTokens());
    }
}
