package ai.patchwork.api.inference;

import ai.patchwork.api.auth.Project;
import ai.patchwork.model.vector.Quantization;
import ai.patchwork.registry.Adapter;
import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.BaseModel;
import ai.patchwork.registry.BaseModels;
import ai.patchwork.serving.EngineConfig;
import ai.patchwork.serving.EngineStartup;
import ai.patchwork.serving.InferenceEngine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link InferenceEngine} per configured base model, each loaded once at startup, with adapters coming from the
 * registry ({@link RegistryAdapterSource}). The engines' meters carry a {@code base_model} tag so that several base
 * models can share one Prometheus registry.
 */
public final class ServedModels implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServedModels.class);

    private final Map<String, InferenceEngine> engines;
    private final Set<String> loaded;

    private ServedModels(Map<String, InferenceEngine> engines, Set<String> loaded) {
        this.engines = engines;
        this.loaded = loaded;
    }

    /**
     * Starts an engine for every base model, finishing those {@code head} began with the same settings; on a failure the
     * ones already started are closed. Whatever {@code head} began and was not taken is freed.
     */
    static ServedModels start(
            BaseModels baseModels,
            AdapterRegistry registry,
            ServingProperties properties,
            Map<String, Quantization> quantization,
            MeterRegistry meters,
            ServingHeadStart head) {
        Map<String, InferenceEngine> engines = new LinkedHashMap<>();
        Set<String> loaded = ConcurrentHashMap.newKeySet();
        try {
            for (BaseModel m : baseModels.all()) {
                long t0 = System.nanoTime();
                CompositeMeterRegistry tagged = new CompositeMeterRegistry();
                tagged.config().commonTags("base_model", m.id());
                tagged.add(meters);
                Quantization q = quantization.getOrDefault(m.id(), Quantization.NONE);
                EngineConfig config = config(m.path(), properties, q, preload(m, registry, properties));
                EngineStartup startup = head.take(m.id(), config).orElseGet(() -> EngineStartup.begin(config));
                InferenceEngine engine =
                        startup.finish(config, new RegistryAdapterSource(registry, m.id(), loaded::add), tagged);
                engines.put(m.id(), engine);
                log.info(
                        "serving base model {} on the {} runtime ({} ms)",
                        m.id(),
                        engine.runtime().name().toLowerCase(java.util.Locale.ROOT),
                        (System.nanoTime() - t0) / 1_000_000);
            }
        } catch (RuntimeException e) {
            engines.values().forEach(InferenceEngine::close);
            throw e;
        } finally {
            head.close();
        }
        return new ServedModels(engines, loaded);
    }

    /** The ids of the adapters of {@code m} that the operator's preload list names. */
    private static List<String> preload(BaseModel m, AdapterRegistry registry, ServingProperties p) {
        List<String> preload = new ArrayList<>();
        for (String ref : p.preload()) {
            // the operator's preload list names adapters by id, or by name in the default project
            Adapter a = registry.getReady(Project.DEFAULT, ref);
            if (a.baseModel().equals(m.id())) preload.add(a.id());
        }
        return preload;
    }

    /** The engine settings of the base model in {@code dir}. */
    static EngineConfig config(Path dir, ServingProperties p, Quantization q, List<String> preload) {
        return EngineConfig.builder(dir)
                .optMaxBatchSize(p.maxBatchSize())
                .optMaxSequenceLength(p.maxSequenceLength())
                .optPrefillChunk(p.prefillChunk())
                .optMaxQueued(p.maxQueued())
                .optAdapterSlots(p.adapterSlots())
                .optMaxLoraRank(p.maxLoraRank())
                .optHostCacheBytes(p.hostCache().toBytes())
                .optPreload(preload)
                .optLoaderThreads(p.loaderThreads())
                .optIntraOpThreads(p.intraOpThreads())
                .optStepThreads(p.stepThreads())
                .optRuntime(p.runtime())
                .optAdapterStorage(p.adapterStorage())
                .optQuantization(q)
                .optPrefixCaching(p.prefixCaching())
                .optPrefixCacheBytes(p.prefixCache().toBytes())
                .optPackedCacheDir(packedCacheDir(p.packedCacheDir()))
                .optMatmul(p.matmul())
                .build();
    }

    /** The packed-weights cache folder of {@code patchwork.serving.packed-cache-dir}: {@code ~/} expanded, empty: none. */
    private static Path packedCacheDir(String dir) {
        if (dir == null || dir.isBlank()) return null;
        return dir.startsWith("~/") ? Path.of(System.getProperty("user.home")).resolve(dir.substring(2)) : Path.of(dir);
    }

    /** The engine of a base model, if this process serves it. */
    public Optional<InferenceEngine> engine(String baseModel) {
        return Optional.ofNullable(engines.get(baseModel));
    }

    public Collection<InferenceEngine> engines() {
        return engines.values();
    }

    /** Drops an adapter version from every engine's cache: the next request loads it again, or fails if deleted. */
    void invalidate(String adapterId) {
        for (InferenceEngine e : engines.values()) e.adapters().invalidate(adapterId);
    }

    /** Every adapter id loaded so far (some may have been evicted since): what a resync revalidates. */
    Set<String> loadedAdapters() {
        return Set.copyOf(loaded);
    }

    @Override
    public void close() {
        engines.values().forEach(InferenceEngine::close);
    }
}
