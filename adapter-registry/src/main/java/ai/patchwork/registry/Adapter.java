package ai.patchwork.registry;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One immutable adapter version.
 *
 * @param id {@code adp-} and 24 lowercase letters or digits
 * @param name the name it was registered under
 * @param version 1, 2, … per name
 * @param baseModel id of the base model it applies to
 * @param status ready or deleted
 * @param rank LoRA rank r
 * @param loraAlpha lora_alpha
 * @param useRslora whether the scale is alpha/sqrt(r) (rsLoRA) instead of alpha/r
 * @param targetModules projections it adapts, e.g. {@code q_proj}, in the model's order
 * @param sizeBytes size of {@code adapter_model.safetensors}
 * @param sha256 sha256 of {@code adapter_model.safetensors}
 * @param createdAt when it was registered
 * @param source lineage
 * @param projectId the project that owns it ({@code proj_…})
 * @param visibility whether other projects may serve it
 */
public record Adapter(
        String id,
        String name,
        int version,
        String baseModel,
        AdapterStatus status,
        int rank,
        double loraAlpha,
        boolean useRslora,
        List<String> targetModules,
        long sizeBytes,
        String sha256,
        Instant createdAt,
        AdapterLineage source,
        String projectId,
        AdapterVisibility visibility) {

    public Adapter {
        if (!AdapterRef.isId(id)) throw new IllegalArgumentException("not an adapter id: " + id);
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(baseModel, "baseModel");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(projectId, "projectId");
        Objects.requireNonNull(visibility, "visibility");
        if (version < 1) throw new IllegalArgumentException("version must be positive, got " + version);
        targetModules = List.copyOf(targetModules);
    }

    /** {@code name@version}, which always resolves to this version. */
    public String qualifiedName() {
        return name + "@" + version;
    }

    /** Whether {@code project} may serve it and read it: its owner, or any project when it is shared. */
    public boolean visibleTo(String project) {
        return projectId.equals(project) || visibility == AdapterVisibility.ORGANIZATION;
    }

    public boolean isReady() {
        return status == AdapterStatus.READY;
    }
}
