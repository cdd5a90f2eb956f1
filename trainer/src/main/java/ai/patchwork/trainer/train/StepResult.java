package ai.patchwork.trainer.train;

/**
 * What one optimizer update saw.
 *
 * @param step the update's number, from 1
 * @param loss mean loss over the batch's target tokens, before the update
 * @param accuracy fraction of target tokens the model predicted (argmax) before the update
 * @param learningRate the rate the update used
 * @param gradNorm the global gradient norm before clipping
 * @param targetTokens tokens that counted towards the loss
 * @param tokens tokens the batch fed through the model, context and padding excluded
 */
public record StepResult(
        int step, double loss, double accuracy, double learningRate, double gradNorm, long targetTokens, long tokens) {}
