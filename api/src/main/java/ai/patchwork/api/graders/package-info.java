/**
 * {@code /v1/fine_tuning/alpha/graders/validate} and {@code /run} in OpenAI's shapes, over the trainer module's
 * graders ({@link ai.patchwork.trainer.grader.Graders}); errors go through the fine-tuning endpoints' handler.
 */
package ai.patchwork.api.graders;
