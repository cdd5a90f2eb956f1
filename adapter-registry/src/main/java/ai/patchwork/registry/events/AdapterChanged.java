package ai.patchwork.registry.events;

import ai.patchwork.registry.AdapterStatus;
import java.util.Objects;

/**
 * One change to the adapter registry.
 *
 * @param type what happened
 * @param adapterId the adapter version's id ({@code adp-…}); null for {@link Type#RESYNC}
 * @param name its name; null for {@link Type#RESYNC}
 * @param version its version; 0 for {@link Type#RESYNC}
 * @param baseModel its base model id; null for {@link Type#RESYNC}
 * @param status its status after the change; null for {@link Type#RESYNC}
 */
public record AdapterChanged(
        Type type, String adapterId, String name, int version, String baseModel, AdapterStatus status) {

    /** Kinds of change. */
    public enum Type {
        /** A new adapter version was registered. */
        CREATED,
        /** An adapter version was deleted: stop serving it and drop it from caches. */
        DELETED,
        /** An adapter version's status changed otherwise. */
        UPDATED,
        /** Events may have been missed (the listener reconnected): revalidate every cached adapter. */
        RESYNC
    }

    public AdapterChanged {
        Objects.requireNonNull(type, "type");
        if (type != Type.RESYNC) {
            Objects.requireNonNull(adapterId, "adapterId");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(status, "status");
            if (version < 1) throw new IllegalArgumentException("version must be positive, got " + version);
        }
    }

    /** The event sent after a reconnect. */
    public static AdapterChanged resync() {
        return new AdapterChanged(Type.RESYNC, null, null, 0, null, null);
    }
}
