package ai.patchwork.trainer.batch;

import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.LoraWeights;
import ai.patchwork.trainer.jobs.JobError;

/**
 * The export's last check: an adapter holding NaN or an infinity would turn every output of the requests that use it
 * into NaN, and the registry would refuse it anyway, so the job fails before anything is exported or registered.
 */
final class FiniteAdapter {
    private FiniteAdapter() {}

    /** @throws JobFailure ({@code non_finite_weights}) naming the first module with a value that is not finite */
    static void require(AdapterWeights adapter) {
        for (LoraWeights m : adapter.modules()) {
            String matrix = !finite(m.a()) ? "lora_A" : !finite(m.b()) ? "lora_B" : null;
            if (matrix == null) continue;
            throw new JobFailure(new JobError(
                    "non_finite_weights",
                    "the trained adapter holds NaN or infinite values (" + matrix + " of "
                            + m.projection().module() + " in layer " + m.layer()
                            + "), so it cannot be served and was not exported; the training diverged: "
                            + "lower learning_rate_multiplier and start a new job",
                    null));
        }
    }

    private static boolean finite(float[] values) {
        for (float v : values) if (!Float.isFinite(v)) return false;
        return true;
    }
}
