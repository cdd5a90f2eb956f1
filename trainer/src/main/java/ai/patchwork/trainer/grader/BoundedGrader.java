package ai.patchwork.trainer.grader;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.databind.JsonNode;

/**
 * Every grader as {@link Graders#parse} returns it: the sample is capped at {@value #MAX_SAMPLE_CHARS} characters and
 * the grade must come back within {@link #BUDGET}. Some metrics are quadratic or worse in their inputs
 * ({@code fuzzy_match}'s partial ratios compare every window), so an untrusted sample could otherwise hold a thread
 * for minutes. A grade over budget is cancelled — the metrics check for it between comparisons — and scores 0 with
 * {@link Grade#UNRESPONSIVE_REWARD_ERROR}, as does a sample over the cap, which is not graded at all.
 */
final class BoundedGrader implements Grader {

    /** Longest sample graded. */
    static final int MAX_SAMPLE_CHARS = 50_000;

    /** Time one grade may take. */
    static final Duration BUDGET = Duration.ofSeconds(2);

    private static final ExecutorService GRADING = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("grader-", 0).factory());

    private final Grader grader;
    private final Duration budget;

    BoundedGrader(Grader grader) {
        this(grader, BUDGET);
    }

    BoundedGrader(Grader grader, Duration budget) {
        this.grader = grader;
        this.budget = budget;
    }

    /** Thrown inside a grade whose budget ran out, to end its computation. */
    static final class Cancelled extends RuntimeException {
        Cancelled() {
            super("grading cancelled", null, false, false);
        }
    }

    /** Ends the current grade if it was cancelled; called by the metrics between comparisons. */
    static void checkCancelled() {
        if (Thread.currentThread().isInterrupted()) throw new Cancelled();
    }

    @Override
    public String name() {
        return grader.name();
    }

    @Override
    public String type() {
        return grader.type();
    }

    @Override
    public JsonNode toJson() {
        return grader.toJson();
    }

    @Override
    public Grade grade(JsonNode item, String outputText) {
        if (outputText != null && outputText.length() > MAX_SAMPLE_CHARS) return unresponsive();
        Future<Grade> grade = GRADING.submit(() -> grader.grade(item, outputText));
        try {
            return grade.get(budget.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            grade.cancel(true);
            return unresponsive();
        } catch (InterruptedException e) {
            grade.cancel(true);
            Thread.currentThread().interrupt();
            return unresponsive();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }

    private static Grade unresponsive() {
        return new Grade(0, Map.of(), Map.of(Grade.UNRESPONSIVE_REWARD_ERROR, true));
    }
}
