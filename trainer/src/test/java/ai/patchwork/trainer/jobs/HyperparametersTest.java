package ai.patchwork.trainer.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What "auto" hyperparameters resolve to, and the names of fine-tuned models. */
class HyperparametersTest {

    @Test
    void fineTunedModelNamesFitTheRegistry() {
        assertEquals("ft-tiny-llama-rev-4Xq7aB2c", FineTunedModelName.of("tiny-llama", "rev", "ftjob-4Xq7aB2cZZZZ"));
        assertEquals("ft-tiny-llama-4Xq7aB2c", FineTunedModelName.of("tiny-llama", null, "ftjob-4Xq7aB2cZZZZ"));
        String longest = FineTunedModelName.of("b".repeat(64), "s".repeat(64), "ftjob-" + "x".repeat(24));
        assertEquals(true, longest.length() <= 64 && longest.matches("[A-Za-z0-9][A-Za-z0-9._-]*"), longest);
    }

    @Test
    void autoChoosesTheLearningRateFromTheModelsWidthAndSaysWhy() {
        // given a request that leaves everything on auto
        Hyperparameters h = Hyperparameters.AUTO;

        // then the multiplier is √(4096 / hidden size), between 1 and 16
        assertEquals(1.0, h.resolve(400, 4096).learningRateMultiplier());
        assertEquals(5.66, h.resolve(400, 128).learningRateMultiplier());
        assertEquals(16.0, h.resolve(400, 8).learningRateMultiplier());
        assertEquals(1.0, h.resolve(400, 8192).learningRateMultiplier());

        // and the explanation names each auto choice with its value
        Hyperparameters resolved = h.resolve(16, 128);
        assertEquals(
                "batch_size 1 (a tenth of 16 examples, between 1 and 16), n_epochs 10 (3, or up to 10 so that "
                        + "training sees 1,600 examples), learning_rate_multiplier 5.66 (√(4096 / hidden size 128), between 1 and 16)",
                h.explainAuto(resolved, 16, 128, "examples"));
        assertEquals(
                "", new Hyperparameters(2, 4, 1.0).explainAuto(new Hyperparameters(2, 4, 1.0), 16, 128, "examples"));
    }
}
