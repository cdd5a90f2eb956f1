package ai.patchwork.api.replicas;

import ai.patchwork.api.inference.ServedModels;
import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import ai.patchwork.registry.BaseModel;
import ai.patchwork.registry.BaseModels;
import java.time.Duration;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Serving replica presence: every role can read {@link ServingReplicas}; a serving process reports its heartbeat
 * ({@code patchwork.serving.replica-id}, {@code patchwork.serving.heartbeat-interval}); the api role prunes rows of
 * replicas long gone.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class ReplicasConfiguration {

    @Bean
    @DependsOnDatabaseInitialization
    ServingReplicas servingReplicas(DataSource dataSource) {
        return new ServingReplicas(dataSource);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnRole(Role.SERVING)
    ReplicaReporter replicaReporter(
            ServingReplicas replicas,
            ServedModels served,
            BaseModels baseModels,
            @Value("${patchwork.serving.replica-id:}") String replicaId,
            @Value("${patchwork.serving.heartbeat-interval:5s}") Duration interval) {
        return new ReplicaReporter(
                replicas,
                served,
                baseModels.all().stream().map(BaseModel::id).toList(),
                ReplicaReporter.defaultId(replicaId),
                interval);
    }

    @Bean
    @ConditionalOnRole(Role.API)
    ReplicaPruner replicaPruner(ServingReplicas replicas) {
        return new ReplicaPruner(replicas);
    }

    /** Deletes rows of replicas gone for {@link ServingReplicas#PRUNE_AFTER}; safe on several api replicas. */
    record ReplicaPruner(ServingReplicas replicas) {

        @Scheduled(fixedDelay = 60_000, initialDelay = 60_000)
        int prune() {
            return replicas.prune();
        }
    }
}
