package ai.patchwork.trainer.train;

/**
 * Loss and next-token accuracy over a set of examples, weighted by target tokens.
 *
 * @param loss mean loss per target token
 * @param accuracy fraction of target tokens predicted by argmax (mean token accuracy)
 * @param targetTokens target tokens seen
 */
public record EvalResult(double loss, double accuracy, long targetTokens) {}
