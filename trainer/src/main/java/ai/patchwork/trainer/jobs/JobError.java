package ai.patchwork.trainer.jobs;

import java.util.Objects;

/**
 * Why a job failed (OpenAI's job {@code error}).
 *
 * @param code e.g. {@code invalid_training_file}
 * @param message what went wrong, naming the line of the file when a file is at fault
 * @param param {@code training_file}, {@code validation_file} or null
 */
public record JobError(String code, String message, String param) {
    public JobError {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }
}
