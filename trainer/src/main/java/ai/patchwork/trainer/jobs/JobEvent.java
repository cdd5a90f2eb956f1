package ai.patchwork.trainer.jobs;

import java.time.Instant;
import java.util.Map;

/**
 * A job event (OpenAI's {@code fine_tuning.job.event}): a message, or metrics in {@code data}.
 *
 * @param id {@code ftevent-…}
 * @param createdAt when it happened
 * @param level info, warn or error
 * @param type {@code message} or {@code metrics}
 * @param message one line for people
 * @param data numbers for programs (step, train_loss, tokens_per_second, eta_seconds, …), or null
 */
public record JobEvent(
        String id, Instant createdAt, String level, String type, String message, Map<String, Object> data) {}
