package ai.patchwork.api.inference;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.registry.Adapter;
import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.RegistryException;
import ai.patchwork.serving.AdapterLoadException;
import ai.patchwork.serving.AdapterNotFoundException;
import ai.patchwork.serving.AdapterSource;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * The engine's adapter source in production: an adapter id ({@code adp-…}, one immutable version) is looked up in the
 * registry, its PEFT files are read from the database and the object store straight into host memory (the weights
 * checked against their sha256 on the way) and parsed there, with no temporary folder. Runs on the engine's
 * loader threads, so the database and object store round trips never block decoding.
 *
 * <p>Versions are immutable, so a cached adapter only goes stale when it is deleted; the registry's change events
 * then invalidate it ({@link AdapterEventsBridge}).
 */
final class RegistryAdapterSource implements AdapterSource {
    private final AdapterRegistry registry;
    private final String baseModel;
    private final Consumer<String> onLoad;

    /**
     * @param onLoad told every adapter id this source loads, so that a resync can revalidate them
     */
    RegistryAdapterSource(AdapterRegistry registry, String baseModel, Consumer<String> onLoad) {
        this.registry = registry;
        this.baseModel = baseModel;
        this.onLoad = onLoad;
    }

    @Override
    public AdapterWeights load(String adapterId, ModelConfig base) throws IOException {
        Adapter adapter;
        try {
            adapter = registry.getReady(adapterId);
        } catch (RegistryException e) {
            if (e.reason() == RegistryException.Reason.NOT_FOUND)
                throw new AdapterNotFoundException(adapterId, "the registry");
            throw e;
        }
        if (!adapter.baseModel().equals(baseModel)) {
            throw new AdapterLoadException(
                    adapterId,
                    "adapter '" + adapterId + "' is for base model '" + adapter.baseModel() + "', not '" + baseModel
                            + "'",
                    null);
        }
        onLoad.accept(adapterId);
        byte[] weights;
        try (InputStream in = registry.openWeights(adapter)) {
            weights = in.readAllBytes(); // throws if the bytes do not match the adapter's sha256
        }
        return AdapterWeights.fromBytes(adapterId, registry.config(adapter), weights, base);
    }
}
