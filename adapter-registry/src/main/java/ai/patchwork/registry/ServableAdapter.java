package ai.patchwork.registry;

import ai.patchwork.registry.store.Artifact;
import java.util.Objects;

/**
 * What serving loads an adapter version from, read in one query: the version, its {@code adapter_config.json} and its
 * stored weights.
 *
 * @param adapter the version
 * @param configJson its {@code adapter_config.json}, as uploaded
 * @param weights its {@code adapter_model.safetensors} in the object store, or null once collected
 */
public record ServableAdapter(Adapter adapter, String configJson, Artifact weights) {
    public ServableAdapter {
        Objects.requireNonNull(adapter, "adapter");
        Objects.requireNonNull(configJson, "configJson");
    }
}
