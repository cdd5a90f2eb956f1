package ai.patchwork.api.adapters;

import ai.patchwork.registry.Adapter;
import ai.patchwork.registry.AdapterLineage;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * The adapter object of the API.
 *
 * @param object always {@code adapter}
 * @param createdAt unix seconds
 * @param source {@code {"type": "upload"}} or {@code {"type": "fine_tuning", "job_id", "training_file",
 *     "hyperparameters"}}
 * @param projectId the project that owns it
 * @param visibility {@code private}, or {@code organization} when every project may serve it by id
 * @param loadedOn in the detail only: ids of the live serving replicas holding this version in memory
 */
record AdapterJson(
        String id,
        String object,
        String name,
        int version,
        String baseModel,
        String status,
        int rank,
        double loraAlpha,
        boolean useRslora,
        List<String> targetModules,
        long sizeBytes,
        String sha256,
        long createdAt,
        Source source,
        String projectId,
        String visibility,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<String> loadedOn) {

    /** Lineage; absent fields are left out. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Source(String type, String jobId, String trainingFile, Map<String, Object> hyperparameters) {}

    static AdapterJson of(Adapter a) {
        AdapterLineage s = a.source();
        Source source = s.type() == AdapterLineage.Type.UPLOAD
                ? new Source("upload", null, null, null)
                : new Source("fine_tuning", s.jobId(), s.trainingFile(), s.hyperparameters());
        return new AdapterJson(
                a.id(),
                "adapter",
                a.name(),
                a.version(),
                a.baseModel(),
                a.status().wire(),
                a.rank(),
                a.loraAlpha(),
                a.useRslora(),
                a.targetModules(),
                a.sizeBytes(),
                a.sha256(),
                a.createdAt().getEpochSecond(),
                source,
                a.projectId(),
                a.visibility().wire(),
                null);
    }

    /** The detail: with the serving replicas that have this version loaded. */
    AdapterJson withLoadedOn(List<String> replicaIds) {
        return new AdapterJson(
                id,
                object,
                name,
                version,
                baseModel,
                status,
                rank,
                loraAlpha,
                useRslora,
                targetModules,
                sizeBytes,
                sha256,
                createdAt,
                source,
                projectId,
                visibility,
                List.copyOf(replicaIds));
    }

    /** The body of a delete: {@code {"id", "object": "adapter", "deleted": true}}. */
    record Deleted(String id, String object, boolean deleted) {
        static Deleted of(Adapter a) {
            return new Deleted(a.id(), "adapter", true);
        }
    }
}
