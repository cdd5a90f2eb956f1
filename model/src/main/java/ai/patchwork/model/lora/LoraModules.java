package ai.patchwork.model.lora;

import ai.patchwork.model.nn.Projection;

/**
 * An adapter's modules, read one at a time: {@link AdapterWeights} holds them in memory, {@link AdapterWeights#read}
 * reads each from a safetensors file when asked, so slots that convert the weights ({@link AdapterSlots#resident})
 * never need the whole adapter in float32 at once.
 */
public interface LoraModules {

    String id();

    PeftConfig config();

    default int rank() {
        return config().rank();
    }

    /** The weights of one module, or null when the adapter does not adapt it; a reader may return fresh arrays. */
    LoraWeights module(int layer, Projection p);

    /**
     * The same module as its file stores it, for slots that convert it as they read it; null when this reader holds
     * its modules only in float32 (then {@link #module} is the way) or does not adapt it.
     */
    default StoredLora stored(int layer, Projection p) {
        return null;
    }
}
