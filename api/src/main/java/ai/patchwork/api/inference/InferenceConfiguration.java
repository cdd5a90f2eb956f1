package ai.patchwork.api.inference;

import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import ai.patchwork.registry.AdapterRegistry;
import ai.patchwork.registry.BaseModels;
import ai.patchwork.registry.events.AdapterEvents;
import io.micrometer.core.instrument.MeterRegistry;
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
  ServedModels servedModels(BaseModels baseModels, AdapterRegistry registry, ServingProperties properties,
      MeterRegistry meters) {
    return ServedModels.start(baseModels, registry, properties, meters);
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
