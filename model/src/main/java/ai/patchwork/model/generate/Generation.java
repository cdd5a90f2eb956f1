package ai.patchwork.model.generate;

/**
 * The outcome of one sequence.
 *
 * @param tokenIds generated ids, without a final stop id
 * @param logitsLast logits at the last prompt position, or null when not asked for
 */
public record Generation(int[] promptIds, int[] tokenIds, float[] logitsLast, FinishReason finishReason) {

  /** Why generation ended, as OpenAI's {@code finish_reason}. */
  public enum FinishReason { LENGTH, STOP }
}
