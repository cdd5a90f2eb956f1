package ai.patchwork.api.adapters;

import ai.patchwork.api.inference.ServedModels;
import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.PatchworkProperties;
import ai.patchwork.api.platform.Role;
import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.BaseModels;
import ai.patchwork.registry.RegistryLimits;
import ai.patchwork.registry.events.AdapterEvents;
import ai.patchwork.registry.store.Artifacts;
import ai.patchwork.registry.store.GcReport;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * The registry's beans, for every role: the api serves it, workers register fine-tuned adapters, serving replicas
 * resolve adapters and follow {@link AdapterEvents}.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class AdaptersConfiguration {

    /** The registry; records the configured base models once the schema is in place. */
    @Bean
    @DependsOnDatabaseInitialization
    AdapterRegistry adapterRegistry(
            DataSource dataSource,
            Artifacts artifacts,
            BaseModels baseModels,
            PatchworkProperties properties,
            Environment environment) {
        baseModels.register(dataSource);
        PatchworkProperties.Registry r = properties.registry();
        int maxRank = r.maxLoraRank() != null
                ? r.maxLoraRank()
                : environment.getProperty(
                        "patchwork.serving.max-lora-rank", Integer.class, RegistryLimits.DEFAULT_MAX_LORA_RANK);
        RegistryLimits limits = new RegistryLimits(
                r.maxAdapterSize().toBytes(),
                r.maxConfigSize().toBytes(),
                r.maxArchiveSize().toBytes(),
                r.maxArchiveEntries(),
                r.maxArchiveUncompressedSize().toBytes(),
                r.maxCompressionRatio(),
                maxRank);
        return new AdapterRegistry(dataSource, artifacts, baseModels, limits);
    }

    /** Change events; listening starts with the first subscriber and holds one database connection. */
    @Bean(destroyMethod = "close")
    @DependsOnDatabaseInitialization
    AdapterEvents adapterEvents(DataSource dataSource) {
        return new AdapterEvents(dataSource);
    }

    /**
     * The adapter upload and load paths run once before health turns UP, by the start-up request's thread (only where
     * there is one: {@code patchwork.serving.startup-request}).
     */
    @Bean
    @ConditionalOnRole(Role.SERVING)
    @ConditionalOnBooleanProperty("patchwork.serving.startup-request")
    AdapterPathWarmUp adapterPathWarmUp(Artifacts artifacts, ServedModels served) {
        return new AdapterPathWarmUp(artifacts, served);
    }

    @Bean
    @ConditionalOnRole(Role.API)
    ArtifactCollector artifactCollector(AdapterRegistry registry, PatchworkProperties properties) {
        return new ArtifactCollector(registry, properties);
    }

    /** Collects unreferenced artifacts every {@code patchwork.registry.gc-interval}; safe on several replicas. */
    static final class ArtifactCollector {
        private final AdapterRegistry registry;
        private final PatchworkProperties properties;

        ArtifactCollector(AdapterRegistry registry, PatchworkProperties properties) {
            this.registry = registry;
            this.properties = properties;
        }

        @Scheduled(
                fixedDelayString = "${patchwork.registry.gc-interval:1h}",
                initialDelayString = "${patchwork.registry.gc-interval:1h}")
        GcReport collect() {
            return registry.collectGarbage(properties.registry().gcGrace());
        }
    }
}
