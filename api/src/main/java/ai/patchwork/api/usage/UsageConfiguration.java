package ai.patchwork.api.usage;

import ai.patchwork.api.platform.ConditionalOnRole;
import ai.patchwork.api.platform.Role;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Serving processes meter what they serve; the recorder flushes every {@code patchwork.usage.flush-interval} (1 s by
 * default: what a crashed process loses is at most that much usage) and once more on shutdown.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnRole(Role.SERVING)
class UsageConfiguration {

    @Bean
    @DependsOnDatabaseInitialization
    UsageRecorder usageRecorder(DataSource dataSource) {
        return new UsageRecorder(dataSource);
    }

    /** Flushes periodically, and a last time at shutdown. */
    @Bean(destroyMethod = "close")
    UsageFlusher usageFlusher(
            UsageRecorder recorder, @Value("${patchwork.usage.flush-interval:1s}") Duration interval) {
        return new UsageFlusher(recorder, interval);
    }

    static final class UsageFlusher implements AutoCloseable {
        private final UsageRecorder recorder;
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("usage-flush").factory());

        UsageFlusher(UsageRecorder recorder, Duration interval) {
            this.recorder = recorder;
            timer.scheduleWithFixedDelay(
                    recorder::flush, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            timer.shutdownNow();
            recorder.flush();
        }
    }
}
