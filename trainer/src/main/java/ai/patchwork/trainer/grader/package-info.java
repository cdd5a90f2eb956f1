/**
 * Graders for reinforcement fine-tuning: OpenAI's grader JSON ({@code string_check}, {@code text_similarity},
 * {@code multi}) plus Patchwork's {@code regex_match}, {@code json_check} and {@code numeric_check}, parsed and
 * validated once by {@link ai.patchwork.trainer.grader.Graders#parse} into an immutable, thread-safe
 * {@link ai.patchwork.trainer.grader.Grader} whose {@code grade(item, outputText)} gives a
 * {@link ai.patchwork.trainer.grader.Grade}: the reward and OpenAI's error flags. Templates ({@code {{ item.x }}},
 * {@code {{ sample.output_text }}}) are rendered by a small hand-written class; {@code calculate_output} formulas are
 * evaluated by EvalEx; fuzzy match, BLEU and ROUGE are ports of rapidfuzz, sacrebleu and rouge-score. Plain Java and
 * Jackson, no Spring.
 */
package ai.patchwork.trainer.grader;
