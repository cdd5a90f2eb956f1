package ai.patchwork.trainer.train;

import ai.patchwork.trainer.dataset.PromptExample;

/** Scores one completion of a prompt, in [0, 1] for OpenAI's graders. Called from the training thread. */
@FunctionalInterface
public interface Reward {
    double score(PromptExample prompt, String completion);
}
