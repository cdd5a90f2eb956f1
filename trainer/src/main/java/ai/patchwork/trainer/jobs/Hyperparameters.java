package ai.patchwork.trainer.jobs;

import ai.patchwork.trainer.TrainerException;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI's supervised hyperparameters; null stands for {@code "auto"}, resolved from the data once it is tokenized.
 *
 * @param nEpochs passes over the training file, 1 to 50
 * @param batchSize examples per optimizer step, 1 to 256
 * @param learningRateMultiplier multiplies the base learning rate {@value #BASE_LEARNING_RATE}; positive
 */
public record Hyperparameters(Integer nEpochs, Integer batchSize, Double learningRateMultiplier) {

    /** The LoRA learning rate a multiplier of 1 gives (the common LoRA default). */
    public static final double BASE_LEARNING_RATE = 2e-4;

    /** Everything {@code "auto"}. */
    public static final Hyperparameters AUTO = new Hyperparameters(null, null, null);

    public Hyperparameters {
        if (nEpochs != null && (nEpochs < 1 || nEpochs > 50)) {
            throw TrainerException.invalid(
                    "n_epochs", "invalid_hyperparameter", "n_epochs must be between 1 and 50, got " + nEpochs);
        }
        if (batchSize != null && (batchSize < 1 || batchSize > 256)) {
            throw TrainerException.invalid(
                    "batch_size", "invalid_hyperparameter", "batch_size must be between 1 and 256, got " + batchSize);
        }
        if (learningRateMultiplier != null && !(learningRateMultiplier > 0 && learningRateMultiplier <= 1000)) {
            throw TrainerException.invalid(
                    "learning_rate_multiplier",
                    "invalid_hyperparameter",
                    "learning_rate_multiplier must be greater than 0 (and at most 1000), got "
                            + learningRateMultiplier);
        }
    }

    /** The hidden size at which the {@code "auto"} multiplier is 1 (a 7B-class model). */
    static final int REFERENCE_HIDDEN_SIZE = 4096;

    /** The values for a file of {@code examples} examples on a model of the reference width (multiplier 1). */
    public Hyperparameters resolve(int examples) {
        return resolve(examples, REFERENCE_HIDDEN_SIZE);
    }

    /**
     * The values for a file of {@code examples} examples on a model of {@code hiddenSize}: {@code "auto"} batch size is
     * a tenth of the file, between 1 and 16; {@code "auto"} epochs are 3, or more (up to 10) so that training sees at
     * least 1,600 examples; {@code "auto"} multiplier is {@link #autoMultiplier}.
     */
    public Hyperparameters resolve(int examples, int hiddenSize) {
        int batch = batchSize != null ? batchSize : Math.max(1, Math.min(16, examples / 10));
        int epochs = nEpochs != null ? nEpochs : Math.min(10, Math.max(3, (1600 + examples - 1) / examples));
        return new Hyperparameters(
                epochs,
                Math.min(batch, examples),
                learningRateMultiplier != null ? learningRateMultiplier : autoMultiplier(hiddenSize));
    }

    /**
     * The {@code "auto"} learning-rate multiplier for a model of {@code hiddenSize}: √(4096 / hidden size), between 1
     * and 16, to two decimals. Narrower models take larger LoRA steps: 1 at 4096 (7B class), 1.41 at 2048, about 2.1
     * at 896, 5.66 at 128.
     */
    public static double autoMultiplier(int hiddenSize) {
        double m = Math.sqrt((double) REFERENCE_HIDDEN_SIZE / Math.max(1, hiddenSize));
        return Math.round(Math.max(1, Math.min(16, m)) * 100) / 100.0;
    }

    /**
     * What {@code "auto"} chose and why, for the job's events: one clause per hyperparameter this request left on
     * auto, or an empty string.
     */
    public String explainAuto(Hyperparameters resolved, int examples, int hiddenSize, String unit) {
        List<String> clauses = new ArrayList<>();
        if (batchSize == null) {
            clauses.add("batch_size " + resolved.batchSize() + " (a tenth of " + examples + " " + unit
                    + ", between 1 and 16)");
        }
        if (nEpochs == null) {
            clauses.add(
                    "n_epochs " + resolved.nEpochs() + " (3, or up to 10 so that training sees 1,600 " + unit + ")");
        }
        if (learningRateMultiplier == null) {
            clauses.add("learning_rate_multiplier " + resolved.learningRateMultiplier() + " (√(4096 / hidden size "
                    + hiddenSize + "), between 1 and 16)");
        }
        return String.join(", ", clauses);
    }

    /**
     * The values for a reinforcement job over {@code prompts} prompts: {@code "auto"} batch size is 8 prompts (fewer
     * for a smaller file), {@code "auto"} epochs 1 (each prompt is sampled G times per visit), multiplier 1.
     */
    public Hyperparameters resolveForReinforcement(int prompts) {
        int batch = batchSize != null ? batchSize : 8;
        return new Hyperparameters(
                nEpochs != null ? nEpochs : 1,
                Math.min(batch, prompts),
                learningRateMultiplier != null ? learningRateMultiplier : 1.0);
    }
}
