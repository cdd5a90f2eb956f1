package ai.patchwork.model.generate;

/**
 * The outcome of one sequence.
 *
 * @param tokenIds generated ids, without a final stop id
 * @param logitsLast logits at the last prompt position, or null when not asked for
 * @param stopId the stop id that ended it (not part of {@code tokenIds}), or null when none did
 */
public record Generation(int[] promptIds, int[] tokenIds, float[] logitsLast, Ending finishReason, Integer stopId) {

    /** Why generation ended, as OpenAI's {@code finish_reason}. */
    public enum Ending {
        LENGTH,
        STOP
    }
}
