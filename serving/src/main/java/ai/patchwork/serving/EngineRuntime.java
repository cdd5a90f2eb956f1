package ai.patchwork.serving;

import ai.patchwork.model.Devices;
import ai.patchwork.model.vector.VectorTransformer;

/** Which forward an {@link InferenceEngine} runs. */
public enum EngineRuntime {
    /** {@link #VECTOR} on a CPU when the JVM has the Vector API, else {@link #DJL}. */
    AUTO,
    /** The tensor forward through DJL and PyTorch: GPUs, and CPUs without the Vector API. */
    DJL,
    /**
     * The CPU runtime ({@code ai.patchwork.model.vector}): fused SIMD loops with no per-op overhead, adapters read in
     * place. Needs {@code --add-modules jdk.incubator.vector}.
     */
    VECTOR;

    /** AUTO made concrete for this JVM and device. */
    EngineRuntime resolve() {
        if (this != AUTO) return this;
        return VectorTransformer.available() && Devices.cpu() ? VECTOR : DJL;
    }
}
