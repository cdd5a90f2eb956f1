package ai.patchwork.trainer.dataset;

/**
 * One thing wrong with a training or validation file, at a line (1-based; 0 for the file as a whole).
 *
 * @param line the line of the JSONL file, or 0 when the problem is the whole file
 * @param message what is wrong, one sentence without the line number
 */
public record DatasetProblem(int line, String message) {

    public DatasetProblem {
        if (line < 0) throw new IllegalArgumentException("line must not be negative");
        if (message == null || message.isBlank()) throw new IllegalArgumentException("message is required");
    }

    /** The problem as users read it, e.g. {@code line 3: unknown role 'wizard'}. */
    public String describe() {
        return line == 0 ? message : "line " + line + ": " + message;
    }
}
