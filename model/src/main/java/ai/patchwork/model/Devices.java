package ai.patchwork.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.util.cuda.CudaUtils;

/**
 * Where tensors live. By default the engine's choice: the first GPU when PyTorch sees one (CUDA natives on the
 * classpath and a driver), otherwise the CPU. {@code PATCHWORK_DEVICE=cpu|gpu|gpu1...} overrides it.
 */
public final class Devices {
    private Devices() {}

    public static Device chosen() {
        String name = System.getenv("PATCHWORK_DEVICE");
        if (name == null || name.isBlank() || name.equals("auto"))
            return Engine.getInstance().defaultDevice();
        return Device.fromName(name);
    }

    /**
     * Whether {@link #chosen} is the CPU, decided without starting the tensor engine where that is possible: with
     * {@code PATCHWORK_DEVICE} set, or when no CUDA GPU is visible (the engine would pick the CPU then too). Lets the CPU
     * runtime start without loading PyTorch's natives.
     */
    public static boolean cpu() {
        String name = System.getenv("PATCHWORK_DEVICE");
        if (name != null && !name.isBlank() && !name.equals("auto")) return name.startsWith("cpu");
        if (CudaUtils.getGpuCount() == 0) return true;
        return "cpu".equals(chosen().getDeviceType());
    }

    /** A root manager on the chosen device; the caller owns it. */
    public static NDManager newManager() {
        return NDManager.newBaseManager(chosen());
    }
}
