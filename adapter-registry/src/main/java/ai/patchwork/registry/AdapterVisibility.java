package ai.patchwork.registry;

import java.util.Locale;

/** Who may serve an adapter version: its own project only, or every project of the installation (read-only). */
public enum AdapterVisibility {
    /** Only the owning project sees and serves it. */
    PRIVATE,
    /** Every project may serve it by id and read its metadata; only the owner creates versions or deletes it. */
    ORGANIZATION;

    /** The lowercase name used in the database and the API. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a {@link #wire()} name; null for anything else. */
    public static AdapterVisibility fromWire(String s) {
        for (AdapterVisibility v : values()) if (v.wire().equals(s)) return v;
        return null;
    }
}
