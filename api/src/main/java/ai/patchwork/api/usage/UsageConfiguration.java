package ai.patchwork.api.usage;

import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import javax.sql.DataSource;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Serving processes meter what they serve; the recorder flushes every {@code patchwork.usage.flush-interval} (1 s by
 * default: what a crashed process loses is at most that much usage) and once more on shutdown.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnRole(Role.SERVING)
@EnableScheduling
class UsageConfiguration {

    @Bean(destroyMethod = "flush")
    @DependsOnDatabaseInitialization
    UsageRecorder usageRecorder(DataSource dataSource) {
        return new UsageRecorder(dataSource);
    }
}
