package ai.patchwork.api.replicas;

import java.util.List;

/**
 * A serving replica in the API.
 *
 * @param object always {@code serving.replica}
 * @param loadedAdapters adapter ids in its memory (device slots and host cache)
 * @param startedAt unix seconds
 * @param heartbeatAt unix seconds, on the database's clock
 */
record ReplicaJson(
        String id,
        String object,
        List<String> baseModels,
        List<String> loadedAdapters,
        long startedAt,
        long heartbeatAt) {

    static ReplicaJson of(ServingReplica r) {
        return new ReplicaJson(
                r.id(),
                "serving.replica",
                r.baseModels(),
                r.loadedAdapters(),
                r.startedAt().getEpochSecond(),
                r.heartbeatAt().getEpochSecond());
    }

    /** This replica as a project sees it: only the adapters the project may serve. */
    ReplicaJson visibleTo(String projectId, ServingReplicas replicas) {
        return new ReplicaJson(
                id, object, baseModels, replicas.visibleAdapters(projectId, loadedAdapters), startedAt, heartbeatAt);
    }
}
