package ai.patchwork.api.inference;

import ai.patchwork.api.auth.AuthProperties;
import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.PatchworkProperties;
import ai.patchwork.api.platform.Role;
import ai.patchwork.model.vector.Quantization;
import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.BaseModels;
import ai.patchwork.registry.events.AdapterEvents;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The serving role: an inference engine per configured base model, adapters from the registry, and the registry's
 * change events wired to the engines' adapter caches. A process without the serving role has no engines and no
 * completion endpoints.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnRole(Role.SERVING)
class InferenceConfiguration {

    @Bean(destroyMethod = "close")
    ServedModels servedModels(
            BaseModels baseModels,
            AdapterRegistry registry,
            ServingProperties properties,
            PatchworkProperties platform,
            MeterRegistry meters,
            ObjectProvider<ServingHeadStart> head) {
        Map<String, Quantization> quantization = new HashMap<>();
        platform.baseModels().forEach((id, m) -> quantization.put(id, m.quantization()));
        return ServedModels.start(
                baseModels, registry, properties, quantization, meters, head.getIfAvailable(ServingHeadStart::none));
    }

    @Bean
    @ConditionalOnBooleanProperty("patchwork.serving.startup-request")
    StartupRequest startupRequest(BaseModels baseModels, AuthProperties auth, ObjectProvider<StartupWarmUp> warmUps) {
        return new StartupRequest(
                baseModels.all().stream().map(m -> m.id()).findFirst().orElse(null), auth, () -> {
                    long bytes = 0;
                    for (StartupWarmUp w : warmUps.orderedStream().toList()) bytes += w.run();
                    return bytes;
                });
    }

    @Bean
    ModelResolver modelResolver(ServedModels served, AdapterRegistry registry) {
        return new ModelResolver(served, registry);
    }

    @Bean(destroyMethod = "close")
    AdapterEventsBridge adapterEventsBridge(AdapterEvents events, ServedModels served, AdapterRegistry registry) {
        return new AdapterEventsBridge(events, served, registry);
    }
}
