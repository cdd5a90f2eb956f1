package ai.patchwork.registry;

/** Lifecycle of an adapter version. */
public enum AdapterStatus implements WireEnum {
    /** Stored, validated and servable. */
    READY,
    /** Soft-deleted: hidden from listings and no longer served; its weights are collected later. */
    DELETED;

    /** Parses a {@link #wire()} name. */
    public static AdapterStatus fromWire(String s) {
        return WireEnum.find(AdapterStatus.class, s)
                .orElseThrow(() -> new IllegalArgumentException("unknown adapter status " + s));
    }
}
