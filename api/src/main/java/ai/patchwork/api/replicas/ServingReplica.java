package ai.patchwork.api.replicas;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One serving process as it last reported itself.
 *
 * @param id the replica id ({@code patchwork.serving.replica-id}, by default host name and process id)
 * @param baseModels the base models it serves
 * @param loadedAdapters adapter ids resident in its adapter caches (device slots and host memory), sorted
 * @param startedAt when the process started serving
 * @param heartbeatAt its last heartbeat, on the database's clock
 */
public record ServingReplica(
        String id, List<String> baseModels, List<String> loadedAdapters, Instant startedAt, Instant heartbeatAt) {

    public ServingReplica {
        if (id == null || id.isBlank() || id.length() > 253) {
            throw new IllegalArgumentException("a replica id has 1 to 253 characters: '" + id + "'");
        }
        baseModels = List.copyOf(baseModels);
        loadedAdapters = List.copyOf(loadedAdapters);
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(heartbeatAt, "heartbeatAt");
    }
}
