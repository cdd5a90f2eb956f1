package ai.patchwork.serving;

import ai.patchwork.model.config.ModelConfig;

/**
 * Builds the {@link ModelRunner} of one runtime with everything it owns (weights, KV cache, adapter slots, threads),
 * all freed by the runner's {@link ModelRunner#close}. The engine only picks the factory: the CPU runtime reads its
 * weights from the checkpoint itself and never starts PyTorch; the DJL runtime loads the tensor model.
 */
@FunctionalInterface
interface RunnerFactory {

    /**
     * @param model the checkpoint's hyperparameters
     * @param context positions per sequence the KV cache holds
     */
    ModelRunner open(EngineConfig config, ModelConfig model, int context);

    static RunnerFactory of(EngineRuntime runtime) {
        return switch (runtime) {
            case VECTOR -> VectorRunner::new;
            case DJL -> DjlRunner::new;
            case AUTO -> throw new IllegalArgumentException("resolve AUTO to a runtime first");
        };
    }
}
