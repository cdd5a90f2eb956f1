package ai.patchwork.trainer.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The end of every update, whatever the loss: the accumulated gradients of the adapter's parameters are taken
 * (into the update's manager), clipped to a global norm, applied by AdamW at the scheduled rate, and zeroed again —
 * PyTorch accumulates gradients across backward passes.
 */
final class GradientStep {
    private GradientStep() {}

    /**
     * @param step the update's number, for the error if the gradient is not finite
     * @return the gradient's global norm before clipping
     * @throws TrainingDivergedException if the norm is NaN or infinite (the parameters are left as they were)
     */
    static double apply(
            Map<String, NDArray> params,
            AdamW optimizer,
            double maxGradNorm,
            double lr,
            int step,
            NDManager stepManager) {
        Map<String, NDArray> grads = new LinkedHashMap<>();
        double sq = 0;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray g = e.getValue().getGradient();
            g.attach(stepManager);
            grads.put(e.getKey(), g);
            sq += g.square().sum().getFloat();
        }
        double norm = Math.sqrt(sq);
        if (!Double.isFinite(norm)) {
            for (NDArray g : grads.values()) g.subi(g);
            throw new TrainingDivergedException(step, "gradient norm");
        }
        if (maxGradNorm > 0 && norm > maxGradNorm) {
            float scale = (float) (maxGradNorm / (norm + 1e-6));
            for (NDArray g : grads.values()) g.muli(scale);
        }
        optimizer.update(params, grads, (float) lr);
        for (NDArray g : grads.values()) g.subi(g);
        return norm;
    }
}
