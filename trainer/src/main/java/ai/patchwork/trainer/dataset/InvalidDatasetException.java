package ai.patchwork.trainer.dataset;

import java.util.List;

/**
 * A training or validation file that cannot be trained on. The message names the first problem's line, the problem
 * and how many more there are, so that one line of an API error is enough to fix the file.
 */
public final class InvalidDatasetException extends RuntimeException {

    /** At most this many problems are collected before reading stops. */
    static final int MAX_PROBLEMS = 20;

    private final List<DatasetProblem> problems;

    public InvalidDatasetException(List<DatasetProblem> problems) {
        super(summary(problems));
        this.problems = List.copyOf(problems);
    }

    public InvalidDatasetException(DatasetProblem problem) {
        this(List.of(problem));
    }

    /** Every problem found, in line order; never empty. */
    public List<DatasetProblem> problems() {
        return problems;
    }

    /** The line of the first problem (0 when it concerns the whole file). */
    public int firstLine() {
        return problems.getFirst().line();
    }

    private static String summary(List<DatasetProblem> problems) {
        if (problems.isEmpty()) throw new IllegalArgumentException("an invalid dataset has at least one problem");
        String first = problems.getFirst().describe();
        if (problems.size() == 1) return first;
        int more = problems.size() - 1;
        return first + " (and " + (problems.size() >= MAX_PROBLEMS ? "at least " : "") + more + " more problem"
                + (more == 1 ? "" : "s") + ", the next on line "
                + problems.get(1).line() + ")";
    }
}
