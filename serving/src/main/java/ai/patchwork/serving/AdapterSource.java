package ai.patchwork.serving;

import ai.patchwork.model.config.ModelConfig;
import ai.patchwork.model.lora.AdapterWeights;
import ai.patchwork.model.lora.LoraModules;

/**
 * Where adapters come from, below the host-memory tier: the registry and object store in production,
 * {@link FolderAdapterSource} in tests and local runs.
 *
 * <p>Called on the adapter cache's loader threads, never on the engine loop, so it may block on I/O. It must return
 * the adapter's current version; after a new version is published or the adapter deleted, the registry calls
 * {@link AdapterCache#invalidate} so that the next request loads again.
 */
@FunctionalInterface
public interface AdapterSource {

    /**
     * Loads and validates an adapter for this base model, typically with {@link AdapterWeights#load}, or as a reader
     * of its modules ({@link AdapterWeights#read}) that stays valid after this returns: the cache converts it to the
     * slots' form on the loader thread.
     *
     * @throws AdapterNotFoundException when the id is unknown
     * @throws Exception on any other failure; requests for it fail with an {@link AdapterLoadException}
     */
    LoraModules load(String adapterId, ModelConfig base) throws Exception;

    /**
     * Loads an adapter within a budget: a source that knows the adapter's rank and size from its metadata refuses a
     * rank over {@link LoadBudget#maxRank()} and calls {@link LoadBudget#reserve} before it reads the weights. By
     * default the adapter is loaded as {@link #load(String, ModelConfig)} does and checked once loaded.
     */
    default LoraModules load(String adapterId, ModelConfig base, LoadBudget budget) throws Exception {
        return load(adapterId, base);
    }
}
