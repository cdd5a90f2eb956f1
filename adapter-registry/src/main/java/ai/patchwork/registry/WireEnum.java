package ai.patchwork.registry;

import java.util.Locale;
import java.util.Optional;

/**
 * An enum whose value in the API and the database is its constant's name in lower case ({@code READY} is
 * {@code "ready"}): the statuses and visibilities of adapters and fine-tuning jobs.
 */
public interface WireEnum {

    /** The constant's name, as {@link Enum#name()}. */
    String name();

    /** The lowercase name used in the database and the API. */
    default String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The constant of {@code type} whose {@link #wire()} name is {@code wire}, if any. */
    static <E extends Enum<E> & WireEnum> Optional<E> find(Class<E> type, String wire) {
        for (E e : type.getEnumConstants()) if (e.wire().equals(wire)) return Optional.of(e);
        return Optional.empty();
    }
}
