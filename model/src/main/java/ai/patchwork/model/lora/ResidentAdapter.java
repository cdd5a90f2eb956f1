package ai.patchwork.model.lora;

/**
 * An adapter as the host tier keeps it: {@link AdapterWeights} (float32), or the form some slots hold their weights
 * in ({@link AdapterSlots#resident}), which those slots then take without a copy ({@link AdapterSlots#place}).
 */
public interface ResidentAdapter {

    String id();

    int rank();

    /** Host memory held by the weights. */
    long bytes();
}
