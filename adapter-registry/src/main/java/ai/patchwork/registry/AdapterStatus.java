package ai.patchwork.registry;

import java.util.Locale;

/** Lifecycle of an adapter version. */
public enum AdapterStatus {
    /** Stored, validated and servable. */
    READY,
    /** Soft-deleted: hidden from listings and no longer served; its weights are collected later. */
    DELETED;

    /** The lowercase name used in the database and the API. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a {@link #wire()} name. */
    public static AdapterStatus fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
