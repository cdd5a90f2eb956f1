package ai.patchwork.registry;

/** Who may serve an adapter version: its own project only, or every project of the installation (read-only). */
public enum AdapterVisibility implements WireEnum {
    /** Only the owning project sees and serves it. */
    PRIVATE,
    /** Every project may serve it by id and read its metadata; only the owner creates versions or deletes it. */
    ORGANIZATION;

    /** Parses a {@link #wire()} name; null for anything else. */
    public static AdapterVisibility fromWire(String s) {
        return WireEnum.find(AdapterVisibility.class, s).orElse(null);
    }
}
