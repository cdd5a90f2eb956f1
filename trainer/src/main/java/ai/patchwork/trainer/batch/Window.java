package ai.patchwork.trainer.batch;

import ai.patchwork.trainer.train.StepResult;

/** Loss, accuracy and throughput over the steps since the last progress event. */
final class Window {

    /** Averages over a window, weighted by target tokens. */
    record Stats(double loss, double accuracy, double tokensPerSecond, double secondsPerStep) {}

    private double lossSum;
    private double accuracySum;
    private long targets;
    private long tokens;
    private int steps;
    private long since = System.nanoTime();
    private Stats last;

    void add(StepResult r) {
        lossSum += r.loss() * r.targetTokens();
        accuracySum += r.accuracy() * r.targetTokens();
        targets += r.targetTokens();
        tokens += r.tokens();
        steps++;
    }

    /** The stats since the last drain, and a fresh window. */
    Stats drain(int step) {
        double seconds = Math.max(1e-9, (System.nanoTime() - since) / 1e9);
        last = new Stats(
                lossSum / Math.max(1, targets),
                accuracySum / Math.max(1, targets),
                tokens / seconds,
                seconds / Math.max(1, steps));
        lossSum = accuracySum = 0;
        targets = tokens = 0;
        steps = 0;
        since = System.nanoTime();
        return last;
    }

    /** The stats of the last drained window, or null. */
    Stats last() {
        return last;
    }
}
